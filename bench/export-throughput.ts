import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Kafka } from 'kafkajs';
import { loadConfig, type AppConfig } from '../core/config';
import { EXPORT_WORKFLOW_TYPE, type ExportJobInput } from '../core/job';
import { createKafka } from '../core/kafka/client';
import { countMessages, ensureTopic } from '../core/kafka/topics';
import { dataDir } from '../core/paths';
import { checkedSchedulingSchema } from '../core/scheduling';
import { connectTemporalClient } from '../core/temporal/client';
import { devPostgresUrl } from '../devstack/postgres-server';
import type { exportJob } from '../workflows';
import { parseBenchOptions, type BenchOptions, type SourceKind } from './bench-options';
import { BenchWorker } from './bench-worker';
import { writeCaseConfig } from './case-config';
import { exportQuery } from './order-rows';
import { formatRatios, formatResults, type CaseResult } from './report';
import { ensurePostgresSource, ensureSqliteSource, sampleMessages, type BenchSource } from './source-data';
import { deleteTopic } from '../core/kafka/topics';

/**
 * Export throughput and worker memory: each case exports a table to a fresh 3-partition topic through
 * a fresh worker process (the real worker/main.ts), timed from workflow start to result. The peak RSS
 * of the large run over the small run's shows whether memory grows with the result set.
 */

const BATCH_SIZE = 500;
const PROGRESS_EVERY_MS = 15_000;

interface Env {
  base: AppConfig;
  kafka: Kafka;
  client: Client;
  runDir: string;
  options: BenchOptions;
}

/** An error and its causes on one line: Temporal's "Workflow execution failed" alone says nothing. */
function describeError(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e instanceof Error && parts.length < 5; e = e.cause) parts.push(e.message);
  return parts.join(': ') || String(err);
}

const suffix = () => `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

async function prepareSources(options: BenchOptions): Promise<Map<SourceKind, BenchSource>> {
  const sources = new Map<SourceKind, BenchSource>();
  for (const kind of options.sources) {
    const source =
      kind === 'sqlite'
        ? ensureSqliteSource(options.rowsLarge)
        : await ensurePostgresSource(
            process.env.PSTT_TEST_POSTGRES_URL ?? devPostgresUrl('pstt_test'),
            options.rowsLarge,
          );
    const how = source.created ? `generated in ${source.seconds.toFixed(1)} s` : 'reused';
    console.log(`source ${kind}: ${source.table} (${options.rowsLarge.toLocaleString('en-US')} rows) ${how}`);
    sources.set(kind, source);
  }
  const samples = new Map<SourceKind, string>();
  for (const [kind, source] of sources) {
    const sample = await sampleMessages(source);
    samples.set(kind, sample.text);
    console.log(
      `source ${kind}: average JSON message ${sample.avgValueBytes.toFixed(1)} bytes (rowToJson, ${sample.rows} sampled rows)`,
    );
  }
  const texts = [...samples.values()];
  if (texts.length > 1) console.log(`sources yield identical messages: ${texts.every((t) => t === texts[0])}`);
  return sources;
}

async function runCase(env: Env, kind: SourceKind, source: BenchSource, rows: number): Promise<CaseResult> {
  const name = `${kind}-${rows}`;
  const id = `pstt-bench-${name}-${suffix()}`;
  const result: CaseResult = {
    source: kind,
    rows,
    seconds: 0,
    bytes: 0,
    peakRssMb: 0,
    startupPeakMb: 0,
    exportPeakMb: 0,
    messagesInTopic: 0,
  };
  await ensureTopic(env.kafka, id, 3);
  const configFile = path.join(env.runDir, `${name}.yaml`);
  writeCaseConfig(configFile, env.base, id, source.url);
  const worker = BenchWorker.start(configFile, path.join(env.runDir, `${name}.log`));
  let progress: NodeJS.Timeout | undefined;
  try {
    await worker.ready(env.client, id);
    result.startupPeakMb = worker.memoryMb('VmHWM');
    worker.resetPeak();
    const scheduling = checkedSchedulingSchema.parse({
      name: `bench-${name}`,
      schedule: { every: '1h' },
      source: 'bench',
      query: exportQuery(source.table, rows, env.options.rowsLarge),
      export_format: 'kafka',
      timeout: 4 * 3600,
      // One attempt: a retry would re-read rows and blur both the time and the memory figures.
      retry: { max_attempts: 1 },
      kafka_config: { topic: id, message_key_field: 'id', batch_size: BATCH_SIZE },
    });
    const input: ExportJobInput = { scheduling };
    const started = performance.now();
    progress = setInterval(() => {
      void countMessages(env.kafka, id)
        .then((n) => {
          const at = ((performance.now() - started) / 1000).toFixed(0);
          console.log(`  ${name}: ${n.toLocaleString('en-US')} messages after ${at} s, RSS ${worker.memoryMb('VmRSS').toFixed(1)} MB`);
        })
        .catch(() => undefined);
    }, PROGRESS_EVERY_MS);
    const handle = await env.client.workflow.start<typeof exportJob>(EXPORT_WORKFLOW_TYPE, {
      taskQueue: id,
      workflowId: id,
      args: [input],
    });
    const exported = await handle.result();
    result.seconds = (performance.now() - started) / 1000;
    clearInterval(progress);
    // Read before the worker stops: /proc/<pid> goes with it.
    result.exportPeakMb = worker.memoryMb('VmHWM');
    result.peakRssMb = Math.max(result.startupPeakMb, result.exportPeakMb);
    result.bytes = exported.bytes;
    result.messagesInTopic = await countMessages(env.kafka, id);
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
    await deleteTopic(env.kafka, id).catch((err: Error) => console.log(`  could not delete topic ${id}: ${err.message}`));
  }
  const line = result.error
    ? `FAILED: ${result.error}`
    : `${result.seconds.toFixed(1)} s, peak RSS ${result.peakRssMb.toFixed(1)} MB, topic held ${result.messagesInTopic} messages`;
  console.log(`case ${name}: ${line}`);
  return result;
}

async function main(): Promise<void> {
  const options = parseBenchOptions();
  const base = loadConfig();
  const runDir = path.join(dataDir(), 'bench', `run-${suffix()}`);
  console.log(`export throughput: ${os.cpus().length} CPUs, Node ${process.version}; configs and worker logs in ${runDir}`);
  const sources = await prepareSources(options);
  const kafka = createKafka(base.kafka, base.baseDir);
  const client = await connectTemporalClient(base.temporal);
  const env: Env = { base, kafka, client, runDir, options };
  const results: CaseResult[] = [];
  try {
    for (const [kind, source] of sources) {
      for (const rows of [...new Set([options.rowsSmall, options.rowsLarge])]) {
        results.push(await runCase(env, kind, source, rows));
      }
    }
  } finally {
    await client.connection.close();
  }
  console.log(`\n${formatResults(results)}\n`);
  console.log(formatRatios(results, options.rowsSmall, options.rowsLarge));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
