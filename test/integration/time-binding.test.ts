import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { openRunQuery } from '../../activities/run-query';
import type { AppConfig } from '../../core/config';
import { ensureTopic } from '../../core/kafka/topics';
import type { Scheduling, SchedulingInput } from '../../core/scheduling';
import { SourceRegistry } from '../../core/sources';
import { devPostgresUrl } from '../../devstack/postgres-server';
import { createExportHarness, type ExportHarness } from '../support/export-harness';
import { deleteTopic, testKafka } from '../support/kafka';
import { uniqueName } from '../support/names';
import { makeScheduling } from '../support/scheduling';

/** The README's incremental example, as written there. */
const README_WINDOW = "updated_at > COALESCE(:last_success_time, '1970-01-01') AND updated_at <= :scheduled_time";

describe("times bound into a query compare with the column's own form (real SQLite, PostgreSQL, Temporal)", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pstt-dates-'));
  const dbFile = path.join(dir, 'dates.db');
  const pgUrl = process.env.PSTT_TEST_POSTGRES_URL ?? devPostgresUrl('pstt_test');
  const pgTable = uniqueName('dates_events').replace(/-/g, '_');
  const config = {
    sources: { lite: { url: `sqlite:${dbFile}` }, pg: { url: pgUrl } },
    baseDir: dir,
  } as unknown as AppConfig;
  const sources = new SourceRegistry(config);
  const pg = new Client({ connectionString: pgUrl });

  beforeAll(async () => {
    const db = new Database(dbFile);
    db.exec('CREATE TABLE stamped (id INTEGER PRIMARY KEY, updated_at TEXT DEFAULT CURRENT_TIMESTAMP)');
    // One instant per row, stored three ways: CURRENT_TIMESTAMP text, ISO-8601 text, epoch seconds.
    db.exec('CREATE TABLE forms (id INTEGER PRIMARY KEY, at_sql TEXT, at_iso TEXT, at_epoch INTEGER)');
    const insert = db.prepare('INSERT INTO forms VALUES (?, ?, ?, ?)');
    ['05:59:59', '06:00:00', '06:00:01', '06:30:00', '07:00:00', '07:00:01', '23:00:00'].forEach((hms, i) => {
      const at = new Date(`2026-03-01T${hms}Z`);
      insert.run(i + 1, `2026-03-01 ${hms}`, `2026-03-01T${hms}.000Z`, at.getTime() / 1000);
    });
    db.close();
    await pg.connect();
    await pg.query(`CREATE TABLE ${pgTable} (id int, updated_at timestamptz, day timestamp, on_date date)`);
    await pg.query(
      `INSERT INTO ${pgTable} VALUES (1, '2026-03-01T05:00:00Z', '2026-03-01 05:00', '2026-02-27'), ` +
        `(2, '2026-03-01T06:30:00Z', '2026-03-01 06:30', '2026-02-28'), (3, '2026-03-01T07:00:00Z', '2026-03-01 07:00', '2026-03-01'), ` +
        `(4, '2026-03-01T08:00:00Z', '2026-03-01 08:00', '2026-03-02')`,
    );
  });

  afterAll(async () => {
    await pg.query(`DROP TABLE IF EXISTS ${pgTable}`).catch(() => undefined);
    await pg.end();
    await sources.end();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The ids a run's query returns, bound as a run between `last` and `scheduled` binds it. */
  async function idsOf(input: Partial<SchedulingInput>, scheduled: string, last: string | null): Promise<number[]> {
    const scheduling: Scheduling = makeScheduling({
      name: 'dates-window',
      schedule: { every: '1h' },
      source: 'lite',
      query: 'SELECT 1',
      export_format: 'kafka',
      kafka_config: { topic: 'dates_unused' },
      ...input,
    });
    const cursor = await openRunQuery(
      { config, sources },
      { scheduling, scheduledTime: scheduled, lastSuccessTime: last },
    );
    try {
      return (await cursor.read(100)).map((r) => Number(r.id));
    } finally {
      await cursor.close();
    }
  }

  describe('SQLite', () => {
    const last = '2026-03-01T06:00:00.000Z';
    const scheduled = '2026-03-01T07:00:00.000Z';
    const window = (column: string) =>
      `SELECT id FROM forms WHERE ${column} > :last_success_time AND ${column} <= :scheduled_time ORDER BY id`;

    it.each([
      ['at_sql', 'sql'],
      ['at_iso', 'iso'],
      ['at_epoch', 'epoch'],
    ] as const)('selects the window (06:00, 07:00] of a %s column with time_format %s', async (column, time_format) => {
      expect(await idsOf({ query: window(column), time_format }, scheduled, last)).toEqual([3, 4, 5]);
    });

    it('defaults to the CURRENT_TIMESTAMP form', async () => {
      expect(await idsOf({ query: window('at_sql') }, scheduled, last)).toEqual([3, 4, 5]);
    });

    it("documents the miss a format other than the column's gives", async () => {
      // ISO text against CURRENT_TIMESTAMP text: ' ' < 'T', so every row of that day is "before" both bounds.
      expect(await idsOf({ query: window('at_sql'), time_format: 'iso' }, scheduled, last)).toEqual([]);
    });

    it('runs the README example on an epoch column with its epoch fallback', async () => {
      const query =
        'SELECT id FROM forms WHERE at_epoch > COALESCE(:last_success_time, 0) AND at_epoch <= :scheduled_time ORDER BY id';
      expect(await idsOf({ query, time_format: 'epoch' }, scheduled, null)).toEqual([1, 2, 3, 4, 5]);
    });

    it('runs the README example as written on a CURRENT_TIMESTAMP column', async () => {
      const query = `SELECT id FROM forms WHERE ${README_WINDOW.replace(/updated_at/g, 'at_sql')} ORDER BY id`;
      expect(await idsOf({ query }, scheduled, null)).toEqual([1, 2, 3, 4, 5]);
      expect(await idsOf({ query }, scheduled, last)).toEqual([3, 4, 5]);
    });
  });

  describe('PostgreSQL', () => {
    const query = (column: string) =>
      `SELECT id FROM ${pgTable} WHERE ${README_WINDOW.replace(/updated_at/g, column)} ORDER BY id`;

    it.each(['updated_at', 'day'])(
      'runs the README example as written on a %s column and selects the window',
      async (column) => {
        const pgScheduling = { source: 'pg', query: query(column) };
        // No previous run: everything up to the scheduled time.
        expect(await idsOf(pgScheduling, '2026-03-01T07:00:00.000Z', null)).toEqual([1, 2, 3]);
        expect(await idsOf(pgScheduling, '2026-03-01T08:00:00.000Z', '2026-03-01T06:30:00.000Z')).toEqual([3, 4]);
      },
    );

    it('runs the README example as written on a date column', async () => {
      const pgScheduling = { source: 'pg', query: query('on_date') };
      // A date is its midnight: (Feb 28 12:00, Mar 1 12:00] holds Mar 1 only.
      expect(await idsOf(pgScheduling, '2026-03-01T12:00:00.000Z', null)).toEqual([1, 2, 3]);
      expect(await idsOf(pgScheduling, '2026-03-01T12:00:00.000Z', '2026-02-28T12:00:00.000Z')).toEqual([3]);
    });
  });

  describe('through the exportJob workflow on Temporal', () => {
    const kafka = testKafka();
    const topic = uniqueName('dates_stamped');
    let harness: ExportHarness;

    beforeAll(async () => {
      await ensureTopic(kafka, topic, 1);
      harness = await createExportHarness({ sources: config.sources });
    });

    afterAll(async () => {
      await harness.close();
      await deleteTopic(kafka, topic).catch(() => undefined);
    });

    it('exports a DEFAULT CURRENT_TIMESTAMP row inserted after the first run of the day in the second run', async () => {
      const db = new Database(dbFile);
      try {
        db.exec('INSERT INTO stamped (id) VALUES (1), (2)');
        const s = makeScheduling({
          name: uniqueName('dates-stamped'),
          schedule: { every: '1h' },
          source: 'lite',
          query: `SELECT id, updated_at FROM stamped WHERE ${README_WINDOW} ORDER BY id`,
          export_format: 'kafka',
          kafka_config: { topic, message_key_field: 'id' },
        });
        const first = await harness.runExport(s);
        expect(first.result.rows).toBe(2);
        const firstAt = (await harness.client.workflow.getHandle(first.workflowId).describe()).startTime;
        // CURRENT_TIMESTAMP has whole seconds: wait for the database clock to pass the first run's second.
        const firstSecond = new Date(Math.floor(firstAt.getTime() / 1000) * 1000 + 1000)
          .toISOString()
          .slice(0, 19)
          .replace('T', ' ');
        while ((db.prepare('SELECT CURRENT_TIMESTAMP AS now').get() as { now: string }).now < firstSecond) {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        db.exec('INSERT INTO stamped (id) VALUES (3)');
        const second = await harness.runExport(s);
        expect(second.result.rows).toBe(1);
      } finally {
        db.close();
      }
    });
  });
});
