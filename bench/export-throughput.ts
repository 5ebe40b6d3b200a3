import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../core/config';
import { createKafka } from '../core/kafka/client';
import { dataDir } from '../core/paths';
import { connectTemporalClient } from '../core/temporal/client';
import { devPostgresUrl } from '../devstack/postgres-server';
import { ensureBuilt } from '../scripts/build';
import { parseBenchOptions, type BenchOptions, type SourceKind } from './bench-options';
import { formatRatios, formatResults, type CaseResult } from './report';
import { ensurePostgresSource, ensureSqliteSource, sampleMessages, type BenchSource } from './source-data';
import { runCase, suffix, type Env } from './worker-case';

/**
 * Export throughput and worker memory: each case exports a table to a fresh 3-partition topic through
 * a fresh worker process (the real worker/main.ts), timed from workflow start to result. The peak RSS
 * of the large run over the small run's shows whether memory grows with the result set.
 */

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

async function main(): Promise<void> {
  const options = parseBenchOptions();
  const base = loadConfig();
  const runDir = path.join(dataDir(), 'bench', `run-${suffix()}`);
  console.log(
    `export throughput: ${os.cpus().length} CPUs, Node ${process.version}, ${options.worker} worker; configs and worker logs in ${runDir}`,
  );
  if (options.worker === 'compiled') await ensureBuilt((line) => console.log(line));
  const sources = await prepareSources(options);
  const kafka = createKafka(base.kafka, base.baseDir);
  const client = await connectTemporalClient(base.temporal);
  const env: Env = { base, kafka, client, runDir, totalRows: options.rowsLarge, worker: options.worker };
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
