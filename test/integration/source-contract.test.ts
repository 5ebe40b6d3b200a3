import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import sql from 'mssql';
import { Client } from 'pg';
import { devPostgresUrl } from '../../devstack/postgres-server';
import {
  DuplicateColumnError,
  InvalidQueryError,
  PermanentError,
  NotAQueryError,
  QueryParameterError,
  QueryTimeoutError,
} from '../../core/errors';
import { compileSerializer } from '../../core/compiled-serializer';
import { rowToJson, toJsonValue, type Row } from '../../core/row-serializer';
import type { RowValues } from '../../core/row-values';
import { createSource, type QueryCursor, type SourceDriver } from '../../core/sources';
import { PostgresSource } from '../../core/sources/postgres-source';
import { mssqlConfigFromUrl } from '../../core/sources/mssql-config';
import { keyedQuery } from '../../core/sources/resume-query';
import { countSqlOf } from '../../core/sources/source';
import { keyOf, keyParams, ResumeKeyTracker, type KeyValue } from '../../core/resume-key';
import { uniqueName } from '../support/names';

/**
 * One contract, every source driver: SQLite (a temp file), PostgreSQL (the devstack's `pstt_test`)
 * and SQL Server when `MSSQL_URL` (and `MSSQL_PASSWORD`) point at one. Each run makes its own
 * tables and drops them.
 */

const POSTGRES_URL = process.env.PSTT_TEST_POSTGRES_URL ?? devPostgresUrl('pstt_test');
const MSSQL_URL = process.env.MSSQL_URL;
const ITEMS = 25;
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);
const AT = new Date(Date.UTC(2026, 2, 1, 12, 34, 56, 789));
const BYTES = Buffer.from([0, 1, 2, 255]);

/** PostgreSQL and SQL Server return the typed row alike: decimals and 64-bit integers as strings. */
const SERVER_TYPED_ROW = {
  id: 1,
  empty: null,
  amount: '12345.67',
  big: '9007199254740993',
  flag: true,
  at: AT.toISOString(),
  data: BYTES.toString('base64'),
};

interface Tables {
  items: string;
  typed: string;
}

/** A live database for one driver: the driver under test, and an admin connection for fixtures. */
interface Connected {
  driver: SourceDriver;
  exec(text: string): Promise<void>;
  close(): Promise<void>;
}

interface Harness {
  name: string;
  /** Why this driver's suite is skipped, if it is. */
  skipReason?: string;
  connect(): Promise<Connected>;
  /** DDL and rows of the fixture tables, in the dialect. */
  createItems(table: string): string;
  insertItem(table: string, id: number, label: string | null, createdAt: Date): string;
  createTyped(table: string): string;
  insertTyped(table: string): string;
  /** `n` rows with an `id` column 1..n, in order. */
  series(n: number): string;
  /** A query that deletes every row of `table` and returns them, in the dialect. */
  deleteAll(table: string): string;
  /** What the driver throws for it, and the words that say why. */
  writeRefused: { type: new (...args: never[]) => Error; message: RegExp };
  /** A query that runs for 5 s before answering; absent where the database has no statement timeout. */
  sleep?: string;
  /** The typed row after `toJsonValue`. */
  typedRow: Record<string, unknown>;
  /** The database's own words for `SELECT 1 FROM WHERE` and for an unknown table. */
  syntaxMessage: RegExp;
  unknownTableMessage: RegExp;
}

const quote = (s: string | null) => (s === null ? 'NULL' : `'${s.replace(/'/g, "''")}'`);
const tableName = (prefix: string) => uniqueName(prefix).replace(/-/g, '_');

const sqliteHarness: Harness = {
  name: 'sqlite',
  async connect() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pstt-sources-'));
    const file = path.join(dir, 'contract.db');
    const admin = new Database(file);
    return {
      driver: createSource(`sqlite:${file}`, dir),
      async exec(text) {
        admin.exec(text);
      },
      async close() {
        admin.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  createItems: (t) => `CREATE TABLE ${t} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, label TEXT, created_at TEXT)`,
  insertItem: (t, id, label, at) =>
    `INSERT INTO ${t} VALUES (${id}, 'item-${id}', ${quote(label)}, '${at.toISOString()}')`,
  // SQLite has no exact decimal type: exact amounts are kept as TEXT.
  createTyped: (t) =>
    `CREATE TABLE ${t} (id INTEGER, empty INTEGER, amount TEXT, big BIGINT, flag BOOLEAN, at TEXT, data BLOB)`,
  insertTyped: (t) =>
    `INSERT INTO ${t} VALUES (1, NULL, '12345.67', 9007199254740993, 1, ` +
    `'${AT.toISOString()}', X'${BYTES.toString('hex')}')`,
  series: (n) =>
    `WITH RECURSIVE s(id) AS (SELECT 1 UNION ALL SELECT id + 1 FROM s WHERE id < ${n}) SELECT id FROM s ORDER BY id`,
  typedRow: {
    id: 1,
    empty: null,
    amount: '12345.67',
    big: '9007199254740993',
    flag: 1, // SQLite stores booleans as 0/1
    at: AT.toISOString(),
    data: BYTES.toString('base64'),
  },
  deleteAll: (t) => `DELETE FROM ${t} RETURNING id`,
  writeRefused: { type: InvalidQueryError, message: /the statement writes: a source query may only read/ },
  syntaxMessage: /near "WHERE": syntax error/,
  unknownTableMessage: /no such table: no_such_table/,
};

const postgresHarness: Harness = {
  name: 'postgres',
  async connect() {
    const admin = new Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    return {
      driver: createSource(POSTGRES_URL, os.tmpdir()),
      async exec(text) {
        await admin.query(text);
      },
      close: () => admin.end(),
    };
  },
  createItems: (t) => `CREATE TABLE ${t} (id int PRIMARY KEY, name text NOT NULL, label text, created_at timestamp)`,
  insertItem: (t, id, label, at) =>
    `INSERT INTO ${t} VALUES (${id}, 'item-${id}', ${quote(label)}, '${at.toISOString().replace('Z', '')}')`,
  createTyped: (t) =>
    `CREATE TABLE ${t} (id int, empty int, amount numeric(12,2), big bigint, flag boolean, at timestamp, data bytea)`,
  insertTyped: (t) =>
    `INSERT INTO ${t} VALUES (1, NULL, 12345.67, 9007199254740993, true, ` +
    `'${AT.toISOString().replace('Z', '')}', '\\x${BYTES.toString('hex')}')`,
  series: (n) => `SELECT g AS id FROM generate_series(1, ${n}) AS g ORDER BY g`,
  deleteAll: (t) => `WITH d AS (DELETE FROM ${t} RETURNING id) SELECT id FROM d`,
  writeRefused: {
    type: InvalidQueryError,
    message: /cannot execute SELECT in a read-only transaction: source queries run read-only.*\(25006\)/,
  },
  sleep: 'SELECT pg_sleep(5) AS slept',
  // PostgreSQL timestamps keep their microseconds: six fractional digits.
  typedRow: { ...SERVER_TYPED_ROW, at: AT.toISOString().replace('Z', '000Z') },
  syntaxMessage: /syntax error at or near "WHERE"/,
  unknownTableMessage: /relation "no_such_table" does not exist/,
};

const mssqlHarness: Harness = {
  name: 'mssql',
  skipReason: MSSQL_URL
    ? undefined
    : 'MSSQL_URL is not set (e.g. mssql://sa@127.0.0.1:1433/master?trustServerCertificate=true, ' +
      'password in MSSQL_PASSWORD)',
  async connect() {
    const url = MSSQL_URL as string;
    const password = process.env.MSSQL_PASSWORD;
    const admin = new sql.ConnectionPool(mssqlConfigFromUrl(url, password));
    await admin.connect();
    return {
      driver: createSource(url, os.tmpdir(), password),
      async exec(text) {
        await admin.request().batch(text);
      },
      close: () => admin.close(),
    };
  },
  createItems: (t) =>
    `CREATE TABLE ${t} (id int PRIMARY KEY, name nvarchar(50) NOT NULL, label nvarchar(10), created_at datetime2)`,
  insertItem: (t, id, label, at) =>
    `INSERT INTO ${t} VALUES (${id}, 'item-${id}', ${quote(label)}, '${at.toISOString().replace('Z', '')}')`,
  createTyped: (t) =>
    `CREATE TABLE ${t} (id int, empty int, amount decimal(12,2), big bigint, flag bit, at datetime2(3), ` +
    'data varbinary(max))',
  insertTyped: (t) =>
    `INSERT INTO ${t} VALUES (1, NULL, 12345.67, 9007199254740993, 1, ` +
    `'${AT.toISOString().replace('Z', '')}', 0x${BYTES.toString('hex')})`,
  series: (n) =>
    `SELECT TOP (${n}) ROW_NUMBER() OVER (ORDER BY (SELECT NULL)) AS id ` +
    'FROM sys.all_objects a CROSS JOIN sys.all_objects b ORDER BY id',
  deleteAll: (t) => `DELETE FROM ${t} OUTPUT DELETED.id`,
  writeRefused: { type: NotAQueryError, message: /^query must be one query, but uses DELETE at character 1/ },
  // One statement (a batch would be refused): a cross join that counts for far longer than 5 s.
  sleep:
    'SELECT COUNT_BIG(*) AS slept FROM sys.all_objects a CROSS JOIN sys.all_objects b CROSS JOIN sys.all_objects c',
  typedRow: SERVER_TYPED_ROW,
  syntaxMessage: /Incorrect syntax near the keyword 'WHERE'/,
  unknownTableMessage: /Invalid object name 'no_such_table'/,
};

const harnesses = [sqliteHarness, postgresHarness, mssqlHarness];

/** Reads a cursor to its end in chunks of `chunk`, checking that no chunk is larger. */
async function readAll(cursor: QueryCursor, chunk: number): Promise<Row[][]> {
  const chunks: Row[][] = [];
  for (;;) {
    const rows = await cursor.read(chunk);
    if (rows.length === 0) return chunks;
    expect(rows.length).toBeLessThanOrEqual(chunk);
    chunks.push(rows);
  }
}

async function readValuesAll(cursor: QueryCursor): Promise<RowValues[]> {
  const rows: RowValues[] = [];
  for (let chunk = await cursor.readValues(10); chunk.length; chunk = await cursor.readValues(10)) rows.push(...chunk);
  return rows;
}

const ids = (rows: Row[]) => rows.map((r) => Number(toJsonValue(r.id)));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

function contract(h: Harness): void {
  const tables: Tables = { items: tableName('items'), typed: tableName('typed') };
  let db: Connected;
  let driver: SourceDriver;

  beforeAll(async () => {
    db = await h.connect();
    driver = db.driver;
    await db.exec(h.createItems(tables.items));
    for (let id = 1; id <= ITEMS; id++) {
      await db.exec(h.insertItem(tables.items, id, id % 2 ? 'odd' : 'even', new Date(T0 + id * HOUR)));
    }
    await db.exec(h.createTyped(tables.typed));
    await db.exec(h.insertTyped(tables.typed));
  });

  afterAll(async () => {
    await driver?.end();
    if (db) {
      await db.exec(`DROP TABLE IF EXISTS ${tables.items}`);
      await db.exec(`DROP TABLE IF EXISTS ${tables.typed}`);
      await db.close();
    }
  });

  /** Opens, reads everything in one chunk, closes. */
  async function query(text: string, params?: Parameters<SourceDriver['open']>[1]): Promise<Row[]> {
    const cursor = await driver.open(text, params);
    try {
      return (await readAll(cursor, 10_000)).flat();
    } finally {
      await cursor.close();
    }
  }

  it('reports the columns in query order', async () => {
    const cursor = await driver.open(`SELECT name, id, created_at AS "when" FROM ${tables.items} ORDER BY id`);
    try {
      expect(cursor.columns).toEqual(['name', 'id', 'when']);
      const [first] = await cursor.read(1);
      expect(Object.keys(first as Row)).toEqual(['name', 'id', 'when']);
    } finally {
      await cursor.close();
    }
  });

  it('resumes strictly after a key tuple of its own values (text, timestamp, integer), through a checkpoint', async () => {
    const columns = ['label', 'created_at', 'id'];
    const text = `SELECT id, label, created_at FROM ${tables.items} WHERE id <= :max`;
    const all = keyedQuery(text, driver.dialect, columns, null);
    const first = await query(all.sql, { params: { max: 20 } });
    // 'even' sorts before 'odd' in every collation; created_at grows with id.
    const expected = [...range(1, 20).filter((id) => id % 2 === 0), ...range(1, 20).filter((id) => id % 2 === 1)];
    expect(ids(first)).toEqual(expected);
    const tracker = new ResumeKeyTracker(columns, 'contract');
    for (const row of first) tracker.check(row);
    const checkpoint = JSON.parse(JSON.stringify(keyOf(first[7] as Row, columns, 'contract'))) as KeyValue[];
    const after = keyedQuery(text, driver.dialect, columns, keyParams(checkpoint));
    const rest = await query(after.sql, { params: { max: 20, ...after.params } });
    expect(ids(rest)).toEqual(expected.slice(8));
  });

  it('returns every row exactly once, in ORDER BY order, read in chunks', async () => {
    const cursor = await driver.open(`SELECT id, name FROM ${tables.items} ORDER BY id DESC`);
    try {
      const chunks = await readAll(cursor, 7);
      expect(chunks.map((c) => c.length)).toEqual([7, 7, 7, 4]);
      expect(ids(chunks.flat())).toEqual(range(1, ITEMS).reverse());
      expect(chunks[0]?.[0]?.name).toBe(`item-${ITEMS}`);
      expect(await cursor.read(7)).toEqual([]);
    } finally {
      await cursor.close();
    }
  });

  it("counts the query with countSql, its parameters bound, in the read's snapshot where the dialect has one", async () => {
    const text = `SELECT id FROM ${tables.items} WHERE id <= :max`;
    const cursor = await driver.open(text, { params: { max: 20 }, countSql: countSqlOf(text) });
    try {
      expect((await readAll(cursor, 7)).flat()).toHaveLength(20);
      // SQL Server counts apart from the stream: before the first row and again after the last.
      const separate = driver.dialect === 'mssql';
      expect(await cursor.counted?.()).toEqual({
        count: 20,
        countAfter: separate ? 20 : null,
        sameSnapshot: !separate,
      });
    } finally {
      await cursor.close();
    }
    const plain = await driver.open(text, { params: { max: 20 } });
    try {
      expect((await plain.counted?.()) ?? null).toBeNull();
    } finally {
      await plain.close();
    }
  });

  it('opens an empty result set with its columns', async () => {
    const cursor = await driver.open(`SELECT id, label FROM ${tables.items} WHERE id < 0 ORDER BY id`);
    try {
      expect(cursor.columns).toEqual(['id', 'label']);
      expect(await cursor.read(10)).toEqual([]);
    } finally {
      await cursor.close();
    }
  });

  it('binds named parameters: a date, a null, a repeated name, and skips literals', async () => {
    const text =
      `SELECT id, ':not_a_param' AS literal FROM ${tables.items} ` +
      // PostgreSQL types a parameter at its first use: `:label IS NULL` first would leave it untyped.
      'WHERE created_at >= :since AND (label = :label OR :label IS NULL) AND id <= :max ORDER BY id';
    const since = new Date(T0 + 20 * HOUR);
    // The SQLite table holds ISO-8601 text: its times bind in that form.
    const all = await query(text, { params: { since, label: null, max: 24, unused: 'x' }, timeFormat: 'iso' });
    expect(ids(all)).toEqual(range(20, 24));
    expect(all[0]?.literal).toBe(':not_a_param');
    const odd = await query(text, { params: { since, label: 'odd', max: 100 }, timeFormat: 'iso' });
    expect(ids(odd)).toEqual([21, 23, 25]);
  });

  it('rejects a parameter without a value, naming it and the defined ones', async () => {
    const open = driver.open(`SELECT id FROM ${tables.items} WHERE id = :wanted`, { params: { other: 1 } });
    await expect(open).rejects.toThrow(QueryParameterError);
    await expect(open).rejects.toThrow('query parameter :wanted has no value; defined parameters: :other');
  });

  it('turns invalid SQL into a non-retryable InvalidQueryError with the database message', async () => {
    const syntax = await driver.open('SELECT 1 FROM WHERE').catch((err: unknown) => err);
    expect(syntax).toBeInstanceOf(InvalidQueryError);
    expect((syntax as Error).message).toMatch(h.syntaxMessage);
    expect(syntax).toBeInstanceOf(PermanentError);
    const unknown = await driver.open('SELECT * FROM no_such_table').catch((err: unknown) => err);
    expect(unknown).toBeInstanceOf(InvalidQueryError);
    expect((unknown as Error).message).toMatch(h.unknownTableMessage);
    // The driver is still usable afterwards.
    expect(ids(await query(`SELECT id FROM ${tables.items} WHERE id = 1`))).toEqual([1]);
  });

  (h.sleep ? it : it.skip)('cancels a query that runs past its statement timeout', async () => {
    const timedOut = await driver.open(h.sleep as string, { timeoutMs: 300 }).catch((err: unknown) => err);
    expect(timedOut).toBeInstanceOf(QueryTimeoutError);
    // Retryable: a busy database may answer in time on the next attempt.
    expect(timedOut).not.toBeInstanceOf(PermanentError);
    // The timeout belonged to that query only.
    expect(ids(await query(`SELECT id FROM ${tables.items} WHERE id = 2`, { timeoutMs: 60_000 }))).toEqual([2]);
  });

  it('reads NULL, exact decimals, 64-bit integers, booleans, timestamps and binary per the value policy', async () => {
    const [row] = await query(`SELECT id, empty, amount, big, flag, at, data FROM ${tables.typed}`);
    const json = Object.fromEntries(Object.entries(row as Row).map(([k, v]) => [k, toJsonValue(v)]));
    expect(json).toEqual(h.typedRow);
  });

  it('serialises the typed row and the items byte-identically through the compiled plan', async () => {
    for (const text of [
      `SELECT id, empty, amount, big, flag, at, data FROM ${tables.typed}`,
      `SELECT * FROM ${tables.items} ORDER BY id`,
    ]) {
      const objects = await query(text);
      const cursor = await driver.open(text);
      try {
        const serializer = compileSerializer(cursor.fields, 'id');
        const values = (await readValuesAll(cursor)).map((v) => serializer.valueOf(v, serializer.keyOf(v)));
        expect(values).toEqual(objects.map((row) => rowToJson(row)));
        expect(values.length).toBeGreaterThan(0);
      } finally {
        await cursor.close();
      }
    }
  });

  it('refuses a query that writes, non-retryably, and the table keeps every row', async () => {
    const refused = await driver.open(h.deleteAll(tables.items)).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(h.writeRefused.type);
    expect((refused as Error).message).toMatch(h.writeRefused.message);
    expect(refused).toBeInstanceOf(PermanentError);
    expect(ids(await query(`SELECT id FROM ${tables.items} ORDER BY id`))).toEqual(range(1, ITEMS));
  });

  it('refuses repeated column names at open, listing each, and gives its connection back', async () => {
    // More attempts than the pool has connections: a leaked connection would hang here.
    for (let i = 0; i < 6; i++) {
      const refused = await driver
        .open(`SELECT id, name AS id, label, name, created_at AS label FROM ${tables.items}`)
        .catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(DuplicateColumnError);
      expect((refused as DuplicateColumnError).duplicates).toEqual(['id', 'label']);
      expect((refused as Error).message).toBe(
        'the query returns more than one column named "id", "label": give each column its own name (AS ...)',
      );
      expect(refused).toBeInstanceOf(PermanentError);
    }
    expect(ids(await query(`SELECT id FROM ${tables.items} WHERE id = 3`))).toEqual([3]);
  }, 60_000);

  it('keeps a column named __proto__ as a column, in the row object and the message', async () => {
    const text = `SELECT id, name AS "__proto__" FROM ${tables.items} WHERE id = 4`;
    const [row] = await query(text);
    expect(Object.keys(row as Row)).toEqual(['id', '__proto__']);
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect(rowToJson(row as Row)).toBe('{"id":4,"__proto__":"item-4"}');
    const cursor = await driver.open(text);
    try {
      const serializer = compileSerializer(cursor.fields, '__proto__');
      const [values] = await cursor.readValues(1);
      expect(serializer.keyOf(values as RowValues)).toBe('item-4');
      expect(serializer.valueOf(values as RowValues, null)).toBe('{"id":4,"__proto__":"item-4"}');
    } finally {
      await cursor.close();
    }
  });

  it('closes safely twice, mid-stream, and gives its connection back each time', async () => {
    // More cursors than the pool has connections: a leaked connection would hang here.
    for (let i = 0; i < 6; i++) {
      const cursor = await driver.open(h.series(5_000));
      expect(ids(await cursor.read(3))).toEqual([1, 2, 3]);
      await cursor.close();
      await cursor.close();
      expect(await cursor.read(3)).toEqual([]);
    }
  }, 60_000);

  it('streams a 50,000-row result in chunks of 1,000', async () => {
    const cursor = await driver.open(h.series(50_000));
    try {
      let expected = 1;
      let chunks = 0;
      for (;;) {
        const rows = await cursor.read(1_000);
        if (rows.length === 0) break;
        expect(rows.length).toBeLessThanOrEqual(1_000);
        chunks += 1;
        for (const id of ids(rows)) {
          if (id !== expected) throw new Error(`row ${expected}: got id ${id}`);
          expected += 1;
        }
      }
      expect(expected - 1).toBe(50_000);
      expect(chunks).toBe(50);
    } finally {
      await cursor.close();
    }
  });
}

const enabled = harnesses.filter((h) => !h.skipReason);
const skipped = harnesses.filter((h) => h.skipReason);
describe.each(enabled)('$name source contract', contract);
if (skipped.length) {
  console.log(skipped.map((h) => `source contract: ${h.name} skipped: ${h.skipReason}`).join('\n'));
  describe.skip.each(skipped)('$name source contract', contract);
}

describe('postgres source: failures', () => {
  const driver = createSource(POSTGRES_URL, os.tmpdir());
  afterAll(() => driver.end());

  it('keeps a refused connection a plain, retryable error', async () => {
    const unreachable = createSource('postgres://pstt@127.0.0.1:1/pstt_test', os.tmpdir());
    try {
      const err = await unreachable.open('SELECT 1').catch((e: unknown) => e);
      expect((err as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
      expect(err).not.toBeInstanceOf(InvalidQueryError);
      expect(err).not.toBeInstanceOf(PermanentError);
    } finally {
      await unreachable.end();
    }
  });

  it('releases the connection of a cursor that failed mid-stream', async () => {
    for (let i = 0; i < 6; i++) {
      const cursor = await driver.open('SELECT 1 / (g - 3) AS x FROM generate_series(1, 5) AS g');
      await expect(cursor.read(1)).resolves.toHaveLength(1);
      await expect(cursor.read(5)).rejects.toThrow('division by zero');
      await cursor.close();
      await cursor.close();
    }
    const cursor = await driver.open('SELECT 1 AS one');
    expect(await cursor.read(5)).toEqual([{ one: 1 }]);
    await cursor.close();
  }, 60_000);

  it('reads timestamp without time zone and date as UTC in a worker far from UTC', async () => {
    // TZ only takes effect for a whole process (jest's process.env is a copy): run the driver in a child.
    const script = `
      const { createSource } = require('./core/sources');
      (async () => {
        const driver = createSource(process.env.PG_URL, '.');
        const cursor = await driver.open("SELECT '2026-03-01 12:34:56.789'::timestamp AS at, '2026-03-01'::date AS day");
        const [row] = await cursor.read(1);
        await cursor.close();
        await driver.end();
        console.log(JSON.stringify({ at: row.at, day: row.day, localMidnight: new Date(2026, 2, 1) }));
      })();`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: path.resolve(__dirname, '../..'),
      env: { ...process.env, TZ: 'America/New_York', PG_URL: POSTGRES_URL },
    });
    expect(JSON.parse(stdout)).toEqual({
      at: '2026-03-01T12:34:56.789000Z',
      day: '2026-03-01T00:00:00.000Z',
      localMidnight: '2026-03-01T05:00:00.000Z',
    });
  });

  it("does not pass one query's statement timeout on to the next user of its connection", async () => {
    const quick = await driver.open('SELECT 1 AS one', { timeoutMs: 300 });
    await quick.close();
    const slow = await driver.open('SELECT pg_sleep(0.6) AS slept');
    try {
      expect(await slow.read(5)).toEqual([{ slept: '' }]);
    } finally {
      await slow.close();
    }
  });

  it('ends even with a cursor left open', async () => {
    const other = createSource(POSTGRES_URL, os.tmpdir());
    const forgotten = await other.open('SELECT g FROM generate_series(1, 10) AS g');
    expect(await forgotten.read(2)).toHaveLength(2);
    await other.end();
    expect(await forgotten.read(2)).toEqual([]);
  });

  it('casts with :: next to named parameters', async () => {
    const cursor = await driver.open("SELECT :day::date AS day, '1'::int + :n::int AS n", {
      params: { day: '2026-03-01', n: 2 },
    });
    expect((await cursor.read(5)).map((r) => ({ day: toJsonValue(r.day), n: r.n }))).toEqual([
      { day: '2026-03-01T00:00:00.000Z', n: 3 },
    ]);
    await cursor.close();
  });
});

describe('postgres source: one READ ONLY transaction per query, ended on every path', () => {
  const driver = createSource(POSTGRES_URL, os.tmpdir());
  const admin = new Client({ connectionString: POSTGRES_URL });
  beforeAll(() => admin.connect());
  afterAll(async () => {
    await driver.end();
    await admin.end();
  });

  /** The backend's state as the server sees it; null once the connection is gone. */
  async function backend(pid: number): Promise<{ state: string; in_transaction: boolean } | null> {
    const { rows } = await admin.query<{ state: string; in_transaction: boolean }>(
      'SELECT state, xact_start IS NOT NULL AS in_transaction FROM pg_stat_activity WHERE pid = $1',
      [pid],
    );
    return rows[0] ?? null;
  }

  const QUERY =
    "SELECT pg_backend_pid() AS pid, current_setting('transaction_read_only') AS ro, g FROM generate_series(1, 1000) AS g";

  it('reads inside a read-only transaction that lasts as long as the cursor, and rolls it back at close', async () => {
    const cursor = await driver.open(QUERY);
    const [first] = await cursor.read(1);
    const pid = first?.pid as number;
    expect(first?.ro).toBe('on');
    // A suspended portal shows as 'active' or 'idle in transaction': either way inside the transaction.
    expect(await backend(pid)).toEqual(expect.objectContaining({ in_transaction: true }));
    expect(await cursor.read(10)).toHaveLength(10);
    await cursor.close();
    // Back in the pool with no transaction open: the next user starts clean.
    expect(await backend(pid)).toEqual({ state: 'idle', in_transaction: false });
  });

  it('with a count, reads in one REPEATABLE READ READ ONLY transaction, the count first', async () => {
    const text =
      "SELECT current_setting('transaction_isolation') AS iso, current_setting('transaction_read_only') AS ro, g FROM generate_series(1, 3) AS g";
    const cursor = await driver.open(text, { countSql: countSqlOf(text) });
    try {
      expect(await cursor.read(10)).toEqual([1, 2, 3].map((g) => ({ iso: 'repeatable read', ro: 'on', g })));
      expect(await cursor.counted?.()).toEqual({ count: 3, countAfter: null, sameSnapshot: true });
    } finally {
      await cursor.close();
    }
    // Without one, the isolation stays the server's default.
    const [plain] = await (async () => {
      const c = await driver.open(text);
      try {
        return await c.read(1);
      } finally {
        await c.close();
      }
    })();
    expect(plain?.iso).toBe('read committed');
  });

  it('ends the transaction of a cursor read to its end', async () => {
    const cursor = await driver.open(QUERY.replace('1000', '3'));
    const rows = (await readAll(cursor, 2)).flat();
    expect(rows).toHaveLength(3);
    await cursor.close();
    expect(await backend(rows[0]?.pid as number)).toEqual({ state: 'idle', in_transaction: false });
  });

  it('leaves no transaction behind when the query fails mid-stream or is refused at open', async () => {
    // One connection, so that every query below runs on the connection the one before used, if kept.
    const single = new PostgresSource(POSTGRES_URL, { maxConnections: 1 });
    try {
      const pidOf = async (): Promise<number> => {
        const cursor = await single.open('SELECT pg_backend_pid() AS pid');
        const [row] = await cursor.read(1);
        await cursor.close();
        return row?.pid as number;
      };
      let pid = await pidOf();
      await expect(single.open('SELECT 1 AS a, 2 AS a')).rejects.toThrow(DuplicateColumnError);
      // The connection that failed is dropped, which ends its transaction; a kept one would be idle.
      let after = await backend(pid);
      expect(after === null || !after.in_transaction).toBe(true);

      pid = await pidOf();
      const failing = await single.open('SELECT 1 / (g - 3) AS x FROM generate_series(1, 5) AS g');
      await failing.read(1);
      await expect(failing.read(5)).rejects.toThrow('division by zero');
      await failing.close();
      after = await backend(pid);
      expect(after === null || !after.in_transaction).toBe(true);
      // Still usable: the single connection came back (or was replaced).
      expect(await pidOf()).toEqual(expect.any(Number));
    } finally {
      await single.end();
    }
  });
});

describe('postgres source: values kept whole, per the value policy', () => {
  const driver = createSource(POSTGRES_URL, os.tmpdir());
  const admin = new Client({ connectionString: POSTGRES_URL });
  const table = tableName('src_micros');
  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE TABLE ${table} (id int, at timestamp NOT NULL)`);
    await admin.query(
      `INSERT INTO ${table} VALUES (1, '2026-01-01 00:00:00.000001'), (2, '2026-01-01 00:00:00.000002'), ` +
        "(3, '2026-01-01 00:00:00.000999'), (4, '2026-01-01 00:00:00.001')",
    );
  });
  afterAll(async () => {
    await driver.end();
    await admin.query(`DROP TABLE IF EXISTS ${table}`);
    await admin.end();
  });

  /** The message text of the query's one row, through the generic policy and the compiled plan (which must agree). */
  async function message(text: string): Promise<string> {
    const cursor = await driver.open(text);
    try {
      const serializer = compileSerializer(cursor.fields, undefined);
      const [values] = await cursor.readValues(1);
      const compiled = serializer.valueOf(values as RowValues, null);
      expect(compiled).toBe(rowToJson(serializer.rowOf(values as RowValues)));
      return compiled;
    } finally {
      await cursor.close();
    }
  }

  it('reads numeric arrays as arrays of exact text', async () => {
    expect(
      await message(
        "SELECT '{1.10,NULL,123456789012345678901234567890.5}'::numeric[] AS ns, '{{1,2},{3,NaN}}'::numeric[] AS grid, " +
          "'{9223372036854775807}'::int8[] AS bigs",
      ),
    ).toBe(
      '{"ns":["1.10",null,"123456789012345678901234567890.5"],"grid":[["1","2"],["3","NaN"]],"bigs":["9223372036854775807"]}',
    );
  });

  it('keeps every digit of the numbers inside json and jsonb, and their arrays', async () => {
    const json =
      '{"n": 12345678901234567890, "f": 0.10000000000000000001, "e": 1e400, "s": "\\u00e9 \\"q\\"", "a": [1.0, -0]}';
    expect(
      await message(
        `SELECT '${json}'::json AS j, '${json}'::jsonb AS jb, ARRAY['{"x": 9007199254740993}'::json, NULL] AS js, ` +
          `'[]'::jsonb AS empty, 'null'::json AS jnull`,
      ),
    ).toBe(
      '{"j":{"n":12345678901234567890,"f":0.10000000000000000001,"e":1e400,"s":"é \\"q\\"","a":[1.0,-0]},' +
        // jsonb stores numbers as numeric (1e400 written out, -0 as 0) and orders keys by length.
        `"jb":{"a":[1.0,0],"e":1${'0'.repeat(400)},"f":0.10000000000000000001,"n":12345678901234567890,"s":"é \\"q\\""},` +
        '"js":[{"x":9007199254740993},null],"empty":[],"jnull":null}',
    );
  });

  it('keeps the microseconds of timestamp and timestamptz, in arrays too and before 1970', async () => {
    expect(
      await message(
        "SELECT '2026-03-01 12:34:56.789012'::timestamp AS ts, '2026-03-01 12:34:56.000001+05:30'::timestamptz AS tstz, " +
          "'1969-12-31 23:59:59.999999'::timestamp AS before, '{\"2026-03-01 00:00:00.5\",NULL}'::timestamptz[] AS list, " +
          "'2026-03-01'::date AS day, 'infinity'::timestamp AS inf",
      ),
    ).toBe(
      '{"ts":"2026-03-01T12:34:56.789012Z","tstz":"2026-03-01T07:04:56.000001Z","before":"1969-12-31T23:59:59.999999Z",' +
        '"list":["2026-03-01T00:00:00.500000Z",null],"day":"2026-03-01T00:00:00.000Z","inf":"infinity"}',
    );
  });

  it('resumes strictly after a timestamp key that differs from the next only in microseconds', async () => {
    const text = `SELECT id, at FROM ${table}`;
    const all = keyedQuery(text, 'postgres', ['at'], null);
    const cursor = await driver.open(all.sql);
    const rows = (await readAll(cursor, 10)).flat();
    await cursor.close();
    expect(ids(rows)).toEqual([1, 2, 3, 4]);
    const checkpoint = JSON.parse(JSON.stringify(keyOf(rows[0] as Row, ['at'], 'contract'))) as KeyValue[];
    expect(checkpoint).toEqual([{ date: '2026-01-01T00:00:00.000001Z' }]);
    const after = keyedQuery(text, 'postgres', ['at'], keyParams(checkpoint));
    const rest = await driver.open(after.sql, { params: after.params });
    const restRows = (await readAll(rest, 10)).flat();
    await rest.close();
    expect(ids(restRows)).toEqual([2, 3, 4]);
    // The resumed attempt's tracker accepts its first row: strictly after the checkpoint.
    const tracker = new ResumeKeyTracker(['at'], 'contract', checkpoint);
    for (const row of restRows) tracker.check(row);
  });
});
