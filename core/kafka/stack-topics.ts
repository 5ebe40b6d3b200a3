import { ensureCheckpointTopic } from './checkpoint-log';
import type { KafkaClient } from './client';
import { ensureTopic, RUNBOOK_TEST_TOPIC } from './topics';

/**
 * The topics the stack relies on, created when missing (idempotent, safe beside a worker doing the same):
 * the runbook's send test topic (procedure 5 step 7) and the checkpoint topic of exactly-once exports
 * (which the worker also creates at its first such export). Returns the topics it created.
 */
export async function ensureStackTopics(
  kafka: KafkaClient,
  topics: { checkpoint: string; test?: string },
): Promise<string[]> {
  const test = topics.test ?? RUNBOOK_TEST_TOPIC;
  const created: string[] = [];
  if (await ensureTopic(kafka, test, 1)) created.push(test);
  if (await ensureCheckpointTopic(kafka, topics.checkpoint)) created.push(topics.checkpoint);
  return created;
}
