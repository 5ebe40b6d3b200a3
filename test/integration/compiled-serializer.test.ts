import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { devPostgresUrl } from '../../devstack/postgres-server';
import { compileSerializer } from '../../core/compiled-serializer';
import { messageKeyOf, rowToJson, type Row } from '../../core/row-serializer';
import { rowBuilder, type RowValues } from '../../core/row-values';
import { createSource, type SourceDriver } from '../../core/sources';
import { createPostgresTypes } from '../../core/sources/postgres-types';
import { uniqueName } from '../support/names';

/**
 * The compiled row path against today's: the same query read by the source driver as value arrays and
 * serialised by the compiled plan, and read by the database driver itself as row objects (what the
 * sources returned before) and serialised by rowToJson. Keys and values must match byte for byte, for
 * every column as the key field.
 */

const POSTGRES_URL = process.env.PSTT_TEST_POSTGRES_URL ?? devPostgresUrl('pstt_test');

async function compiledPath(driver: SourceDriver, query: string): Promise<RowValues[]> {
  const cursor = await driver.open(query);
  try {
    const rows: RowValues[] = [];
    for (let chunk = await cursor.readValues(3); chunk.length; chunk = await cursor.readValues(3)) rows.push(...chunk);
    return rows;
  } finally {
    await cursor.close();
  }
}

async function expectIdentical(driver: SourceDriver, query: string, reference: Row[]): Promise<number> {
  const cursor = await driver.open(query);
  const fields = cursor.fields;
  await cursor.close();
  const rows = await compiledPath(driver, query);
  expect(rows).toHaveLength(reference.length);
  let compared = 0;
  for (const keyField of [undefined, ...fields.map((f) => f.name)]) {
    const serializer = compileSerializer(fields, keyField);
    rows.forEach((values, i) => {
      const row = reference[i] as Row;
      const key = messageKeyOf(row, keyField);
      expect(serializer.keyOf(values)).toBe(key);
      expect(serializer.valueOf(values, key)).toBe(rowToJson(row, key));
      compared += 1;
    });
  }
  return compared;
}

describe('compiled serializer on SQLite: byte-identical to the row objects of better-sqlite3', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wtr-compiled-'));
  const file = path.join(dir, 'types.db');
  const admin = new Database(file);
  const driver = createSource(`sqlite:${file}`, dir);
  afterAll(async () => {
    await driver.end();
    admin.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /**
   * better-sqlite3's own values, integers as BigInt, as row objects. Built from its arrays: its objects
   * take a column named __proto__ for their prototype.
   */
  function reference(query: string): Row[] {
    const statement = admin.prepare(query).safeIntegers(true).raw(true);
    const toRow = rowBuilder(statement.columns().map((c) => c.name));
    return (statement.all() as unknown[][]).map(toRow);
  }

  beforeAll(() => {
    // Declared types of every affinity, each column also holding values of other types (dynamic typing).
    admin.exec(`CREATE TABLE t (
      id INTEGER PRIMARY KEY, i INTEGER, big BIGINT, r REAL, d DOUBLE, txt TEXT, vc VARCHAR(10), b BLOB,
      n NUMERIC, dec DECIMAL(12,2), flag BOOLEAN, at DATETIME, untyped)`);
    const insert = admin.prepare('INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const rows: unknown[][] = [
      [
        1,
        42n,
        9007199254740993n,
        1.5,
        -0,
        'plain',
        'v',
        Buffer.from([0, 1, 255]),
        12.5,
        '12345.67',
        1,
        '2026-03-01T12:34:56.789Z',
        'x',
      ],
      [
        2,
        null,
        -9007199254740993n,
        1e21,
        0.1,
        'q"\\\n\t\u0001\u2028é日🎉',
        '',
        Buffer.alloc(0),
        7n,
        3.25,
        0,
        '2026-01-01',
        null,
      ],
      [
        3,
        'text in INTEGER',
        2n ** 63n - 1n,
        'text in REAL',
        5n,
        12n,
        3.5,
        'text in BLOB',
        'abc',
        null,
        'yes',
        1700000000n,
        2.5,
      ],
      [
        4,
        Buffer.from('blob in INTEGER'),
        -(2n ** 63n),
        Infinity,
        -Infinity,
        Buffer.from('b'),
        null,
        99n,
        null,
        1e-7,
        null,
        0.5,
        Buffer.from([1]),
      ],
      [5, 9007199254740991n, 0n, 5e-324, 1.7976931348623157e308, '', 'lone \ud800', null, '1e400', '-0', 2n, null, ''],
    ];
    for (const row of rows) insert.run(...row);
  });

  it('serialises every declared type, and values of other types in them, as before', async () => {
    const query = 'SELECT * FROM t ORDER BY id';
    expect(await expectIdentical(driver, query, reference(query))).toBe(5 * 14);
  });

  it('serialises expressions, literals, NaN-free specials, and awkward column names as before', async () => {
    const query = `SELECT id, id AS "1", txt AS "naïve ""quoted"" 日本", 9e999 AS inf, -9e999 AS ninf, -0.0 AS negzero,
      i AS dup, r AS dup2, 'tab\tquote"' AS "10", x'00ff' AS raw, NULL AS none_here, i * 2 AS doubled,
      json_object('a', 1, 'b', 'x"y') AS json_text, CAST(big AS TEXT) AS big_text, id AS "__proto__"
      FROM t ORDER BY id`;
    expect(await expectIdentical(driver, query, reference(query))).toBeGreaterThan(5 * 10);
  });
});

describe('compiled serializer on PostgreSQL: byte-identical to the row objects of pg', () => {
  const driver = createSource(POSTGRES_URL, os.tmpdir());
  const admin = new Client({ connectionString: POSTGRES_URL });
  const table = uniqueName('wtr_types').replace(/-/g, '_');
  afterAll(async () => {
    await driver.end();
    await admin.query(`DROP TABLE IF EXISTS ${table}`);
    await admin.end();
  });

  /** What the PostgreSQL source returned until now: pg's own row objects, with the source's type parsers. */
  async function reference(query: string): Promise<Row[]> {
    return (await admin.query<Row>({ text: query, types: createPostgresTypes() })).rows;
  }

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE TABLE ${table} (
      id int PRIMARY KEY, s smallint, i int, b bigint, n numeric, n2 numeric(12,2), r real, d double precision,
      flag boolean, t text, vc varchar(20), c char(5), u uuid, day date, ts timestamp, tstz timestamptz,
      tm time, tmtz timetz, iv interval, bin bytea, j json, jb jsonb, ints int[], texts text[], tss timestamp[],
      days date[], addr inet, m money, o oid, x xml, ns numeric[], tstzs timestamptz[], js json[], jbs jsonb[])`);
    await admin.query(`INSERT INTO ${table} VALUES
      (1, 1, 2147483647, 9007199254740993, 123456789012345678901234567890.123456789, 12345.67, 1.5, 0.1,
       true, 'plain', 'v', 'ab', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '2026-03-01', '2026-03-01 12:34:56.789012',
       '2026-03-01 12:34:56.789+02', '12:34:56', '12:34:56+02', '1 day 02:00:00', '\\x0001ff',
       '{"a": [1, 2.50, "x\\"y"], "big": 123456789012345678901234567890}', '{"b": {"c": null}, "u": "日本"}',
       '{1,NULL,3}', '{"a","b\\"c",NULL}', '{"2026-03-01 00:00:00",NULL}', '{2026-03-01}', '10.0.0.1/8',
       12.34, 42, '<a>x</a>', '{1.10,NULL,123456789012345678901234567890.5}',
       '{"2026-03-01 12:34:56.123456+02",NULL}', ARRAY['{"a": 1}'::json, NULL, '[1e400, 12345678901234567890]'],
       ARRAY['{"b": 2.50}'::jsonb]),
      (2, -1, -2147483648, -9223372036854775808, 'NaN', -0.5, 'NaN', '-Infinity',
       false, E'q"\\\\\\n\\t\\u0001\\u2028é🎉', '', '     ', NULL, 'infinity', '-infinity',
       'infinity', '24:00:00', NULL, '-1 mons', '\\x', 'null', '[]',
       '{}', '{}', '{infinity}', NULL, '::1', -1, 0, NULL, '{{1,2},{3,NaN}}', '{-infinity}', '{}', '{}'),
      (3, NULL, NULL, NULL, NULL, NULL, '-0', 'Infinity', NULL, NULL, NULL, NULL, NULL, '0001-01-01 BC',
       '1970-01-01 00:00:00', '1969-12-31 23:59:59.999999+00', NULL, NULL, NULL, NULL, '"text"', '1e400',
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`);
  });

  it('serialises every column type as before', async () => {
    const query = `SELECT * FROM ${table} ORDER BY id`;
    expect(await expectIdentical(driver, query, await reference(query))).toBe(3 * 35);
  });

  it('serialises expressions and awkward column names as before', async () => {
    const query = `SELECT id, id AS "1", t AS "naïve ""quoted"" 日本", d AS dup, b AS dup2, 'tab	x' AS "10",
      NULL AS nothing, ROW(1, 'a') AS rec, 1.0::float4 / 3 AS third, now() - now() AS zero, id AS "__proto__"
      FROM ${table} ORDER BY id`;
    expect(await expectIdentical(driver, query, await reference(query))).toBeGreaterThan(3 * 8);
  });
});
