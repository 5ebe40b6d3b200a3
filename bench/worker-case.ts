import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { KafkaClient } from '../core/kafka/client';
import type { AppConfig } from '../core/config';
import type { EntryMode } from '../core/entry-point';
import type { ExportJobInput } from '../core/job';
import { countCommitted } from '../core/kafka/committed-log';
import { countMessages, deleteTopic, ensureTopic } from '../core/kafka/topics';
import { checkedSchedulingSchema } from '../core/scheduling';
import { exportJob } from '../workflows';
import type { SourceKind } from './bench-options';
import { BenchWorker, cpuProfileArgs } from './bench-worker';
import { writeCaseConfig } from './case-config';
import { exportQuery } from './order-rows';
import type { CaseResult } from './report';
import type { BenchSource } from './source-data';

/**
 * One export through a fresh worker process (the real worker/main.ts) into a fresh 3-partition topic,
 * timed from workflow start to result, with the worker's peak RSS; shared by `npm run bench` and
 * `npm run bench:peers`.
 */

const BATCH_SIZE = 500;
const PROGRESS_EVERY_MS = 15_000;

export interface Env {
  base: AppConfig;
  kafka: KafkaClient;
  client: Client;
  runDir: string;
  /** Rows in the source table: a case of fewer rows adds `WHERE id <= rows`. */
  totalRows: number;
  /** Prefix of the case's topic and task queue. */
  prefix?: string;
  /** The worker each case starts (built first when compiled). @default 'compiled' */
  worker?: EntryMode;
  /** Where each case's worker writes a V8 CPU profile of its threads (`--cpu-prof`); none when undefined. */
  profileDir?: string;
}

/** An error and its causes on one line: Temporal's "Workflow execution failed" alone says nothing. */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e instanceof Error && parts.length < 5; e = e.cause) parts.push(e.message);
  return parts.join(': ') || String(err);
}

export const suffix = () => `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

/** The scheduling of a bench export: key `id`, 500-row batches, one attempt. */
export function benchScheduling(
  name: string,
  topic: string,
  query: string,
  extraKafkaConfig: Record<string, unknown> = {},
) {
  return checkedSchedulingSchema.parse({
    name,
    schedule: { every: '1h' },
    source: 'bench',
    query,
    export_format: 'kafka',
    timeout: 4 * 3600,
    // One attempt: a retry would re-read rows and blur both the time and the memory figures.
    retry: { max_attempts: 1 },
    // resume_key: as the README tells users to configure an export.
    kafka_config: { topic, message_key_field: 'id', resume_key: ['id'], batch_size: BATCH_SIZE, ...extraKafkaConfig },
  });
}

export async function runCase(
  env: Env,
  kind: SourceKind,
  source: BenchSource,
  rows: number,
  extraKafkaConfig: Record<string, unknown> = {},
): Promise<CaseResult> {
  const name = `${kind}-${rows}`;
  const id = `${env.prefix ?? 'pstt-bench'}-${name}-${suffix()}`;
  const result: CaseResult = {
    source: kind,
    rows,
    seconds: 0,
    bytes: 0,
    peakRssMb: 0,
    startupSeconds: 0,
    exportCpuSeconds: 0,
    startupPeakMb: 0,
    exportPeakMb: 0,
    messagesInTopic: 0,
  };
  await ensureTopic(env.kafka, id, 3);
  const configFile = path.join(env.runDir, `${name}.yaml`);
  writeCaseConfig(configFile, env.base, id, source.url);
  const worker = BenchWorker.start(
    configFile,
    path.join(env.runDir, `${name}.log`),
    env.worker ?? 'compiled',
    cpuProfileArgs(env.profileDir),
  );
  let progress: NodeJS.Timeout | undefined;
  try {
    await worker.ready(env.client, id);
    result.startupSeconds = (performance.now() - worker.spawnedAt) / 1000;
    result.startupPeakMb = worker.memoryMb('VmHWM');
    worker.resetPeak();
    const scheduling = benchScheduling(
      `bench-${name}`,
      id,
      exportQuery(source.table, rows, env.totalRows),
      extraKafkaConfig,
    );
    const input: ExportJobInput = { scheduling };
    const started = performance.now();
    const cpuBefore = worker.cpuSeconds();
    progress = setInterval(() => {
      void countMessages(env.kafka, id)
        .then((n) => {
          const at = ((performance.now() - started) / 1000).toFixed(0);
          console.log(
            `  ${name}: ${n.toLocaleString('en-US')} messages after ${at} s, RSS ${worker.memoryMb('VmRSS').toFixed(1)} MB`,
          );
        })
        .catch(() => undefined);
    }, PROGRESS_EVERY_MS);
    const handle = await env.client.workflow.start(exportJob, {
      taskQueue: id,
      workflowId: id,
      args: [input],
    });
    const exported = await handle.result();
    result.seconds = (performance.now() - started) / 1000;
    result.exportCpuSeconds = worker.cpuSeconds() - cpuBefore;
    clearInterval(progress);
    // Read before the worker stops: /proc/<pid> goes with it.
    result.exportPeakMb = worker.memoryMb('VmHWM');
    result.peakRssMb = Math.max(result.startupPeakMb, result.exportPeakMb);
    result.bytes = exported.bytes;
    // Exactly-once: transaction markers take offsets too; count what a read_committed consumer sees.
    result.messagesInTopic =
      scheduling.kafka_config?.delivery === 'exactly_once'
        ? await countCommitted(env.kafka, id, 3)
        : await countMessages(env.kafka, id);
    if (exported.rows !== rows) result.error = `the export reported ${exported.rows} rows, expected ${rows}`;
    else if (result.messagesInTopic !== rows) {
      result.error = `the topic holds ${result.messagesInTopic} messages, expected ${rows}`;
    }
  } catch (err) {
    result.error = describeError(err);
  } finally {
    clearInterval(progress);
    const code = await worker.stop();
    if (code !== 0) console.log(`  ${name}: the worker exited with ${String(code)}; see ${worker.logFile}`);
    await deleteTopic(env.kafka, id).catch((err: Error) =>
      console.log(`  could not delete topic ${id}: ${err.message}`),
    );
  }
  const line = result.error
    ? `FAILED: ${result.error}`
    : `${result.seconds.toFixed(1)} s, peak RSS ${result.peakRssMb.toFixed(1)} MB, topic held ${result.messagesInTopic} messages`;
  console.log(`case ${name}: ${line}`);
  return result;
}
