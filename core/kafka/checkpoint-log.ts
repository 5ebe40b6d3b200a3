import type { KafkaClient } from './client';
import { readCommitted } from './committed-log';
import { ensureTopic } from './topics';

/**
 * The checkpoint topic: one partition (a run's checkpoints are read back in order), compacted so
 * that only each run's last checkpoint stays, small segments so compaction keeps up with one
 * checkpoint per transaction, and runs forgotten after a week.
 */
const CHECKPOINT_TOPIC_CONFIGS = {
  'cleanup.policy': 'compact,delete',
  'retention.ms': String(7 * 24 * 3_600_000),
  'segment.ms': String(3_600_000),
  'min.cleanable.dirty.ratio': '0.1',
};

const ensured = new Set<string>();

/** Creates the checkpoint topic when it does not exist (checked once per process); true when it was created. */
export async function ensureCheckpointTopic(kafka: KafkaClient, topic: string): Promise<boolean> {
  if (ensured.has(topic)) return false;
  const created = await ensureTopic(kafka, topic, 1, CHECKPOINT_TOPIC_CONFIGS);
  ensured.add(topic);
  return created;
}

/** The last checkpoint of a run that a transaction committed, or null when none did. */
export async function lastCommittedCheckpoint(kafka: KafkaClient, topic: string, runKey: string): Promise<unknown> {
  let latest: Buffer | null = null;
  await readCommitted(kafka, topic, 0, (record) => {
    if (record.key?.toString() === runKey) latest = record.value;
  });
  return latest === null ? null : JSON.parse((latest as Buffer).toString());
}
