import { ListOffsetTimestamps, type Admin } from '@platformatic/kafka';
import { withDeadline } from '../deadline';
import { withAdmin } from './admin';
import type { KafkaClient } from './client';
import { protocolErrorIds } from './kafka-errors';

/** The topic of the runbook's send test (procedure 5 step 7), created by `npm start`. */
export const RUNBOOK_TEST_TOPIC = 'pstt-test';

/** How long a new topic may take to get a leader on every partition. */
const LEADERS_DEADLINE_MS = 15_000;

/**
 * Creates a topic when it does not exist, and waits until every partition has a leader; true when it
 * was created. `configs` are topic settings such as `{ 'max.message.bytes': '2048' }`.
 */
export async function ensureTopic(
  kafka: KafkaClient,
  topic: string,
  numPartitions = 3,
  configs: Record<string, string> = {},
): Promise<boolean> {
  return withAdmin(kafka, async (admin) => {
    const existing = await admin.listTopics();
    if (existing.includes(topic)) return false;
    let created = true;
    try {
      await admin.createTopics({
        topics: [topic],
        partitions: numPartitions,
        replicas: -1,
        configs: Object.entries(configs).map(([name, value]) => ({ name, value })),
      });
    } catch (err) {
      // Another process (a second worker, npm start) created it between the list and the create.
      if (!protocolErrorIds(err).has('TOPIC_ALREADY_EXISTS')) throw err;
      created = false;
    }
    await waitForLeaders(admin, topic);
    return created;
  });
}

/**
 * Whether a topic exists, from the cluster's topic list (which, unlike a metadata request naming the
 * topic, never auto-creates it); rejects with `onTimeout()` when no broker answers within `timeoutMs`.
 */
export async function topicExists(
  kafka: KafkaClient,
  topic: string,
  timeoutMs: number,
  onTimeout: () => Error,
): Promise<boolean> {
  // No retries inside the deadline: one answer, now.
  const quick = { ...kafka, retries: 0, connectTimeout: Math.min(kafka.connectTimeout, timeoutMs) };
  const topics = await withDeadline(
    withAdmin(quick, (admin) => admin.listTopics()),
    timeoutMs,
    onTimeout,
  );
  return topics.includes(topic);
}

async function waitForLeaders(admin: Admin, topic: string): Promise<void> {
  const until = Date.now() + LEADERS_DEADLINE_MS;
  for (;;) {
    const metadata = await admin.metadata({ topics: [topic], forceUpdate: true }).catch(() => undefined);
    const partitions = metadata?.topics.get(topic)?.partitions ?? [];
    if (partitions.length > 0 && partitions.every((p) => p.leader >= 0)) return;
    if (Date.now() > until)
      throw new Error(`topic "${topic}" has no leader on every partition after ${LEADERS_DEADLINE_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Total number of messages in a topic (sum over partitions of the latest minus the earliest offset). */
export async function countMessages(kafka: KafkaClient, topic: string): Promise<number> {
  return withAdmin(kafka, async (admin) => {
    const metadata = await admin.metadata({ topics: [topic], forceUpdate: true });
    const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
    const at = async (timestamp: bigint) => {
      const partitions = Array.from({ length: count }, (_, partitionIndex) => ({ partitionIndex, timestamp }));
      const [listed] = await admin.listOffsets({ topics: [{ name: topic, partitions }] });
      return new Map((listed?.partitions ?? []).map((p) => [p.partitionIndex, p.offset]));
    };
    const [earliest, latest] = [await at(ListOffsetTimestamps.EARLIEST), await at(ListOffsetTimestamps.LATEST)];
    let total = 0n;
    for (const [partition, high] of latest) total += high - (earliest.get(partition) ?? 0n);
    return Number(total);
  });
}

/** Deletes a topic (tests and benchmarks clean up after themselves). */
export async function deleteTopic(kafka: KafkaClient, topic: string): Promise<void> {
  await withAdmin(kafka, (admin) => admin.deleteTopics({ topics: [topic] }));
}
