import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Worker, type NativeConnection, type WorkflowBundle } from '@temporalio/worker';
import type { ParsedMail } from 'mailparser';
import type { NotificationResult } from '../../activities/send-failure-notification';
import { loadConfig, type AppConfig } from '../../core/config';
import type { ExportJobInput } from '../../core/job';
import { ensureTopic } from '../../core/kafka/topics';
import type { Scheduling, SchedulingInput } from '../../core/scheduling';
import { connectTemporalClient } from '../../core/temporal/client';
import { ensureDemoDatabase } from '../../devstack/demo-data';
import { connectWorkerConnection } from '../../worker/create-worker';
import { deleteTopic, testKafka } from '../support/kafka';
import { uniqueName } from '../support/names';
import { runExportWorker, type QueueWorker } from '../support/export-harness';
import { quietTemporalRuntime, quietWorkflowBundle } from '../support/quiet-runtime';
import { makeScheduling } from '../support/scheduling';
import { createSmtpServer, type TestSmtpServer } from '../support/smtp';
import { eventually } from '../support/eventually';
import { exportJob, notifyRunFailure } from '../../workflows';
import { notifyWorkflowIdOf } from '../../core/temporal/naming';

const textOf = (mail: ParsedMail) => mail.text ?? '';
const recipientsOf = (mail: ParsedMail) =>
  (Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : []).map((a) => a.text).join(', ');

describe('job failure notification: one e-mail per failed run, through a real SMTP server', () => {
  const kafka = testKafka();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pstt-notify-'));
  const dbFile = path.join(dir, 'orders.db');
  const topic = uniqueName('pstt-notify');
  let config: AppConfig;
  let client: Client;
  let connection: NativeConnection;
  let bundle: WorkflowBundle;
  let smtp: TestSmtpServer;
  let worker: QueueWorker;
  const workers: QueueWorker[] = [];

  async function startWorker(env: NodeJS.ProcessEnv, workflowBundle: WorkflowBundle = bundle): Promise<QueueWorker> {
    const taskQueue = uniqueName('pstt-notify-queue');
    const w = await runExportWorker({ config, connection, env, taskQueue, workflowBundle });
    workers.push(w);
    return w;
  }

  beforeAll(async () => {
    quietTemporalRuntime();
    ensureDemoDatabase(dbFile, 100);
    await ensureTopic(kafka, topic, 1);
    const base = loadConfig();
    config = {
      ...base,
      metrics: { ...base.metrics, url: `sqlite:${path.join(dir, 'metrics.db')}` },
      sources: { orders: { url: `sqlite:${dbFile}` }, down: { url: 'postgres://pstt@127.0.0.1:1/none' } },
    };
    client = await connectTemporalClient(config.temporal);
    connection = await connectWorkerConnection(config);
    bundle = await quietWorkflowBundle();
    smtp = await createSmtpServer();
    worker = await startWorker(smtp.env());
  });

  afterAll(async () => {
    for (const w of workers) await w.stop();
    await smtp.stop();
    await client.connection.close();
    await connection.close();
    await deleteTopic(kafka, topic);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function scheduling(overrides: Partial<SchedulingInput> = {}): Scheduling {
    return makeScheduling({
      name: uniqueName('notify'),
      schedule: { every: '1h' },
      source: 'orders',
      query: 'SELECT order_id, customer FROM orders ORDER BY order_id',
      export_format: 'kafka',
      timeout: 60,
      retry: { max_attempts: 1 },
      kafka_config: { topic, message_key_field: 'order_id' },
      ...overrides,
    });
  }

  /** Runs one export on `taskQueue` and returns how it failed, with the run's ids. */
  async function failedRun(s: Scheduling, taskQueue: string) {
    const workflowId = uniqueName('export-notify');
    const input: ExportJobInput = { scheduling: s };
    const error = await client.workflow.execute(exportJob, { taskQueue, workflowId, args: [input] }).then(
      () => {
        throw new Error('expected the export to fail');
      },
      (err: unknown) => err,
    );
    const { runId } = await client.workflow.getHandle(workflowId).describe();
    return { error, workflowId, runId };
  }

  const notification = (workflowId: string) => client.workflow.getHandle(notifyWorkflowIdOf(workflowId));
  const about = (s: Scheduling) => (mail: ParsedMail) => mail.subject === `[PSTT] Job failure notification: ${s.name}`;

  it('a run that fails for good e-mails its notify list once: scheduling, error, attempts, workflow id and link', async () => {
    const s = scheduling({
      notify: ['owner@example.com', 'backup@example.com'],
      kafka_config: { topic, message_key_field: 'order_number' },
    });
    const { error, workflowId, runId } = await failedRun(s, worker.taskQueue);
    expect(error).toBeInstanceOf(WorkflowFailedError);

    const result = (await notification(workflowId).result()) as NotificationResult;
    expect(result).toMatchObject({ delivered: true, skipped: null });
    const mails = smtp.matching(about(s));
    expect(mails).toHaveLength(1);
    const [mail] = mails as [ParsedMail];
    expect(recipientsOf(mail)).toBe('owner@example.com, backup@example.com');
    expect(mail.from?.text).toBe('pstt-tool@example.com');
    const text = textOf(mail);
    expect(text).toContain(`Scheduling: ${s.name}\n`);
    expect(text).toContain(
      'Error: message_key_field "order_number" is not a column of the query; columns: order_id, customer\n',
    );
    expect(text).toContain('Error type: MissingKeyFieldError\n');
    expect(text).toContain('Attempts: 1\n');
    expect(text).toContain(`Workflow id: ${workflowId}\n`);
    expect(text).toContain(`Run id: ${runId}\n`);
    const link = `${config.temporal.web_ui}/namespaces/${config.temporal.namespace}/workflows/${workflowId}/${runId}/history`;
    expect(text).toContain(`Run in the Temporal Web UI: ${link}`);

    // The child outlives its parent (ABANDON) and is a run of its own, visible and retried in Temporal.
    const child = await notification(workflowId).describe();
    expect(child.type).toBe(notifyRunFailure.name);
    expect(child.status.name).toBe('COMPLETED');
    expect(child.raw.workflowExecutionInfo?.parentExecution?.workflowId).toBe(workflowId);
  });

  it('after retries run out it tells SMTP_TO (no notify list) how many attempts were made', async () => {
    const s = scheduling({ source: 'down', retry: { max_attempts: 2, initial_backoff: '1s', max_backoff: '1s' } });
    const { error, workflowId } = await failedRun(s, worker.taskQueue);
    expect((error as WorkflowFailedError).cause).toMatchObject({ retryState: 'MAXIMUM_ATTEMPTS_REACHED' });
    await notification(workflowId).result();
    const mails = smtp.matching(about(s));
    expect(mails).toHaveLength(1);
    expect(recipientsOf(mails[0]!)).toBe('ops-team@example.com');
    expect(textOf(mails[0]!)).toContain('Attempts: 2\n');
    expect(textOf(mails[0]!)).toMatch(/Error: .*(ECONNREFUSED|connect)/);
  });

  it('with the SMTP server down the run fails as before, and the e-mail goes out once the server is back', async () => {
    const late = await createSmtpServer({ listening: false });
    try {
      const downWorker = await startWorker(late.env());
      const s = scheduling({ kafka_config: { topic, message_key_field: 'order_number' } });
      const { error, workflowId } = await failedRun(s, downWorker.taskQueue);
      // The same failure as without e-mail: the notification changes nothing about the run.
      const cause = (error as WorkflowFailedError).cause?.cause as Error & { type?: string; nonRetryable?: boolean };
      expect(cause).toMatchObject({ type: 'MissingKeyFieldError', nonRetryable: true });

      // The e-mail activity fails against the dead server and is being retried.
      const pending = await eventually('a failed e-mail attempt', async () => {
        const d = await notification(workflowId).describe();
        const activity = d.raw.pendingActivities?.[0];
        return activity && (activity.attempt ?? 0) >= 2 ? activity : undefined;
      });
      expect(pending.lastFailure?.message).toMatch(/ECONNREFUSED/);
      expect(late.received).toHaveLength(0);

      // An export that works still succeeds while e-mail is down.
      const ok = await client.workflow.execute(exportJob, {
        taskQueue: downWorker.taskQueue,
        workflowId: uniqueName('export-notify-ok'),
        args: [{ scheduling: scheduling() } satisfies ExportJobInput],
      });
      expect(ok).toMatchObject({ rows: 100, messages: 100 });

      await late.start();
      const result = (await notification(workflowId).result()) as NotificationResult;
      expect(result.delivered).toBe(true);
      expect(late.matching(about(s))).toHaveLength(1);
      expect(textOf(late.received[0]!)).toContain('Error type: MissingKeyFieldError');
    } finally {
      await late.stop();
    }
  });

  it('replays a failed run recorded by the workflow code before notifications, without starting a child', async () => {
    const oldBundle = await quietWorkflowBundle(require.resolve('../fixtures/export-job-v1'));
    const oldWorker = await startWorker(smtp.env(), oldBundle);
    const s = scheduling({ kafka_config: { topic, message_key_field: 'order_number' } });
    const { workflowId } = await failedRun(s, oldWorker.taskQueue);
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    // Today's code replays it: the patch keeps the child workflow out of histories that lack its marker.
    await expect(
      Worker.runReplayHistory({ workflowBundle: bundle, replayName: 'v1' }, history, workflowId),
    ).resolves.toBeUndefined();
    await expect(notification(workflowId).describe()).rejects.toThrow(WorkflowNotFoundError);
    expect(smtp.matching(about(s))).toHaveLength(0);
  });
});
