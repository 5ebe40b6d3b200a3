import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { openExportRows, type ExportRows, type ExportSend } from '../../activities/export-rows';
import { openThreadedRows } from '../../activities/threaded-rows';
import { parseConfig } from '../../core/config';
import { MissingKeyFieldError, MissingPasswordError, ResumeKeyError } from '../../core/errors';
import type { ExportActivityInput, ExportProgress } from '../../core/job';
import type { KafkaScheduling, SchedulingInput } from '../../core/scheduling';
import { SourceRegistry } from '../../core/sources';
import { devPostgresUrl } from '../../devstack/postgres-server';
import { uniqueName } from '../support/names';
import { makeKafkaScheduling } from '../support/scheduling';

/**
 * The export's read side in a worker thread (threaded-rows.ts) against the same on the activity's
 * thread (export-rows.ts): for the same query, checkpoint and settings, the same sends byte for byte
 * (keys, values, headers, row counts, checkpoint marks), the same start, and the same errors, of the
 * same classes (which decide whether Temporal retries).
 */

const POSTGRES_URL = process.env.PSTT_TEST_POSTGRES_URL ?? devPostgresUrl('pstt_test');
const LIMIT = 1_048_588;
const ROWS = 2_345;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wtr-rowthread-'));
const sqliteFile = path.join(dir, 'rows.db');
const pgTable = uniqueName('wtr_rowthread').replace(/-/g, '_');
const config = parseConfig(
  {
    sources: {
      lite: { url: `sqlite:${sqliteFile}` },
      pg: { url: POSTGRES_URL },
      locked: { url: 'postgres://nobody@127.0.0.1:1/none', password_env: 'WTR_ROWTHREAD_UNSET_PASSWORD' },
    },
  },
  dir,
  {},
);

function inputOf(
  source: string,
  query: string,
  kafka: Partial<NonNullable<SchedulingInput['kafka_config']>> = {},
): ExportActivityInput<KafkaScheduling> {
  const scheduling = makeKafkaScheduling({
    name: 'wtr-rowthread',
    schedule: { every: '1h' },
    source,
    query,
    export_format: 'kafka',
    kafka_config: { topic: 'wtr-rowthread', batch_size: 100, ...kafka },
  });
  return { scheduling, scheduledTime: '2026-12-02T00:00:00.000Z', lastSuccessTime: null };
}

type Opened = {
  start: Pick<ExportRows, 'progress' | 'startedOverBecause' | 'byKey'>;
  sends: ExportSend[];
  tally: ExportRows['tally'];
};

/** Every send of an attempt. */
async function drain(rows: ExportRows): Promise<Opened> {
  const sends: ExportSend[] = [];
  try {
    for (let s = await rows.next(); s; s = await rows.next()) {
      // The thread's buffer may be larger than its messages: compare what the messages hold.
      sends.push({ ...s, encoded: { ...s.encoded, data: Buffer.from(s.encoded.data) } });
    }
  } finally {
    await rows.close();
  }
  return {
    start: { progress: rows.progress, startedOverBecause: rows.startedOverBecause, byKey: rows.byKey },
    sends,
    tally: rows.tally,
  };
}

async function both(
  input: ExportActivityInput<KafkaScheduling>,
  resumed?: ExportProgress,
  limit = LIMIT,
): Promise<[Opened, Opened]> {
  const sources = new SourceRegistry(config, {});
  try {
    const here = await drain(await openExportRows({ config, sources }, input, resumed, limit));
    const there = await drain(await openThreadedRows({ config, sources }, input, resumed, limit));
    return [here, there];
  } finally {
    await sources.end();
  }
}

async function errorsOfBoth(
  input: ExportActivityInput<KafkaScheduling>,
  resumed?: ExportProgress,
): Promise<[unknown, unknown]> {
  const sources = new SourceRegistry(config, {});
  const errorOf = async (open: typeof openExportRows) => {
    try {
      await drain(await open({ config, sources }, input, resumed, LIMIT));
    } catch (err) {
      return err;
    }
    throw new Error('expected the export to fail');
  };
  try {
    return [await errorOf(openExportRows), await errorOf(openThreadedRows)];
  } finally {
    await sources.end();
  }
}

const pg = new Client({ connectionString: POSTGRES_URL });

beforeAll(async () => {
  const db = new Database(sqliteFile);
  db.exec('CREATE TABLE orders (id INTEGER PRIMARY KEY, status TEXT, amount REAL, big INTEGER, note TEXT, raw BLOB)');
  const insert = db.prepare('INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (let i = 1; i <= ROWS; i++) {
      insert.run(
        i,
        ['new', 'paid', 'sent'][i % 3],
        i / 7,
        2n ** 60n + BigInt(i),
        i % 5 ? `n°${i} "q" 日本` : null,
        Buffer.from([i % 256]),
      );
    }
  })();
  db.close();
  await pg.connect();
  await pg.query(
    `CREATE TABLE ${pgTable} (id bigint PRIMARY KEY, status text, amount numeric, at timestamptz, tags text[], doc jsonb)`,
  );
  await pg.query(
    `INSERT INTO ${pgTable} SELECT i, (ARRAY['new','paid','sent'])[i % 3 + 1], i / 7.0, '2026-01-01'::timestamptz + i * interval '1 second',
       ARRAY['a' || i, NULL], jsonb_build_object('i', i, 'big', 123456789012345678) FROM generate_series(1, ${ROWS}) i`,
  );
});

afterAll(async () => {
  await pg.query(`DROP TABLE IF EXISTS ${pgTable}`);
  await pg.end();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe.each([
  ['SQLite', 'lite', 'orders'],
  ['PostgreSQL', 'pg', pgTable],
])('export rows read in a worker thread, %s', (_name, source, table) => {
  it('gives the sends of the one-thread path, byte for byte, keyed, with headers and marks', async () => {
    const input = inputOf(source, `SELECT * FROM ${table}`, {
      message_key_field: 'status',
      resume_key: ['id'],
      headers: { origin: 'wtr' },
    });
    const [here, there] = await both(input);
    expect(here.sends.reduce((n, s) => n + s.rows, 0)).toBe(ROWS);
    expect(here.sends.length).toBe(Math.ceil(ROWS / 100));
    expect(there).toEqual(here);
  });

  it('resumes after the same key, and splits sends by the topic limit the same way', async () => {
    const input = inputOf(source, `SELECT * FROM ${table}`, { resume_key: ['id'] });
    const resumed: ExportProgress = {
      rowsAcked: 1000,
      messages: 1000,
      batches: 10,
      bytes: 1,
      lastKey: [{ bigint: '1000' }],
    };
    const [here, there] = await both(input, resumed, 4_000);
    expect(here.start.progress.rowsAcked).toBe(1000);
    expect(here.sends.reduce((n, s) => n + s.rows, 0)).toBe(ROWS - 1000);
    // Sends of ~4 kB: more sends than batches.
    expect(here.sends.length).toBeGreaterThan(Math.ceil((ROWS - 1000) / 100));
    expect(there).toEqual(here);
  });

  it('tallies the rows read past the resumed key plus those acknowledged before, and counts the whole query (reconcile: count)', async () => {
    const plain = inputOf(source, `SELECT * FROM ${table}`, { resume_key: ['id'] });
    const input = { ...plain, scheduling: { ...plain.scheduling, reconcile: 'count' as const } };
    const resumed: ExportProgress = {
      rowsAcked: 1000,
      messages: 1000,
      batches: 10,
      bytes: 1,
      lastKey: [{ bigint: '1000' }],
    };
    const [here, there] = await both(input, resumed);
    expect(here.tally).toEqual({ rowsRead: ROWS, counted: { count: ROWS, countAfter: null, sameSnapshot: true } });
    expect(there.tally).toEqual(here.tally);
  });

  it('skips by count and checks the fingerprint without a resume key, or starts over', async () => {
    const input = inputOf(source, `SELECT * FROM ${table} ORDER BY id`);
    const [first] = await both(input);
    const fiveSends = first.sends.slice(0, 5);
    const sent: ExportProgress = { rowsAcked: 500, messages: 500, batches: 5, bytes: 1, ...fiveSends[4]!.mark };
    const [here, there] = await both(input, sent);
    expect(here.start.startedOverBecause).toBeNull();
    expect(there).toEqual(here);
    const [overHere, overThere] = await both(input, { ...sent, rowsAcked: 499 });
    expect(overHere.start.startedOverBecause).toMatch(/no longer the row sent/);
    expect(overThere).toEqual(overHere);
  });

  it('fails with the same error classes: a key going backwards, a key column missing, a key field missing', async () => {
    const cases = [
      inputOf(source, `SELECT * FROM ${table} ORDER BY status, id`, { resume_key: ['status'] }),
      inputOf(source, `SELECT * FROM ${table}`, { resume_key: ['nope'] }),
      inputOf(source, `SELECT * FROM ${table}`, { message_key_field: 'nope' }),
    ];
    const classes = [ResumeKeyError, ResumeKeyError, MissingKeyFieldError];
    for (const [i, input] of cases.entries()) {
      const [here, there] = await errorsOfBoth(input);
      expect(here).toBeInstanceOf(classes[i]!);
      expect(there).toBeInstanceOf(classes[i]!);
      expect((there as Error).name).toBe((here as Error).name);
      expect((there as Error).message).toBe((here as Error).message);
    }
  });

  it('stops the thread when the export closes early', async () => {
    const sources = new SourceRegistry(config, {});
    try {
      const rows = await openThreadedRows(
        { config, sources },
        inputOf(source, `SELECT * FROM ${table}`, { resume_key: ['id'] }),
        undefined,
        LIMIT,
      );
      expect((await rows.next())?.rows).toBe(100);
      await rows.close();
      await rows.close();
    } finally {
      await sources.end();
    }
  });
});

it('a source whose password variable is unset fails in the thread with MissingPasswordError, naming the variable', async () => {
  const [here, there] = await errorsOfBoth(inputOf('locked', 'SELECT 1 AS id'));
  expect(here).toBeInstanceOf(MissingPasswordError);
  expect(there).toBeInstanceOf(MissingPasswordError);
  expect((there as Error).message).toContain('WTR_ROWTHREAD_UNSET_PASSWORD');
});
