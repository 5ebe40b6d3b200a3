import { Consumer, FetchIsolationLevels, MessagesStreamModes } from '@platformatic/kafka';
import { loadConfig } from '../../core/config';
import { baseOptionsOf, createKafka, forceClose, type KafkaClient } from '../../core/kafka/client';
import { consumeCommitted } from './committed-reader';
import { uniqueName } from './names';

/** The tests' cluster: the config's brokers (or `bootstrap`), no security (the devstack's broker is plaintext). */
export function testKafka(bootstrap?: string[]): KafkaClient {
  const kafka = loadConfig().kafka;
  return { ...createKafka(bootstrap ? { ...kafka, bootstrap_servers: bootstrap } : kafka), clientId: 'pstt-tests' };
}

/** A consumed message, the partition and offset it was read from. */
export interface ConsumedMessage {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
  partition: number;
  /** A 64-bit offset, as a string. */
  offset: string;
}

export interface ConsumeOptions {
  /** How long to wait for `count` messages. @default 60000 */
  timeoutMs?: number;
  /**
   * Read only committed transactions (`isolation.level=read_committed`), as an exactly-once consumer
   * does; aborted transactions are skipped. Read by Kafka's Java consumer (see committed-reader.ts),
   * without headers. @default false
   */
  readCommitted?: boolean;
}

/** Group joins that failed, then the read was tried again with a new group. */
const GROUP_ATTEMPTS = 3;

/**
 * Reads `count` messages of a topic from the beginning with a fresh consumer group. On a loaded
 * machine the group's join can time out ("joinGroup failed 4 times", emitted as an 'error' event):
 * the read then starts over with a new group, up to GROUP_ATTEMPTS times.
 */
export async function consumeMessages(
  kafka: KafkaClient,
  topic: string,
  count: number,
  options: ConsumeOptions | number = {},
): Promise<ConsumedMessage[]> {
  const { timeoutMs = 60_000, readCommitted = false } = typeof options === 'number' ? { timeoutMs: options } : options;
  if (readCommitted) return consumeCommitted(kafka, topic, count, timeoutMs);
  for (let attempt = 1; ; attempt++) {
    try {
      return await consumeOnce(kafka, topic, count, timeoutMs);
    } catch (err) {
      if (!(err instanceof GroupError) || attempt >= GROUP_ATTEMPTS) throw err;
    }
  }
}

/** The consumer's own 'error' event: its group membership failed. */
class GroupError extends Error {}

async function consumeOnce(
  kafka: KafkaClient,
  topic: string,
  count: number,
  timeoutMs: number,
): Promise<ConsumedMessage[]> {
  const consumer = new Consumer({
    ...baseOptionsOf(kafka),
    groupId: uniqueName('pstt-test-group'),
    sessionTimeout: 10_000,
    heartbeatInterval: 500,
    isolationLevel: FetchIsolationLevels.READ_UNCOMMITTED,
  });
  const messages: ConsumedMessage[] = [];
  let groupFailed: (err: Error) => void = () => undefined;
  const groupFailure = new Promise<never>((_, reject) => (groupFailed = reject));
  groupFailure.catch(() => undefined);
  consumer.on('error', (err: Error) =>
    groupFailed(new GroupError(`consumer group of ${topic} failed: ${err.message}`, { cause: err })),
  );
  try {
    const stream = await consumer.consume({
      topics: [topic],
      mode: MessagesStreamModes.EARLIEST,
      autocommit: false,
      maxWaitTime: 500,
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new Error(`only ${messages.length} of ${count} messages arrived on ${topic} within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    const reading = (async () => {
      if (count === 0) return;
      for await (const m of stream) {
        const headers: Record<string, Buffer> = {};
        for (const [k, v] of m.headers) headers[k.toString()] = v;
        messages.push({
          key: m.key ?? null,
          value: m.value ?? null,
          headers,
          partition: m.partition,
          offset: m.offset.toString(),
        });
        if (messages.length >= count) return;
      }
    })();
    try {
      await Promise.race([reading, timeout, groupFailure]);
    } finally {
      clearTimeout(timer);
      await stream.close().catch(() => undefined);
    }
  } finally {
    await forceClose(consumer);
  }
  return messages;
}

export { deleteTopic } from '../../core/kafka/topics';
