import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { loadConfig } from '../../core/config';
import { uniqueName } from './names';

export function testKafka(): Kafka {
  const { kafka } = loadConfig();
  return new Kafka({ clientId: 'pstt-tests', brokers: kafka.bootstrap_servers, logLevel: logLevel.NOTHING });
}

/** Reads `count` messages of a topic from the beginning with a fresh consumer group. */
/** A consumed message and the partition it was read from. */
export type ConsumedMessage = KafkaMessage & { partition: number };

export async function consumeMessages(kafka: Kafka, topic: string, count: number, timeoutMs = 60_000): Promise<ConsumedMessage[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('pstt-test-group') });
  await consumer.connect();
  const messages: ConsumedMessage[] = [];
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${messages.length} of ${count} messages arrived on ${topic} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      consumer
        .run({
          eachBatch: async ({ batch }) => {
            messages.push(...batch.messages.map((m) => ({ ...m, partition: batch.partition })));
            if (messages.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

export { deleteTopic } from '../../core/kafka/topics';
