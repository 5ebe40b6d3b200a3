import type { ActivityDeps } from '../activities';
import type { AppConfig } from '../core/config';
import { createRecordedProducer } from '../core/kafka/recorded-producer';
import { SourceRegistry } from '../core/sources';
import { connectTemporalClient } from '../core/temporal/client';

/** Builds the clients shared by every activity of this process: one Kafka producer, the source drivers. */
export async function buildWorkerDeps(config: AppConfig): Promise<ActivityDeps & { close(): Promise<void> }> {
  const { kafka, metrics, producer } = createRecordedProducer(config);
  await producer.connect();
  const sources = new SourceRegistry(config);
  const temporal = await connectTemporalClient(config.temporal);
  return {
    config,
    kafka,
    producer,
    sources,
    temporal,
    metrics,
    async close() {
      await Promise.allSettled([producer.disconnect(), sources.end(), temporal.connection.close()]);
      await metrics.close();
    },
  };
}
