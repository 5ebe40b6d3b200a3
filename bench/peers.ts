import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type AppConfig } from '../core/config';
import { createKafka, type KafkaClient } from '../core/kafka/client';
import { countMessages, deleteTopic, ensureTopic } from '../core/kafka/topics';
import { dataDir, PROJECT_ROOT } from '../core/paths';
import { rowToJson } from '../core/row-serializer';
import { createSource } from '../core/sources';
import { connectTemporalClient } from '../core/temporal/client';
import { devPostgresUrl } from '../devstack/postgres-server';
import { writeCaseConfig } from './case-config';
import { buildDirectEntry } from './direct-build';
import type { DirectOutcome } from './direct-child';
import { COLUMNS, exportQuery } from './order-rows';
import { ensureDebianTools, producerPerformanceCommand, producerPerformanceSeconds, q, shell } from './peer-tools';
import { ensureBuilt } from '../scripts/build';
import { parsePeersOptions, type PeerCase } from './peers-options';
import { ensurePostgresSource, ensureSqliteSource, type BenchSource } from './source-data';
import { cpuProfileArgs } from './bench-worker';
import { benchScheduling, describeError, runCase, suffix, type Env } from './worker-case';
import { workerEnv, workerNodeOptions } from '../worker/node-options';

/**
 * PSTT side by side with its peers on the same rows and broker: Kafka's ProducerPerformance, the
 * sqlite3|kcat and psql|kcat pipelines, PSTT through a worker and PSTT's export called directly.
 * Every repetition writes a fresh 3-partition topic whose message count must equal the row count.
 */

const MB = 1024 * 1024;
const PREFIX = 'wtb-peers';

/** What the exactly-once cases add to the scheduling (which already names its resume key). */
const EXACTLY_ONCE = { delivery: 'exactly_once' };

interface Rep {
  seconds: number;
  bytes: number;
  peakRssMb?: number;
  heartbeats?: number;
  /** CPU seconds of the exporting process (all its threads) during the export: contention hardly moves it. */
  cpuSeconds?: number;
}
interface Outcome {
  name: PeerCase;
  reps: Rep[];
  na?: string;
  error?: string;
}

interface Ctx {
  rows: number;
  base: AppConfig;
  kafka: KafkaClient;
  bootstrap: string;
  sqlite: BenchSource;
  postgres: BenchSource;
  payloadFile: string;
  /** Bytes of the payload file's messages (newlines excluded) and of the decimal ids (the keys). */
  valueBytes: number;
  keyBytes: number;
  runDir: string;
  /** dist/bench/direct-child.js: the direct case, compiled as the worker is. */
  directEntry: string;
  /** Where the direct cases write V8 CPU profiles (`--cpu-prof`); none when undefined. */
  profileDir?: string;
}

const sqliteFile = (s: BenchSource) => s.url.replace(/^sqlite:/, '');

/** One JSON line per row through the worker's source driver and core's rowToJson: the export's messages. */
async function ensurePayloadFile(
  source: BenchSource,
  rows: number,
): Promise<{ file: string; valueBytes: number; keyBytes: number }> {
  const file = path.join(dataDir(), 'bench', `peers-payload-${rows}.jsonl`);
  let keyBytes = 0;
  for (let i = 1; i <= rows; i++) keyBytes += String(i).length;
  if (!fs.existsSync(file)) {
    const driver = createSource(source.url, process.cwd());
    const staging = `${file}.partial`;
    const out = fs.openSync(staging, 'w');
    try {
      const cursor = await driver.open(exportQuery(source.table, rows, rows));
      try {
        for (let batch = await cursor.read(5000); batch.length; batch = await cursor.read(5000)) {
          fs.writeSync(out, batch.map((r) => `${rowToJson(r)}\n`).join(''));
        }
      } finally {
        await cursor.close();
      }
    } finally {
      fs.closeSync(out);
      await driver.end();
    }
    fs.renameSync(staging, file);
  }
  const valueBytes = fs.statSync(file).size - rows;
  return { file, valueBytes, keyBytes };
}

function sqliteKcat(ctx: Ctx, topic: string): string {
  const json = COLUMNS.map((c) => `'${c}', ${c}`).join(', ');
  const sql = `SELECT id || '|' || json_object(${json}) FROM ${ctx.sqlite.table} ORDER BY id`;
  return `sqlite3 ${q(sqliteFile(ctx.sqlite))} ${q(sql)} | kcat -P -b ${ctx.bootstrap} -t ${q(topic)} -K'|' -X acks=all`;
}

function psqlKcat(ctx: Ctx, topic: string): string {
  const sql = `SELECT t.id || '|' || row_to_json(t) FROM ${ctx.postgres.table} t ORDER BY t.id`;
  return `psql ${q(ctx.postgres.url)} -At -c ${q(sql)} | kcat -P -b ${ctx.bootstrap} -t ${q(topic)} -K'|' -X acks=all`;
}

/**
 * One repetition of an external command into a fresh topic, verified and deleted. Timed by the wall
 * clock, unless `ownSeconds` reads the tool's own figure from its output (ProducerPerformance: its
 * JVM start is left out, as the worker's start-up is left out of the worker cases).
 */
async function timedShell(
  ctx: Ctx,
  name: string,
  command: (topic: string) => string,
  bytes: number,
  ownSeconds?: (output: string) => number,
): Promise<Rep> {
  const topic = `${PREFIX}-${name}-${suffix()}`;
  await ensureTopic(ctx.kafka, topic, 3);
  try {
    const line = command(topic);
    const started = performance.now();
    const output = await shell(line);
    const seconds = ownSeconds ? ownSeconds(output) : (performance.now() - started) / 1000;
    const n = await countMessages(ctx.kafka, topic);
    if (n !== ctx.rows) throw new Error(`topic ${topic} holds ${n} messages, expected ${ctx.rows}`);
    return { seconds, bytes };
  } finally {
    await deleteTopic(ctx.kafka, topic).catch(() => undefined);
  }
}

/** Runs the compiled direct case in a node process started as a worker is (same flags and environment). */
function runDirectChild(ctx: Ctx, name: string, args: string[]): Promise<void> {
  const log = path.join(ctx.runDir, `${name}.log`);
  const out = fs.openSync(log, 'a');
  const profile = cpuProfileArgs(ctx.profileDir);
  const child = spawn(process.execPath, [...workerNodeOptions(), ...profile, ctx.directEntry, ...args], {
    cwd: PROJECT_ROOT,
    env: { ...workerEnv(), LOG_LEVEL: 'warn' },
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`the direct export exited with ${code ?? signal}; see ${log}`)),
    );
  });
}

async function directRep(ctx: Ctx, name: string, source: BenchSource): Promise<Rep> {
  const topic = `${PREFIX}-${name}-${suffix()}`;
  await ensureTopic(ctx.kafka, topic, 3);
  try {
    const configFile = path.join(ctx.runDir, `${name}.yaml`);
    writeCaseConfig(configFile, ctx.base, topic, source.url);
    const scheduling = benchScheduling(`bench-${name}`, topic, exportQuery(source.table, ctx.rows, ctx.rows));
    const schedulingFile = path.join(ctx.runDir, `${name}-scheduling.json`);
    fs.writeFileSync(schedulingFile, JSON.stringify(scheduling));
    const resultFile = path.join(ctx.runDir, `${name}-result.json`);
    fs.rmSync(resultFile, { force: true });
    await runDirectChild(ctx, name, [configFile, schedulingFile, resultFile]);
    const outcome = JSON.parse(fs.readFileSync(resultFile, 'utf8')) as DirectOutcome;
    const n = await countMessages(ctx.kafka, topic);
    if (outcome.rows !== ctx.rows || n !== ctx.rows) {
      throw new Error(`export reported ${outcome.rows} rows, topic ${topic} holds ${n} messages, expected ${ctx.rows}`);
    }
    return {
      seconds: outcome.seconds,
      bytes: outcome.bytes,
      heartbeats: outcome.heartbeats,
      cpuSeconds: outcome.cpuSeconds,
    };
  } finally {
    await deleteTopic(ctx.kafka, topic).catch(() => undefined);
  }
}

async function workerRep(
  env: Env,
  ctx: Ctx,
  kind: 'sqlite' | 'postgres',
  extra: Record<string, unknown>,
): Promise<Rep> {
  const r = await runCase(env, kind, kind === 'sqlite' ? ctx.sqlite : ctx.postgres, ctx.rows, extra);
  if (r.error) throw new Error(r.error);
  return { seconds: r.seconds, bytes: r.bytes, peakRssMb: r.exportPeakMb, cpuSeconds: r.exportCpuSeconds };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function rowsPerSecond(o: Outcome | undefined, rows: number): number[] {
  return o && !o.error && !o.na ? o.reps.map((r) => rows / r.seconds) : [];
}

function table(header: string[], body: string[][]): string {
  const w = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  return [line(header), w.map((n) => '-'.repeat(n)).join('  '), ...body.map(line)].join('\n');
}

function report(outcomes: Outcome[], rows: number): string {
  const body = outcomes.map((o) => {
    if (o.na) return [o.name, o.na, '', '', '', '', ''];
    if (o.error) return [o.name, `FAILED: ${o.error.split('\n')[0]!.slice(0, 100)}`, '', '', '', '', ''];
    const rps = rowsPerSecond(o, rows);
    const mid = median(o.reps.map((r) => r.seconds));
    const bytes = o.reps[0]!.bytes;
    const rss = o.reps.filter((r) => r.peakRssMb !== undefined).map((r) => r.peakRssMb!);
    const hb = o.reps.filter((r) => r.heartbeats !== undefined).map((r) => r.heartbeats! / r.seconds);
    return [
      o.name,
      fmt(Math.min(...rps)),
      fmt(median(rps)),
      fmt(Math.max(...rps)),
      (bytes / MB / mid).toFixed(2),
      rss.length ? Math.max(...rss).toFixed(1) : '-',
      hb.length ? median(hb).toFixed(1) : '-',
    ];
  });
  const main = table(
    ['case', 'rows/s min', 'median', 'max', 'MB/s (median)', 'worker peak RSS MB', 'direct heartbeats/s'],
    body,
  );
  const by = new Map(outcomes.map((o) => [o.name, o]));
  const ratio = (label: string, a: PeerCase, b: PeerCase, bar: number): string[] => {
    const x = rowsPerSecond(by.get(a), rows);
    const y = rowsPerSecond(by.get(b), rows);
    if (!x.length || !y.length) return [label, 'n/a', `>= ${bar}`, '-'];
    const r = median(x) / median(y);
    return [label, r.toFixed(2), `>= ${bar}`, r >= bar ? 'PASS' : 'MISS'];
  };
  const ratios = [
    ratio('worker-sqlite / producer-perf', 'worker-sqlite', 'producer-perf', 0.5),
    ratio('worker-postgres / producer-perf', 'worker-postgres', 'producer-perf', 0.5),
    ratio('worker-postgres / psql-kcat', 'worker-postgres', 'psql-kcat', 0.5),
    ratio('worker-sqlite / sqlite3-kcat', 'worker-sqlite', 'sqlite3-kcat', 0.5),
    ratio('worker-sqlite / direct-sqlite', 'worker-sqlite', 'direct-sqlite', 0.9),
    ratio('worker-postgres / direct-postgres', 'worker-postgres', 'direct-postgres', 0.9),
    ratio('worker-sqlite-eo / worker-sqlite', 'worker-sqlite-eo', 'worker-sqlite', 0.7),
    ratio('worker-postgres-eo / worker-postgres', 'worker-postgres-eo', 'worker-postgres', 0.7),
  ];
  return `${main}\n\n${table(['ratio of median rows/s', 'value', 'bar', 'verdict'], ratios)}`;
}

async function main(): Promise<void> {
  const options = parsePeersOptions();
  const began = performance.now();
  const loaded = loadConfig();
  const base =
    options.rowThread === undefined ? loaded : { ...loaded, kafka: { ...loaded.kafka, row_thread: options.rowThread } };
  const runDir = path.join(dataDir(), 'bench', `peers-${suffix()}`);
  fs.mkdirSync(runDir, { recursive: true });
  console.log(
    `bench:peers: ${os.cpus().length} CPUs, Node ${process.version}, ${options.rows} rows, ${options.reps} reps, row thread ${base.kafka.row_thread ? 'on' : 'off'}; logs in ${runDir}`,
  );
  const needs: Record<string, string> = { kcat: 'kcat' };
  if (options.cases.includes('sqlite3-kcat')) needs.sqlite3 = 'sqlite3';
  if (options.cases.includes('psql-kcat')) needs.psql = 'postgresql-client';
  if (options.cases.some((c) => c.endsWith('-kcat'))) await ensureDebianTools(needs);

  const sqlite = ensureSqliteSource(options.rows);
  const postgres = await ensurePostgresSource(
    process.env.PSTT_TEST_POSTGRES_URL ?? devPostgresUrl('pstt_test'),
    options.rows,
  );
  const payload = await ensurePayloadFile(sqlite, options.rows);
  console.log(`payload: ${payload.file}, average message ${(payload.valueBytes / options.rows).toFixed(1)} bytes`);
  const kafka = createKafka(base.kafka, base.baseDir);
  const bootstrap = base.kafka.bootstrap_servers.join(',');
  const profileDir = options.cpuProf ? path.join(runDir, 'profiles') : undefined;
  const ctx: Ctx = {
    rows: options.rows,
    base,
    kafka,
    bootstrap,
    sqlite,
    postgres,
    payloadFile: payload.file,
    ...payload,
    runDir,
    directEntry: '',
    ...(profileDir ? { profileDir } : {}),
  };
  const client = await connectTemporalClient(base.temporal);
  await ensureBuilt((line) => console.log(line));
  ctx.directEntry = await buildDirectEntry();
  const env: Env = { base, kafka, client, runDir, totalRows: options.rows, prefix: PREFIX, profileDir };
  const keyed = payload.valueBytes + payload.keyBytes;

  const runners: Record<PeerCase, (rep: number) => Promise<Rep>> = {
    'producer-perf': () =>
      timedShell(
        ctx,
        'pp',
        (t) => producerPerformanceCommand(bootstrap, t, options.rows, payload.file),
        payload.valueBytes,
        (out) => producerPerformanceSeconds(out, options.rows),
      ),
    'sqlite3-kcat': () => timedShell(ctx, 'sqlite3-kcat', (t) => sqliteKcat(ctx, t), keyed),
    'psql-kcat': () => timedShell(ctx, 'psql-kcat', (t) => psqlKcat(ctx, t), keyed),
    'worker-sqlite': () => workerRep(env, ctx, 'sqlite', {}),
    'worker-postgres': () => workerRep(env, ctx, 'postgres', {}),
    'worker-sqlite-eo': () => workerRep(env, ctx, 'sqlite', EXACTLY_ONCE),
    'worker-postgres-eo': () => workerRep(env, ctx, 'postgres', EXACTLY_ONCE),
    'direct-sqlite': () => directRep(ctx, 'direct-sqlite', sqlite),
    'direct-postgres': () => directRep(ctx, 'direct-postgres', postgres),
  };

  const outcomes: Outcome[] = [];
  try {
    for (const name of options.cases) {
      const outcome: Outcome = { name, reps: [] };
      outcomes.push(outcome);
      for (let rep = 1; rep <= options.reps; rep++) {
        try {
          const r = await runners[name](rep);
          outcome.reps.push(r);
          const cpu =
            r.cpuSeconds === undefined ? '' : `, ${((r.cpuSeconds * 1e6) / options.rows).toFixed(2)} CPU-µs/row`;
          console.log(`${name} rep ${rep}: ${r.seconds.toFixed(1)} s, ${fmt(options.rows / r.seconds)} rows/s${cpu}`);
        } catch (err) {
          outcome.error = describeError(err);
          console.log(`${name} rep ${rep}: FAILED: ${outcome.error}`);
          break;
        }
      }
    }
  } finally {
    await client.connection.close();
  }
  console.log(`\n${report(outcomes, options.rows)}\n`);
  console.log(`total ${((performance.now() - began) / 1000).toFixed(0)} s`);
  if (outcomes.some((o) => o.error)) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
