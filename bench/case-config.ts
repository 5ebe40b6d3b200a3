import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { AppConfig } from '../core/config';

/**
 * Writes the temporal.yaml of one case: the base config's Temporal server (with the case's own task
 * queue, so no other worker takes its tasks), its Kafka brokers and row thread setting, and the one source.
 */
export function writeCaseConfig(file: string, base: AppConfig, taskQueue: string, sourceUrl: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    stringify({
      temporal: { ...base.temporal, task_queue: taskQueue },
      kafka: { bootstrap_servers: base.kafka.bootstrap_servers, row_thread: base.kafka.row_thread },
      sources: { bench: { url: sourceUrl } },
    }),
  );
}
