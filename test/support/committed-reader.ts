import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { KafkaClient } from '../../core/kafka/client';
import { kafkaLibsDir } from '../../devstack/kafka-broker';
import type { ConsumedMessage } from './kafka';

const run = promisify(execFile);

/**
 * Reads `count` messages from the beginning of a topic with Kafka's own Java consumer and
 * `isolation.level=read_committed`, as an exactly-once consumer would. Not with our client: the
 * read_committed filter of @platformatic/kafka 1.x keeps only the last aborted transaction of each
 * producer id per fetch, so a producer that aborted twice shows its earlier aborted messages. The
 * Java consumer is also what the users' consumers run. Headers are not read.
 */
export async function consumeCommitted(
  kafka: KafkaClient,
  topic: string,
  count: number,
  timeoutMs = 60_000,
  /** False: return what arrived within the timeout (to show that no more than expected is there). */
  requireAll = true,
): Promise<ConsumedMessage[]> {
  const props = [
    'print.partition=true',
    'print.offset=true',
    'print.key=true',
    'key.separator=\t',
    'null.literal=\u0001null',
  ];
  const { stdout } = await run(
    'java',
    [
      '-cp',
      `${kafkaLibsDir()}${path.sep}*`,
      'org.apache.kafka.tools.consumer.ConsoleConsumer',
      '--bootstrap-server',
      kafka.bootstrapBrokers.join(','),
      '--topic',
      topic,
      '--from-beginning',
      '--isolation-level',
      'read_committed',
      '--max-messages',
      String(count),
      '--timeout-ms',
      String(timeoutMs),
      ...props.flatMap((p) => ['--property', p]),
    ],
    { timeout: timeoutMs + 30_000, maxBuffer: 512 * 1024 * 1024 },
  ).catch((err: Error & { stderr?: string }) => {
    throw new Error(`Kafka's console consumer failed on ${topic}: ${err.stderr?.trim().slice(-500) ?? err.message}`);
  });
  const messages = stdout
    .split('\n')
    .filter((line) => line.startsWith('Partition:'))
    .map((line) => {
      const [partition, offset, key, ...value] = line.split('\t');
      const text = (s: string | undefined) => (s === undefined || s === '\u0001null' ? null : Buffer.from(s));
      return {
        partition: Number(partition!.slice('Partition:'.length)),
        offset: offset!.slice('Offset:'.length),
        key: text(key),
        value: text(value.join('\t')),
        headers: {},
      };
    });
  if (requireAll && messages.length < count)
    throw new Error(
      `only ${messages.length} of ${count} committed messages arrived on ${topic} within ${timeoutMs} ms`,
    );
  return messages;
}
