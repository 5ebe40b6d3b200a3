import { createHash, type Hash } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import Cursor from 'pg-cursor';
import { messagesOf } from '../core/kafka/encoded-messages';
import { prepareEncodedSends, prepareSends, type PreparedSend } from '../activities/kafka-batches';
import { compileSerializer } from '../core/compiled-serializer';
import { loadRuntimeConfig } from '../core/config';
import { deleteTopic, ensureTopic } from '../core/kafka/topics';
import type { Row } from '../core/row-serializer';
import { kafkaConfigSchema } from '../core/scheduling';
import { createSource, type QueryCursor } from '../core/sources';
import { createPostgresTypes } from '../core/sources/postgres-types';
import { devPostgresUrl } from '../devstack/postgres-server';
import { buildWorkerDeps, WORKER_SECRETS } from '../worker/worker-deps';
import { exportQuery } from './order-rows';
import { ensurePostgresSource, ensureSqliteSource, type BenchSource } from './source-data';

/**
 * µs per row of each stage of the export's row path, the old path and the new one back to back in one
 * process, on the bench's orders table: read (driver to rows), serialise (rows to keyed JSON messages,
 * prepareSends) and send (one send of `batch` messages in flight, acks=all, through the worker's
 * producer). "before" reads as the sources did until now (the drivers' row objects) and serialises
 * with rowToJson; "after" reads value arrays and serialises with the compiled plan. Both must produce
 * the same bytes (a hash of every key and value is compared).
 *
 *   npm run bench:rowpath -- --rows 1000000 --reps 2 --send-rows 200000
 */

type Path = 'before' | 'after';
interface Stages {
  read: number;
  serialise: number;
  send: number;
  rows: number;
  sentRows: number;
  hash: string;
}

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    reps: { type: 'string', default: '2' },
    batch: { type: 'string', default: '500' },
    'send-rows': { type: 'string', default: '200000' },
    sources: { type: 'string', default: 'sqlite,postgres' },
  },
});
const ROWS = Number(args.rows);
const REPS = Number(args.reps);
const BATCH = Number(args.batch);
const SEND_ROWS = Number(args['send-rows']);

/** Reads `batch` rows at a time as the sources did before value arrays: the drivers' own row objects. */
interface ObjectReader {
  read(): Promise<Row[]>;
  close(): Promise<void>;
}

function sqliteObjects(file: string, sql: string): ObjectReader {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  const rows = db.prepare(sql).safeIntegers(true).iterate() as IterableIterator<Row>;
  return {
    async read() {
      const batch: Row[] = [];
      while (batch.length < BATCH) {
        const next = rows.next();
        if (next.done) break;
        batch.push(next.value);
      }
      return batch;
    },
    async close() {
      rows.return?.();
      db.close();
    },
  };
}

async function postgresObjects(url: string, sql: string): Promise<ObjectReader> {
  const client = new Client({ connectionString: url });
  await client.connect();
  const cursor = client.query(new Cursor<Row>(sql, [], { types: createPostgresTypes() }));
  return { read: () => cursor.read(BATCH), close: async () => (await cursor.close(), await client.end()) };
}

const config = kafkaConfigSchema.parse({ topic: 'wtr-rowpath', message_key_field: 'id', batch_size: BATCH });
const LIMIT = 1_048_588;

function hashSends(hash: Hash, sends: PreparedSend[]): void {
  for (const s of sends)
    for (const m of messagesOf(s.encoded)) hash.update(`${String(m.key)}\u0000${String(m.value)}\n`);
}

async function main(): Promise<void> {
  const runtime = loadRuntimeConfig(undefined, process.env, { secrets: WORKER_SECRETS });
  const deps = await buildWorkerDeps(runtime);
  const topic = `wtr-rowpath-${Date.now().toString(36)}`;
  await ensureTopic(deps.kafka, topic, 3);
  const sendOptions = { acks: 'all' as const, compression: 'none' as const, scheduling: 'wtr-rowpath' };
  console.log(
    `row path: ${os.cpus().length} CPUs, Node ${process.version}, ${ROWS} rows, batch ${BATCH}, send stage on the first ${SEND_ROWS}`,
  );
  const kinds = args.sources.split(',');
  const sources: Array<[string, BenchSource]> = [];
  for (const kind of kinds) {
    sources.push([
      kind,
      kind === 'sqlite'
        ? ensureSqliteSource(ROWS)
        : await ensurePostgresSource(process.env.PSTT_TEST_POSTGRES_URL ?? devPostgresUrl('pstt_test'), ROWS),
    ]);
  }

  async function run(kind: string, source: BenchSource, path: Path): Promise<Stages> {
    const sql = exportQuery(source.table, ROWS, ROWS);
    const stages: Stages = { read: 0, serialise: 0, send: 0, rows: 0, sentRows: 0, hash: '' };
    const hash = createHash('sha256');
    const driver = createSource(source.url, process.cwd());
    let cursor: QueryCursor | undefined;
    let objects: ObjectReader | undefined;
    if (path === 'after') cursor = await driver.open(sql);
    else if (kind === 'sqlite') objects = sqliteObjects(source.url.replace(/^sqlite:/, ''), sql);
    else objects = await postgresObjects(source.url, sql);
    const serializer = cursor ? compileSerializer(cursor.fields, config.message_key_field) : undefined;
    try {
      for (;;) {
        const t0 = performance.now();
        const values = cursor ? await cursor.readValues(BATCH) : [];
        const rows = objects ? await objects.read() : [];
        const t1 = performance.now();
        const n = values.length + rows.length;
        if (n === 0) break;
        const sends = serializer
          ? prepareEncodedSends(values, serializer, config, LIMIT)
          : prepareSends(rows, config, LIMIT);
        const t2 = performance.now();
        stages.read += t1 - t0;
        stages.serialise += t2 - t1;
        stages.rows += n;
        if (stages.sentRows < SEND_ROWS) {
          for (const send of sends) await deps.producer.send(topic, messagesOf(send.encoded), sendOptions);
          stages.send += performance.now() - t2;
          stages.sentRows += n;
        }
        hashSends(hash, sends);
      }
    } finally {
      await cursor?.close();
      await objects?.close();
      await driver.end();
    }
    stages.hash = hash.digest('hex').slice(0, 16);
    return stages;
  }

  const us = (ms: number, rows: number) => ((ms * 1000) / rows).toFixed(2).padStart(6);
  try {
    console.log('source    path    rep  read µs/row  serialise µs/row  send µs/row  read+ser rows/s  hash');
    for (const [kind, source] of sources) {
      const hashes = new Set<string>();
      for (let rep = 1; rep <= REPS; rep++) {
        for (const path of ['before', 'after'] as const) {
          const s = await run(kind, source, path);
          hashes.add(s.hash);
          const rate = Math.round((s.rows * 1000) / (s.read + s.serialise));
          console.log(
            `${kind.padEnd(9)} ${path.padEnd(7)} ${String(rep).padStart(3)}  ${us(s.read, s.rows)}       ${us(s.serialise, s.rows)}            ${us(s.send, s.sentRows)}       ${String(rate).padStart(9)}  ${s.hash}`,
          );
        }
      }
      console.log(`${kind}: before and after produce identical keys and values: ${hashes.size === 1}`);
    }
  } finally {
    await deleteTopic(deps.kafka, topic).catch(() => undefined);
    await deps.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
