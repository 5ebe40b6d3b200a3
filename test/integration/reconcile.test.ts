import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { Client as PgClient } from 'pg';
import request from 'supertest';
import type { RunView } from '../../api/contract';
import { RUN_MEMO_KEY } from '../../core/temporal/naming';
import { type ExportJobInput, type ExportResult, type RunMemo } from '../../core/job';
import { countMessages, ensureTopic } from '../../core/kafka/topics';
import type { Scheduling, SchedulingInput } from '../../core/scheduling';
import { connectWorkerConnection, createExportWorker } from '../../worker/create-worker';
import { buildWorkerDeps } from '../../worker/worker-deps';
import { devPostgresUrl } from '../../devstack/postgres-server';
import { startApiStack, type ApiStack } from '../support/api-stack';
import { deleteTopic, testKafka } from '../support/kafka';
import { uniqueName } from '../support/names';
import { quietWorkflowBundle } from '../support/quiet-runtime';
import { makeScheduling } from '../support/scheduling';
import { createSmtpServer, type TestSmtpServer } from '../support/smtp';
import { eventually } from '../support/eventually';
import { exportJob } from '../../workflows';
import { runtimeConfigOf } from '../support/runtime-config';

/** Rows of the PostgreSQL table; each costs 2 ms to read (pg_sleep in the query), so a pass takes about 4 s. */
const ROWS = 2000;

/**
 * A query whose result changes between two executions in one transaction: each execution bumps a
 * transaction-local setting and returns 100 rows per bump. The count (first execution) sees 100,
 * the read (second) 200: what a non-repeatable query (random sampling, clock-dependent filters, or
 * concurrent writes without a shared snapshot) does to a run.
 */
const NON_REPEATABLE_QUERY = `SELECT g AS id FROM generate_series(1, 100 * (SELECT set_config('recon.pass',
  (COALESCE(NULLIF(current_setting('recon.pass', true), ''), '0')::int + 1)::text, true)::int)) g`;

/**
 * `reconcile: count` on the real services: PostgreSQL counts and reads in one REPEATABLE READ snapshot
 * (rows deleted meanwhile by another connection change neither), SQLite in one read transaction, and a
 * run whose numbers disagree completes as `suspect`: in run history, in Prometheus and by e-mail.
 */
describe('reconcile: count', () => {
  const pgUrl = process.env.PSTT_TEST_POSTGRES_URL ?? devPostgresUrl('pstt_test');
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'recon-')));
  const kafka = testKafka();
  const table = uniqueName('recon_rows').replace(/-/g, '_');
  const topics: string[] = [];
  let pg: PgClient;
  let smtp: TestSmtpServer;
  let stack: ApiStack;

  beforeAll(async () => {
    pg = new PgClient({ connectionString: pgUrl });
    await pg.connect();
    await pg.query(`CREATE TABLE ${table} (id int PRIMARY KEY, payload text NOT NULL)`);
    await pg.query(`INSERT INTO ${table} SELECT g, 'row ' || g FROM generate_series(1, ${ROWS}) g`);
    await pg.query(`ANALYZE ${table}`);
    smtp = await createSmtpServer();
    stack = await startApiStack({
      rows: 100,
      extraSources: { pg: { url: pgUrl } },
      files: { allowed_roots: [dir] },
      workerEnv: smtp.env(),
    });
  });

  afterAll(async () => {
    await stack?.close();
    await smtp?.stop();
    for (const topic of topics) await deleteTopic(kafka, topic).catch(() => undefined);
    await pg?.query(`DROP TABLE IF EXISTS ${table}`);
    await pg?.end();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function scheduling(input: Partial<SchedulingInput> & Pick<SchedulingInput, 'source' | 'query'>): Scheduling {
    return makeScheduling({
      name: uniqueName('recon'),
      schedule: { every: '1h' },
      export_format: 'csv',
      file_config: { output_dir: dir },
      reconcile: 'count',
      timeout: 600,
      retry: { max_attempts: 1 },
      notify: ['recon-ops@example.com'],
      ...input,
    });
  }

  function start(s: Scheduling, taskQueue = stack.config.temporal.task_queue) {
    const args: [ExportJobInput] = [{ scheduling: s }];
    return stack.client.workflow.start(exportJob, { taskQueue, workflowId: uniqueName('recon-run'), args });
  }

  async function runOf(name: string): Promise<RunView> {
    const res = await request(stack.app)
      .get('/api/scheduler/history')
      .query({ scheduling: name })
      .set(stack.bearer('read'))
      .expect(200);
    const runs = res.body as RunView[];
    expect(runs).toHaveLength(1);
    return runs[0]!;
  }

  it('PostgreSQL: rows deleted by another connection during the count and during the read change neither (one snapshot)', async () => {
    const topic = uniqueName('recon-pg');
    topics.push(topic);
    await ensureTopic(kafka, topic, 1);
    const s = scheduling({
      source: 'pg',
      // pg_sleep paces the count and the read (an index scan in id order, row by row), so both can be caught running.
      query: `SELECT id, payload FROM ${table} WHERE pg_sleep(0.002)::text = '' ORDER BY id`,
      export_format: 'kafka',
      file_config: undefined,
      kafka_config: { topic, message_key_field: 'id', batch_size: 50 },
    });
    const handle = await start(s);

    // The count is running: its snapshot is taken. Without REPEATABLE READ the read's own snapshot would miss these rows.
    await eventually('the reconcile count running on PostgreSQL', async () => {
      const { rows } = await pg.query(
        `SELECT 1 FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'SELECT COUNT(*) AS n FROM%' AND query LIKE $1`,
        [`%${table}%`],
      );
      return rows.length ? true : undefined;
    });
    const duringCount = await pg.query(`DELETE FROM ${table} WHERE id > ${ROWS / 2}`);
    expect(duringCount.rowCount).toBe(ROWS / 2);

    // And again once rows are arriving in Kafka, while the run still reads.
    await eventually('the first message', async () => ((await countMessages(kafka, topic)) > 0 ? true : undefined));
    const duringRead = await pg.query(`DELETE FROM ${table} WHERE id > ${ROWS / 4}`);
    expect(duringRead.rowCount).toBe(ROWS / 4);
    expect((await handle.describe()).status.name).toBe('RUNNING');

    const result: ExportResult = await handle.result();
    expect(result.reconciliation).toEqual({
      rows_read: ROWS,
      rows_delivered: ROWS,
      count: ROWS,
      count_after: null,
      same_snapshot: true,
      suspect: false,
      reason: null,
    });
    expect(await countMessages(kafka, topic)).toBe(ROWS);
    const run = await runOf(s.name);
    expect(run).toMatchObject({
      status: 'success',
      query_count: ROWS,
      rows_read: ROWS,
      rows_delivered: ROWS,
      suspect_reason: null,
    });
    expect(smtp.matching((m) => (m.subject ?? '').includes(s.name))).toHaveLength(0);
  });

  it('SQLite: count, rows read and rows written agree in one read transaction', async () => {
    const s = scheduling({ source: 'orders', query: 'SELECT order_id, customer FROM orders ORDER BY order_id' });
    const result: ExportResult = await (await start(s)).result();
    expect(result.reconciliation).toMatchObject({
      rows_read: 100,
      rows_delivered: 100,
      count: 100,
      same_snapshot: true,
      suspect: false,
    });
    expect(fs.readFileSync(result.file!, 'utf8').trim().split('\n')).toHaveLength(101);
    expect(await runOf(s.name)).toMatchObject({
      status: 'success',
      query_count: 100,
      rows_read: 100,
      rows_delivered: 100,
    });
  });

  it('a run whose count and rows disagree completes as suspect: history, Prometheus and an alert e-mail', async () => {
    const s = scheduling({ source: 'pg', query: NON_REPEATABLE_QUERY });
    const handle = await start(s);
    const result: ExportResult = await handle.result();
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    expect(result.reconciliation).toMatchObject({ count: 100, rows_read: 200, rows_delivered: 200, suspect: true });
    expect(result.reconciliation?.reason).toContain('counted 100 rows but the export read 200');

    const memo = (await handle.describe()).memo?.[RUN_MEMO_KEY] as RunMemo;
    expect(memo).toMatchObject({ suspect: true, query_count: 100, rows_read: 200, rows_delivered: 200 });
    const run = await eventually('the suspect run in history', async () => {
      const view = await runOf(s.name);
      return view.status === 'suspect' ? view : undefined;
    });
    expect(run).toMatchObject({ query_count: 100, rows_read: 200, rows_delivered: 200, error_message: null });
    expect(run.suspect_reason).toContain('counted 100 rows');
    const filtered = await request(stack.app)
      .get('/api/scheduler/history')
      .query({ status: 'suspect' })
      .set(stack.bearer('read'))
      .expect(200);
    expect((filtered.body as RunView[]).map((r) => r.workflow_id)).toContain(handle.workflowId);

    const metrics = await request(stack.app).get('/api/kafka/metrics/prometheus').set(stack.bearer('read')).expect(200);
    expect(metrics.text).toContain(`pstt_export_runs{scheduling="${s.name}",status="suspect"} 1`);

    const mail = await smtp.waitFor((m) => m.subject === `[PSTT] Suspect run: ${s.name}`);
    expect(mail.text).toContain('counted 100 rows but the export read 200');
    expect(mail.text).toContain(handle.workflowId);
    expect((Array.isArray(mail.to) ? mail.to : [mail.to]).map((a) => a?.text).join(',')).toContain(
      'recon-ops@example.com',
    );
  });

  it('replays a suspect run recorded by the workflow code before reconciliation, without the memo fields or the e-mail', async () => {
    const taskQueue = uniqueName('recon-v3-queue');
    const connection = await connectWorkerConnection(stack.config);
    const deps = await buildWorkerDeps(runtimeConfigOf(stack.config, smtp.env()));
    const oldBundle = await quietWorkflowBundle(require.resolve('../fixtures/export-job-v3'));
    const s = scheduling({ source: 'pg', query: NON_REPEATABLE_QUERY });
    let workflowId: string;
    try {
      const worker = await createExportWorker({
        connection,
        config: stack.config,
        deps,
        taskQueue,
        workflowBundle: oldBundle,
      });
      const result: ExportResult = await worker.runUntil(async () => {
        const handle = await start(s, taskQueue);
        workflowId = handle.workflowId;
        return await handle.result();
      });
      // Today's activity, yesterday's workflow: the mismatch is in the result, but nothing acted on it.
      expect(result.reconciliation).toMatchObject({ suspect: true });
    } finally {
      await deps.close();
      await connection.close();
    }
    const history = await stack.client.workflow.getHandle(workflowId!).fetchHistory();
    const bundle = await quietWorkflowBundle();
    await expect(
      Worker.runReplayHistory({ workflowBundle: bundle, replayName: 'v3' }, history, workflowId!),
    ).resolves.toBeUndefined();
  });
});
