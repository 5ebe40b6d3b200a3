import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../../core/config';

/**
 * Writes the temporal.yaml of a worker process a test starts: the test config's Temporal server on
 * the test's own task queue (so no other test's worker takes its tasks), its Kafka brokers unless
 * `kafka` overrides them, the given sources, and any other section (`metrics`, `files`) as given.
 */
export function writeWorkerConfig(
  file: string,
  o: {
    taskQueue: string;
    sources: Record<string, { url: string }>;
    kafka?: Record<string, unknown>;
    more?: Record<string, unknown>;
  },
): string {
  const base = loadConfig();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    stringify({
      temporal: { ...base.temporal, task_queue: o.taskQueue },
      kafka: { bootstrap_servers: base.kafka.bootstrap_servers, ...o.kafka },
      sources: o.sources,
      ...o.more,
    }),
  );
  return file;
}
