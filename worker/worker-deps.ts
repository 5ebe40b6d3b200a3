import type { ActivityDeps } from '../activities';
import type { AppConfig } from '../core/config';
import { createKafka } from '../core/kafka/client';
import { KafkaProducer } from '../core/kafka/producer';
import { SourceRegistry } from '../core/sources';

/** Builds the clients shared by every activity of this process: one Kafka producer, the source drivers. */
export async function buildWorkerDeps(config: AppConfig): Promise<ActivityDeps & { close(): Promise<void> }> {
  const producer = new KafkaProducer(createKafka(config.kafka));
  await producer.connect();
  const sources = new SourceRegistry(config);
  return {
    config,
    producer,
    sources,
    async close() {
      await Promise.allSettled([producer.disconnect(), sources.end()]);
    },
  };
}
