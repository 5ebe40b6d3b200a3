import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { dataDir } from '../core/paths';
import { rowToJson } from '../core/row-serializer';
import { createSource } from '../core/sources';
import { COLUMNS, SQLITE_DDL, postgresStatements, sqliteRow } from './order-rows';

/** One prepared source: where the worker reads it, and the table its queries name. */
export interface BenchSource {
  url: string;
  table: string;
  /** True when this call generated the data (false: reused). */
  created: boolean;
  seconds: number;
}

/** `data/bench/orders-<rows>.db`, written to a staging file and renamed: never a half-filled database. */
export function ensureSqliteSource(rows: number): BenchSource {
  const file = path.join(dataDir(), 'bench', `orders-${rows}.db`);
  const source = { url: `sqlite:${file}`, table: 'bench_orders', created: false, seconds: 0 };
  if (fs.existsSync(file)) return source;
  const started = performance.now();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const staging = `${file}.partial`;
  fs.rmSync(staging, { force: true });
  const db = new Database(staging);
  try {
    // A throwaway file: durability during the load buys nothing.
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.exec(SQLITE_DDL);
    const insert = db.prepare(`INSERT INTO bench_orders VALUES (${COLUMNS.map(() => '?').join(', ')})`);
    db.transaction(() => {
      for (let i = 1; i <= rows; i++) insert.run(sqliteRow(i));
    })();
  } finally {
    db.close();
  }
  fs.renameSync(staging, file);
  return { ...source, created: true, seconds: (performance.now() - started) / 1000 };
}

/** Table `bench_orders_<rows>`, created and filled in one transaction: it exists whole or not at all. */
export async function ensurePostgresSource(url: string, rows: number): Promise<BenchSource> {
  const table = `bench_orders_${rows}`;
  const source = { url, table, created: false, seconds: 0 };
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows: found } = await client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [table]);
    if (found[0]?.t) return source;
    const started = performance.now();
    await client.query('BEGIN');
    try {
      for (const sql of postgresStatements(table, rows)) await client.query(sql);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK');
      throw err;
    }
    await client.query(`ANALYZE ${table}`);
    return { ...source, created: true, seconds: (performance.now() - started) / 1000 };
  } finally {
    await client.end();
  }
}

export interface MessageSample {
  rows: number;
  avgValueBytes: number;
  /** The sample's JSON texts joined, to check that two sources yield the same messages. */
  text: string;
}

/**
 * Reads every `step`-th row through the worker's own source driver and serialises it as the export
 * does (rowToJson): the average message size the benchmark really sends.
 */
export async function sampleMessages(source: BenchSource, step = 1000): Promise<MessageSample> {
  const driver = createSource(source.url, process.cwd());
  try {
    const cursor = await driver.open(
      `SELECT ${COLUMNS.join(', ')} FROM ${source.table} WHERE id % ${step} = 0 ORDER BY id`,
    );
    const texts: string[] = [];
    try {
      for (let rows = await cursor.read(1000); rows.length; rows = await cursor.read(1000)) {
        for (const row of rows) texts.push(rowToJson(row));
      }
    } finally {
      await cursor.close();
    }
    const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
    return { rows: texts.length, avgValueBytes: texts.length ? bytes / texts.length : 0, text: texts.join('\n') };
  } finally {
    await driver.end();
  }
}
