import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client as TemporalClient } from '@temporalio/client';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import request from 'supertest';
import { Worker } from '@temporalio/worker';
import { withIncrementalKey } from '../../activities/incremental';
import { makeLastSuccessfulRun } from '../../activities/last-successful-run';
import { openExportQuery } from '../../activities/resume';
import { ResumeKeyError } from '../../core/errors';
import { type ExportProgress, type RunMemo } from '../../core/job';
import { ensureTopic } from '../../core/kafka/topics';
import { scheduleIdOf, RUN_MEMO_KEY } from '../../core/temporal/naming';
import { type Scheduling, type SchedulingInput } from '../../core/scheduling';
import { SourceRegistry } from '../../core/sources';
import { devPostgresUrl } from '../../devstack/postgres-server';
import { connectWorkerConnection, createExportWorker } from '../../worker/create-worker';
import { buildWorkerDeps } from '../../worker/worker-deps';
import { startApiStack, type ApiStack } from '../support/api-stack';
import { createExportHarness, type ExportHarness } from '../support/export-harness';
import { consumeMessages, deleteTopic, testKafka } from '../support/kafka';
import { uniqueName } from '../support/names';
import { quietWorkflowBundle } from '../support/quiet-runtime';
import { makeKafkaScheduling, makeScheduling } from '../support/scheduling';
import { exportJob } from '../../workflows';
import { runtimeConfigOf } from '../support/runtime-config';

/** PostgreSQL, SQLite, names and temp dirs of this file start with `incr`. */
const pgName = (base: string) => uniqueName(`incr_${base}`).replace(/-/g, '_');

/**
 * Incremental mode on real Temporal, a real worker, PostgreSQL, SQLite and Kafka: each run reads after the
 * previous run's watermark and up to the source's own clock minus `lag`. Every case here loses or repeats
 * a row when the window is taken from Temporal's clock or the watermark is shared or ignored.
 */
describe('incremental exports by a data watermark', () => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'incr-')));
  const liteFile = path.join(dir, 'incr.db');
  const pgUrl = process.env.PSTT_TEST_POSTGRES_URL ?? devPostgresUrl('pstt_test');
  const sources = { lite: { url: `sqlite:${liteFile}` }, pg: { url: pgUrl } };
  const pg = new Client({ connectionString: pgUrl });
  const tables: string[] = [];
  let harness: ExportHarness;

  beforeAll(async () => {
    new Database(liteFile).close();
    await pg.connect();
    harness = await createExportHarness({ sources, files: { allowed_roots: [dir] } });
  });

  afterAll(async () => {
    for (const table of tables)
      await pg.query(`DROP VIEW IF EXISTS ${table}_v; DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await pg.end();
    await harness.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A CSV export of `query` in incremental mode, into its own folder. */
  function csvScheduling(
    name: string,
    source: string,
    query: string,
    incremental: SchedulingInput['incremental'],
    extra: Partial<SchedulingInput> = {},
  ) {
    return makeScheduling({
      name,
      schedule: { every: '1h' },
      source,
      query,
      export_format: 'csv',
      retry: { max_attempts: 1 },
      file_config: { output_dir: path.join(dir, name), file_name: '{name}_{HH}{mm}{ss}' },
      incremental,
      ...extra,
    });
  }

  /** Runs an export and returns the ids its file holds; waits until visibility shows the run with its memo. */
  async function runIds(h: ExportHarness, s: Scheduling): Promise<number[]> {
    const { result, workflowId } = await h.runExport(s);
    await completedInVisibility(h.client, workflowId);
    const lines = fs
      .readFileSync(result.file as string, 'utf8')
      .trim()
      .split('\n')
      .slice(1);
    expect(result.rows).toBe(lines.length);
    return lines.filter((l) => l !== '').map((l) => Number(l.split(',')[0]));
  }

  it('PostgreSQL: a late commit arrives exactly once when lag covers it; with lag 0s a later committed row moves the mark past it', async () => {
    const table = pgName('late');
    tables.push(table);
    await pg.query(`CREATE TABLE ${table} (id int PRIMARY KEY, updated_at timestamptz NOT NULL)`);
    await pg.query(`INSERT INTO ${table} VALUES (1, now() - interval '1 hour')`);
    const query = `SELECT id, updated_at FROM ${table}`;
    const kafka = testKafka();
    const topic = uniqueName('incr-late');
    await ensureTopic(kafka, topic, 1);
    const lagged = makeScheduling({
      name: uniqueName('incr-late-lag'),
      schedule: { every: '1h' },
      source: 'pg',
      query,
      export_format: 'kafka',
      retry: { max_attempts: 1 },
      kafka_config: { topic, message_key_field: 'id' },
      incremental: { column: 'updated_at', key: ['id'], lag: '20s' },
    });
    const unlagged = csvScheduling(uniqueName('incr-late-zero'), 'pg', query, {
      column: 'updated_at',
      key: ['id'],
      lag: '0s',
    });
    const late = new Client({ connectionString: pgUrl });
    await late.connect();
    try {
      // Row 2 is stamped now() in a transaction still open while the first runs read; row 3, stamped
      // after it, commits at once.
      await late.query('BEGIN');
      await late.query(`INSERT INTO ${table} VALUES (2, now())`);
      await pg.query(`INSERT INTO ${table} VALUES (3, now())`);
      const first = await harness.runExport(lagged);
      await completedInVisibility(harness.client, first.workflowId);
      expect(first.result.rows).toBe(1);
      expect(await runIds(harness, unlagged)).toEqual([1, 3]);
      await late.query('COMMIT');
    } finally {
      await late.end();
    }
    // The source's clock, lag included, passes every row: the second lagged run may take them all.
    while (
      !(await pg.query(`SELECT now() - interval '20 seconds' > max(updated_at) AS past FROM ${table}`)).rows[0].past
    ) {
      await sleep(500);
    }
    const second = await harness.runExport(lagged);
    expect(second.result.rows).toBe(2);
    const messages = await consumeMessages(kafka, topic, 3);
    expect(messages.map((m) => Number(m.key?.toString()))).toEqual([1, 2, 3]);
    // lag 0s: row 2 committed after row 3 had been exported, with an earlier updated_at: it is behind the
    // mark and never read. This is the late-commit rule: lag must exceed the longest open transaction.
    expect(await runIds(harness, unlagged)).toEqual([]);
    await deleteTopic(kafka, topic).catch(() => undefined);
  });

  it('PostgreSQL: rows stamped by a clock an hour behind are all exported (the window comes from the data)', async () => {
    const table = pgName('behind');
    tables.push(table);
    await pg.query(`CREATE TABLE ${table} (id int PRIMARY KEY, stamped timestamptz NOT NULL DEFAULT now())`);
    // The writer's clock runs an hour behind the database's (and Temporal's).
    await pg.query(`CREATE VIEW ${table}_v AS SELECT id, stamped - interval '1 hour' AS updated_at FROM ${table}`);
    await pg.query(`INSERT INTO ${table} (id) VALUES (1), (2)`);
    const s = csvScheduling(uniqueName('incr-behind'), 'pg', `SELECT id, updated_at FROM ${table}_v`, {
      column: 'updated_at',
      key: ['id'],
      lag: '0s',
    });
    expect(await runIds(harness, s)).toEqual([1, 2]);
    await pg.query(`INSERT INTO ${table} (id) VALUES (3)`);
    // A window of Temporal times (last run .. now) would miss row 3, stamped an hour before the first run.
    expect(await runIds(harness, s)).toEqual([3]);
    expect(await runIds(harness, s)).toEqual([]);
  });

  it('two task queues with the same scheduling name keep independent watermarks (and :last_success_time)', async () => {
    const db = new Database(liteFile);
    const table = pgName('queues');
    db.exec(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)`);
    db.exec(`INSERT INTO ${table} (id, updated_at) VALUES (1, '2026-01-01 00:00:00'), (2, '2026-01-02 00:00:00')`);
    const name = uniqueName('incr-queues');
    const s = csvScheduling(name, 'lite', `SELECT id, updated_at FROM ${table}`, {
      column: 'updated_at',
      key: ['id'],
      lag: '0s',
    });
    const other = await createExportHarness({ sources, files: { allowed_roots: [dir] } });
    try {
      expect(await runIds(harness, s)).toEqual([1, 2]);
      db.exec(`INSERT INTO ${table} (id, updated_at) VALUES (3, '2026-01-03 00:00:00')`);
      // The other deployment's first run: nothing of this queue's mark applies.
      expect(await runIds(other, s)).toEqual([1, 2, 3]);
      expect(await runIds(harness, s)).toEqual([3]);
      expect(await runIds(other, s)).toEqual([]);
      const lastSuccess = makeLastSuccessfulRun(harness.client);
      const later = new Date(Date.now() + 3_600_000).toISOString();
      const queueOf = async (h: ExportHarness) =>
        (await h.runExport(s).then((r) => h.client.workflow.getHandle(r.workflowId).describe())).taskQueue;
      const queue = await queueOf(harness);
      expect(await lastSuccess(name, later, { taskQueue: queue, workflowType: exportJob.name })).not.toBeNull();
      expect(
        await lastSuccess(name, later, { taskQueue: uniqueName('incr-no-queue'), workflowType: exportJob.name }),
      ).toBeNull();
      expect(await lastSuccess(name, later, { taskQueue: queue, workflowType: 'someOtherWorkflow' })).toBeNull();
    } finally {
      db.close();
      await other.close();
    }
  });

  it('SQLite DEFAULT CURRENT_TIMESTAMP: a row inserted after the first run of the same day arrives in the second', async () => {
    const db = new Database(liteFile);
    const table = pgName('stamped');
    db.exec(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)`);
    db.exec(`INSERT INTO ${table} (id) VALUES (1), (2)`);
    const s = csvScheduling(uniqueName('incr-stamped'), 'lite', `SELECT id, updated_at FROM ${table}`, {
      column: 'updated_at',
      key: ['id'],
      lag: '0s',
      initial: '2020-01-01T00:00:00Z',
    });
    try {
      expect(await runIds(harness, s)).toEqual([1, 2]);
      db.exec(`INSERT INTO ${table} (id) VALUES (3)`);
      expect(await runIds(harness, s)).toEqual([3]);
    } finally {
      db.close();
    }
  });

  it('starts at initial and keeps resuming by (column, key) when the key alone orders rows differently', async () => {
    const db = new Database(liteFile);
    const table = pgName('initial');
    db.exec(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, updated_at TEXT NOT NULL)`);
    // Same second for ids 3 and 4; id 5 is older than id 4.
    db.exec(
      `INSERT INTO ${table} VALUES (1, '2025-12-31 23:59:59'), (2, '2026-01-01 00:00:00'), (3, '2026-01-02 00:00:00'), ` +
        `(4, '2026-01-02 00:00:00'), (5, '2026-01-01 12:00:00')`,
    );
    const s = csvScheduling(uniqueName('incr-initial'), 'lite', `SELECT id, updated_at FROM ${table} ORDER BY id`, {
      column: 'updated_at',
      key: ['id'],
      lag: '0s',
      initial: '2026-01-01T00:00:00Z',
    });
    try {
      expect(await runIds(harness, s)).toEqual([2, 5, 3, 4]);
      db.exec(`INSERT INTO ${table} VALUES (6, '2026-01-02 00:00:00')`);
      expect(await runIds(harness, s)).toEqual([6]);
    } finally {
      db.close();
    }
  });

  it('fails for good, naming the scheduling and the column, when the query lacks the incremental column', async () => {
    const db = new Database(liteFile);
    const table = pgName('nocol');
    db.exec(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, changed TEXT)`);
    db.close();
    // `*`: the model cannot tell from the text; the run finds out.
    const s = csvScheduling(uniqueName('incr-nocol'), 'lite', `SELECT * FROM ${table}`, {
      column: 'updated_at',
      key: ['id'],
    });
    const failure = await harness.runExportExpectingFailure(s);
    const cause = rootCause(failure);
    expect(cause).toMatchObject({ type: ResumeKeyError.name, nonRetryable: true });
    expect(cause.message).toContain(
      `scheduling "${s.name}": incremental (updated_at, id) names "updated_at", not a column of the query`,
    );
  });

  it('a retried Kafka attempt resumes after its checkpoint by (column, key), not from the watermark, within the window', async () => {
    const db = new Database(liteFile);
    const table = pgName('resume');
    db.exec(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, updated_at TEXT NOT NULL)`);
    // Row 6 is stamped in the future: past the source's clock, so in no window yet.
    db.exec(
      `INSERT INTO ${table} VALUES (1, '2026-01-01 00:00:00'), (2, '2026-01-02 00:00:00'), (3, '2026-01-02 00:00:00'), ` +
        `(4, '2026-01-03 00:00:00'), (5, '2026-01-04 00:00:00'), (6, '2999-01-01 00:00:00')`,
    );
    db.close();
    const s = makeKafkaScheduling({
      name: uniqueName('incr-resume'),
      schedule: { every: '1h' },
      source: 'lite',
      query: `SELECT id, updated_at FROM ${table}`,
      export_format: 'kafka',
      kafka_config: { topic: 'incr-unused' },
      incremental: { column: 'updated_at', key: ['id'], lag: '0s' },
    });
    const registry = new SourceRegistry({ sources, baseDir: dir });
    const input = withIncrementalKey({
      scheduling: s,
      scheduledTime: new Date().toISOString(),
      lastSuccessTime: null,
      watermark: ['2026-01-01 00:00:00', 1],
    });
    const idsFrom = async (resumed?: ExportProgress) => {
      const { cursor } = await openExportQuery({ config: harness.config, sources: registry }, input, resumed);
      try {
        return (await cursor.read(100)).map((r) => Number(r.id));
      } finally {
        await cursor.close();
      }
    };
    try {
      expect(input.scheduling.kafka_config?.resume_key).toEqual(['updated_at', 'id']);
      // A first attempt starts after the previous run's watermark.
      expect(await idsFrom()).toEqual([2, 3, 4, 5]);
      // A retry starts after what the earlier attempt had acknowledged.
      const acked: ExportProgress = {
        rowsAcked: 2,
        messages: 2,
        batches: 1,
        bytes: 10,
        lastKey: ['2026-01-02 00:00:00', 3],
      };
      expect(await idsFrom(acked)).toEqual([4, 5]);
    } finally {
      await registry.end();
    }
  });

  it('exactly_once without its own resume_key: (column, key) resumes it, and the next run starts after the mark', async () => {
    const db = new Database(liteFile);
    const table = pgName('eos');
    db.exec(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)`);
    db.exec(`INSERT INTO ${table} (id) VALUES (1), (2), (3)`);
    const kafka = testKafka();
    const topic = uniqueName('incr-eos');
    await ensureTopic(kafka, topic, 1);
    const s = makeScheduling({
      name: uniqueName('incr-eos'),
      schedule: { every: '1h' },
      source: 'lite',
      query: `SELECT id, updated_at FROM ${table}`,
      export_format: 'kafka',
      retry: { max_attempts: 1 },
      kafka_config: { topic, message_key_field: 'id', delivery: 'exactly_once' },
      incremental: { column: 'updated_at', key: ['id'], lag: '0s' },
    });
    try {
      const first = await harness.runExport(s);
      await completedInVisibility(harness.client, first.workflowId);
      expect(first.result).toMatchObject({ rows: 3, watermark: [expect.any(String), { bigint: '3' }] });
      db.exec(`INSERT INTO ${table} (id) VALUES (4)`);
      const second = await harness.runExport(s);
      expect(second.result).toMatchObject({ rows: 1, watermark: [expect.any(String), { bigint: '4' }] });
    } finally {
      db.close();
      await deleteTopic(kafka, topic).catch(() => undefined);
    }
  });

  it('replays a run recorded by the workflow code before incremental mode', async () => {
    const db = new Database(liteFile);
    const table = pgName('replay');
    db.exec(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)`);
    db.exec(`INSERT INTO ${table} (id) VALUES (1), (2)`);
    db.close();
    // :last_success_time: the old code's lookup activity is in the history too.
    const s = csvScheduling(
      uniqueName('incr-replay'),
      'lite',
      `SELECT id, updated_at FROM ${table} WHERE updated_at > COALESCE(:last_success_time, '1970-01-01') ORDER BY id`,
      undefined,
    );
    const taskQueue = uniqueName('incr-v3-queue');
    const workflowId = uniqueName('incr-v3');
    const connection = await connectWorkerConnection(harness.config);
    const deps = await buildWorkerDeps(runtimeConfigOf(harness.config, { ...process.env, SMTP_HOST: '' }));
    try {
      const oldBundle = await quietWorkflowBundle(require.resolve('../fixtures/export-job-v3'));
      const worker = await createExportWorker({
        connection,
        config: harness.config,
        deps,
        taskQueue,
        workflowBundle: oldBundle,
      });
      const result = await worker.runUntil(
        harness.client.workflow.execute(exportJob, { taskQueue, workflowId, args: [{ scheduling: s }] }),
      );
      expect(result).toMatchObject({ rows: 2 });
    } finally {
      await deps.close();
      await connection.close();
    }
    const history = await harness.client.workflow.getHandle(workflowId).fetchHistory();
    const bundle = await quietWorkflowBundle();
    await expect(
      Worker.runReplayHistory({ workflowBundle: bundle, replayName: 'v3' }, history, workflowId),
    ).resolves.toBeUndefined();
  });

  it('replays its own incremental runs (the patch marker and the watermark lookup are in the history)', async () => {
    const db = new Database(liteFile);
    const table = pgName('replay_incr');
    db.exec(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)`);
    db.exec(`INSERT INTO ${table} (id) VALUES (1)`);
    db.close();
    const s = csvScheduling(uniqueName('incr-replay-new'), 'lite', `SELECT id, updated_at FROM ${table}`, {
      column: 'updated_at',
      key: ['id'],
      lag: '0s',
    });
    const { workflowId } = await harness.runExport(s);
    const handle = harness.client.workflow.getHandle(workflowId);
    const memo = (await handle.describe()).memo?.[RUN_MEMO_KEY] as RunMemo;
    expect(memo.watermark_columns).toEqual(['updated_at', 'id']);
    // SQLite integers come back 64-bit: tagged so that they bind back exactly.
    expect(memo.watermark).toEqual([expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/), { bigint: '1' }]);
    const history = await handle.fetchHistory();
    const bundle = await quietWorkflowBundle();
    await expect(
      Worker.runReplayHistory({ workflowBundle: bundle, replayName: 'incr' }, history, workflowId),
    ).resolves.toBeUndefined();
  });

  describe('bad input at apply', () => {
    let stack: ApiStack;
    const created: string[] = [];

    beforeAll(async () => {
      stack = await startApiStack({ rows: 1 });
    });

    afterAll(async () => {
      for (const name of created)
        await stack.client.schedule
          .getHandle(scheduleIdOf(name))
          .delete()
          .catch(() => undefined);
      await stack.close();
    });

    const body = (incremental: unknown, query = 'SELECT order_id, created_at FROM orders') => ({
      name: uniqueName('incr-bad'),
      schedule: { every: '1h' },
      source: 'orders',
      query,
      enabled: false,
      export_format: 'kafka',
      kafka_config: { topic: 'incr-unused' },
      incremental,
    });

    it.each([
      [
        'a lag that is not a duration',
        body({ column: 'created_at', key: ['order_id'], lag: 'soon' }),
        ['incremental.lag'],
      ],
      [
        'an incremental column the query lacks',
        body({ column: 'updated_at', key: ['order_id'] }),
        ['incremental.column'],
      ],
      ['a key column the query lacks', body({ column: 'created_at', key: ['nope'] }), ['incremental.key.0']],
      ['no column', body({ key: ['order_id'] }), ['incremental.column']],
      [
        'an initial that is not a time',
        body({ column: 'created_at', key: ['order_id'], initial: 'yesterday' }),
        ['incremental.initial'],
      ],
      [
        'a resume_key other than (column, key)',
        {
          ...body({ column: 'created_at', key: ['order_id'] }),
          kafka_config: { topic: 'incr-unused', resume_key: ['order_id'] },
        },
        ['kafka_config.resume_key'],
      ],
    ])('answers 400 naming the field for %s, and creates nothing', async (_case, scheduling, fields) => {
      created.push(scheduling.name);
      const res = await request(stack.app)
        .post('/api/scheduler/scheduling')
        .set(stack.bearer('admin'))
        .send(scheduling);
      expect(res.status).toBe(400);
      expect((res.body.details as { path: string }[]).map((d) => d.path)).toEqual(fields);
      expect(
        (await request(stack.app).get(`/api/scheduler/scheduling/${scheduling.name}`).set(stack.bearer('read'))).status,
      ).toBe(404);
    });

    it('accepts the same scheduling with a valid incremental block (the control case)', async () => {
      const scheduling = body({ column: 'created_at', key: ['order_id'], lag: '45s', initial: '2026-01-01T00:00:00Z' });
      created.push(scheduling.name);
      const res = await request(stack.app)
        .post('/api/scheduler/scheduling')
        .set(stack.bearer('admin'))
        .send(scheduling);
      expect(res.status).toBe(201);
      expect(res.body.incremental).toEqual({
        column: 'created_at',
        key: ['order_id'],
        lag: '45s',
        initial: '2026-01-01T00:00:00Z',
      });
    });
  });
});

/** Waits until visibility lists the run as completed with its memo: the next run reads its watermark there. */
async function completedInVisibility(client: TemporalClient, workflowId: string): Promise<void> {
  for (;;) {
    for await (const run of client.workflow.list({
      query: `WorkflowId = ${JSON.stringify(workflowId)} AND ExecutionStatus = "Completed"`,
    })) {
      if ((run.memo?.[RUN_MEMO_KEY] as RunMemo | undefined)?.rows !== undefined) return;
    }
    await sleep(200);
  }
}

function rootCause(err: unknown): { type?: string; nonRetryable?: boolean; message: string } {
  let current = err as { cause?: unknown; type?: string; message: string };
  while (current.cause && !current.type) current = current.cause as typeof current;
  return current;
}
