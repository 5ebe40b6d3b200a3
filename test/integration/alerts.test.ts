import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import express, { type Express } from 'express';
import type { ParsedMail } from 'mailparser';
import request from 'supertest';
import { TokenRegistry } from '../../api/auth';
import { jsonErrorHandler } from '../../api/http-errors';
import { alertsRoutes } from '../../api/routes/alerts-routes';
import { AlertMonitor, type EvaluationReport } from '../../core/alerts/alert-monitor';
import type { AlertStore } from '../../core/alerts/alert-store';
import { createAlertStore } from '../../core/alerts/create-alert-store';
import { loadConfig, type AppConfig } from '../../core/config';
import type { ExportJobInput } from '../../core/job';
import { createKafka } from '../../core/kafka/client';
import { probeCluster } from '../../core/kafka/cluster-probe';
import { ensureTopic } from '../../core/kafka/topics';
import { Mailer } from '../../core/mail/mailer';
import { createMetricsStore } from '../../core/metrics/create-metrics-store';
import type { MetricsStore } from '../../core/metrics/metrics-store';
import type { SendRecord } from '../../core/metrics/send-record';
import { connectTemporalClient } from '../../core/temporal/client';
import { alertScheduleIdOf, notifyWorkflowIdOf } from '../../core/temporal/naming';
import { ensureAlertSchedule } from '../../core/temporal/alert-schedule';
import { ensureDemoDatabase } from '../../devstack/demo-data';
import { connectWorkerConnection } from '../../worker/create-worker';
import { deleteTopic, testKafka } from '../support/kafka';
import { uniqueName } from '../support/names';
import { runExportWorker } from '../support/export-harness';
import { quietTemporalRuntime } from '../support/quiet-runtime';
import { failingKafkaScheduling, makeScheduling } from '../support/scheduling';
import { createSmtpServer, type TestSmtpServer } from '../support/smtp';
import { eventually } from '../support/eventually';
import { alertEvaluation, exportJob } from '../../workflows';
import { envSectionsOf } from '../support/runtime-config';

const READ_TOKEN = uniqueName('read-token');
const isAlert = (mail: ParsedMail) => /^\[PSTT\] (WARNING|CRITICAL|RESOLVED)/.test(mail.subject ?? '');

/**
 * Threshold alerts end to end: real send records in a real SQLite metrics store, evaluations run by the
 * `alertEvaluation` workflow on a real worker, e-mails read back from a real SMTP server on loopback.
 */
describe('threshold alerts', () => {
  const kafka = testKafka();
  const topic = uniqueName('pstt-alerts');
  const dirs: string[] = [];
  const closers: Array<() => Promise<void>> = [];
  let base: AppConfig;
  let client: Client;
  let connection: NativeConnection;
  let ordersDb: string;

  /** One deployment: its own task queue, metrics database, worker and read side (store + GET /api/alerts). */
  interface Deployment {
    config: AppConfig;
    metrics: MetricsStore;
    alerts: AlertStore;
    app: Express;
    evaluate(): Promise<EvaluationReport>;
    record(count: number, over?: Partial<SendRecord>): Promise<void>;
  }

  async function deployment(env: NodeJS.ProcessEnv): Promise<Deployment> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pstt-alerts-'));
    dirs.push(dir);
    const metricsUrl = `sqlite:${path.join(dir, 'metrics.db')}`;
    const config: AppConfig = {
      ...base,
      temporal: { ...base.temporal, task_queue: uniqueName('pstt-alerts-queue') },
      metrics: { ...base.metrics, url: metricsUrl },
      sources: { orders: { url: `sqlite:${ordersDb}` } },
    };
    const worker = await runExportWorker({ config, connection, env });
    // The test's own handles on the same database, as the API process has.
    const metrics = createMetricsStore(metricsUrl);
    const alerts = createAlertStore(metricsUrl);
    closers.push(async () => {
      await worker.stop();
      await metrics.close();
      await alerts.close();
    });
    const app = express();
    app.use(
      '/api/alerts',
      alertsRoutes({ auth: new TokenRegistry([{ name: 'r', role: 'read', token: READ_TOKEN }]), alerts }),
    );
    app.use(jsonErrorHandler);
    return {
      config,
      metrics,
      alerts,
      app,
      evaluate: () =>
        client.workflow.execute(alertEvaluation, {
          taskQueue: config.temporal.task_queue,
          workflowId: uniqueName('alert-evaluation-test'),
        }),
      async record(count, over = {}) {
        for (let i = 0; i < count; i++) {
          metrics.record({
            at: new Date(),
            topic,
            scheduling: 'alerts-test',
            messages: 10,
            bytes: 1000,
            latencyMs: 10,
            success: true,
            error: null,
            ...over,
          });
        }
        await metrics.flush();
      },
    };
  }

  const getAlerts = (d: Deployment) => request(d.app).get('/api/alerts').set('Authorization', `Bearer ${READ_TOKEN}`);
  const ruleOf = (report: EvaluationReport, rule: string) => report.rules.find((r) => r.rule === rule);

  beforeAll(async () => {
    quietTemporalRuntime();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pstt-alerts-orders-'));
    dirs.push(dir);
    ordersDb = path.join(dir, 'orders.db');
    ensureDemoDatabase(ordersDb, 50);
    await ensureTopic(kafka, topic, 1);
    base = loadConfig();
    client = await connectTemporalClient(base.temporal);
    connection = await connectWorkerConnection(base);
  });

  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    await client.connection.close();
    await connection.close();
    await deleteTopic(kafka, topic);
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('with the SMTP server up', () => {
    let smtp: TestSmtpServer;
    let d: Deployment;

    beforeAll(async () => {
      smtp = await createSmtpServer();
      closers.push(() => smtp.stop());
      d = await deployment(smtp.env());
    });

    it('warning, then critical, then resolved as send records cross the success-rate thresholds: one e-mail each', async () => {
      const first = await d.evaluate();
      expect(first.rules.map((r) => [r.rule, r.state])).toEqual([
        ['kafka_connection', 'ok'],
        ['success_rate', 'ok'],
        ['latency_p99', 'ok'],
        ['job_failure_rate', 'ok'],
      ]);
      expect(first.transitions).toBe(0);

      // 1000 messages, 30 failed: 97% is below the 98% warning threshold.
      await d.record(97);
      await d.record(3, { success: false, error: 'broker down' });
      const warning = await d.evaluate();
      expect(warning).toMatchObject({ transitions: 1, delivered: 1, undelivered: 0 });
      expect(ruleOf(warning, 'success_rate')).toMatchObject({ state: 'warning', value: 97 });
      expect(smtp.matching(isAlert).map((m) => m.subject)).toEqual(['[PSTT] WARNING: Success rate']);
      expect(smtp.matching(isAlert)[0]!.text).toContain(
        'Success rate 97% over the last 15 minutes (1000 messages, 30 failed)',
      );
      expect(smtp.matching(isAlert)[0]!.to).toMatchObject({ text: 'ops-team@example.com' });

      // Same state at the next evaluation: no second e-mail.
      const again = await d.evaluate();
      expect(again).toMatchObject({ transitions: 0, delivered: 0 });
      expect(smtp.matching(isAlert)).toHaveLength(1);

      // 500 more failed messages: 1500 messages, 530 failed, 64.67%: critical.
      await d.record(50, { success: false, error: 'broker down' });
      expect(ruleOf(await d.evaluate(), 'success_rate')).toMatchObject({ state: 'critical', value: 64.67 });
      // 30,000 good messages: 530 of 31,500 failed, 98.32%: resolved.
      await d.record(3000);
      expect(ruleOf(await d.evaluate(), 'success_rate')).toMatchObject({ state: 'ok', value: 98.32 });
      await d.evaluate();
      expect(smtp.matching(isAlert).map((m) => m.subject)).toEqual([
        '[PSTT] WARNING: Success rate',
        '[PSTT] CRITICAL: Success rate',
        '[PSTT] RESOLVED: Success rate',
      ]);

      const res = await getAlerts(d);
      expect(res.status).toBe(200);
      const body = res.body as {
        status: string;
        rules: Array<{ rule: string }>;
        alerts: Array<Record<string, unknown>>;
      };
      expect(body.status).toBe('ok');
      expect(body.rules.find((r) => r.rule === 'success_rate')).toMatchObject({
        rule: 'success_rate',
        title: 'Success rate',
        state: 'ok',
        value: 98.32,
        unit: '%',
        warning_threshold: 98,
        critical_threshold: 95,
      });
      expect(body.alerts.map((a) => `${String(a.previous_state)}->${String(a.state)}`)).toEqual([
        'critical->ok',
        'warning->critical',
        'ok->warning',
      ]);
      expect(body.alerts[0]).toMatchObject({
        rule: 'success_rate',
        value: 98.32,
        threshold: 98,
        delivered: true,
        delivery_attempts: 1,
        last_delivery_error: null,
      });
      expect(Object.keys(body.alerts[0]!).sort()).toEqual(
        [
          'at',
          'delivered',
          'delivered_at',
          'delivery_attempts',
          'id',
          'last_delivery_error',
          'message',
          'previous_state',
          'rule',
          'state',
          'threshold',
          'value',
        ].sort(),
      );
      expect((await request(d.app).get('/api/alerts')).status).toBe(401);
      expect((await getAlerts(d).query({ limit: 0 })).status).toBe(400);
    });

    it('turns critical when exportJob runs fail, counted from Temporal visibility', async () => {
      const s = failingKafkaScheduling(uniqueName('alerts-failing'));
      const workflowId = uniqueName('export-alerts');
      const input: ExportJobInput = { scheduling: s };
      await expect(
        client.workflow.execute(exportJob, { taskQueue: d.config.temporal.task_queue, workflowId, args: [input] }),
      ).rejects.toThrow(WorkflowFailedError);
      // Visibility catches up with the closed run shortly after it closes.
      const report = await eventually('job failure rate critical', async () => {
        const r = await d.evaluate();
        return ruleOf(r, 'job_failure_rate')?.state === 'critical' ? r : undefined;
      });
      expect(ruleOf(report, 'job_failure_rate')).toMatchObject({ value: 100 });
      await client.workflow.getHandle(notifyWorkflowIdOf(workflowId)).result();
      expect(smtp.matching((m) => m.subject === '[PSTT] CRITICAL: Job failure rate')).toHaveLength(1);
      expect(smtp.matching((m) => m.subject === `[PSTT] Job failure notification: ${s.name}`)).toHaveLength(1);
    });

    it('the alert schedule is made once, updated when its interval changes, and its runs evaluate', async () => {
      const scheduleId = alertScheduleIdOf(d.config.temporal.task_queue);
      const handle = client.schedule.getHandle(scheduleId);
      try {
        expect(await ensureAlertSchedule(client, d.config, envSectionsOf({}).alerts)).toBe('created');
        expect(await ensureAlertSchedule(client, d.config, envSectionsOf({}).alerts)).toBe('unchanged');
        expect((await handle.describe()).spec.intervals).toMatchObject([{ every: 5 * 60_000 }]);
        expect(await ensureAlertSchedule(client, d.config, { evaluationInterval: '10m' })).toBe('updated');
        const description = await handle.describe();
        expect(description.spec.intervals).toMatchObject([{ every: 10 * 60_000 }]);
        expect(description.action).toMatchObject({
          workflowType: alertEvaluation.name,
          taskQueue: d.config.temporal.task_queue,
        });
        const evaluated = (await d.alerts.states())[0]!.evaluated_at.getTime();
        await handle.trigger();
        const runId = await eventually(
          'a scheduled evaluation',
          async () => (await handle.describe()).info.recentActions[0]?.action.workflow,
        );
        const report = (await client.workflow
          .getHandle(runId.workflowId, runId.firstExecutionRunId)
          .result()) as EvaluationReport;
        expect(Date.parse(report.evaluated_at)).toBeGreaterThan(evaluated);
      } finally {
        await handle.delete();
      }
    });
  });

  it('with the SMTP server down, a transition is logged undelivered, retried, and e-mailed once the server is back', async () => {
    const late = await createSmtpServer({ listening: false });
    closers.push(() => late.stop());
    const d = await deployment(late.env());

    // p99 of 1500 ms is above the 1000 ms warning threshold.
    await d.record(20, { latencyMs: 1500 });
    const down = await d.evaluate();
    expect(down).toMatchObject({ transitions: 1, delivered: 0, undelivered: 1 });
    expect(ruleOf(down, 'latency_p99')?.state).toBe('warning');
    let alert = (await getAlerts(d)).body.alerts[0];
    expect(alert).toMatchObject({
      rule: 'latency_p99',
      state: 'warning',
      delivered: false,
      delivery_attempts: 1,
      delivered_at: null,
    });
    expect(alert.last_delivery_error).toMatch(/ECONNREFUSED/);

    // Still down: the next evaluation tries again, and logs no new transition.
    expect(await d.evaluate()).toMatchObject({ transitions: 0, delivered: 0, undelivered: 1 });
    expect((await getAlerts(d)).body.alerts[0]).toMatchObject({ delivered: false, delivery_attempts: 2 });

    // Exports do not depend on e-mail.
    const ok = await client.workflow.execute(exportJob, {
      taskQueue: d.config.temporal.task_queue,
      workflowId: uniqueName('export-alerts-ok'),
      args: [
        {
          scheduling: makeScheduling({
            name: uniqueName('alerts-ok'),
            schedule: { every: '1h' },
            source: 'orders',
            query: 'SELECT order_id FROM orders ORDER BY order_id',
            export_format: 'kafka',
            kafka_config: { topic, message_key_field: 'order_id' },
          }),
        } satisfies ExportJobInput,
      ],
    });
    expect(ok).toMatchObject({ rows: 50, messages: 50 });

    await late.start();
    expect(await d.evaluate()).toMatchObject({ transitions: 0, delivered: 1, undelivered: 0 });
    expect(late.matching(isAlert).map((m) => m.subject)).toEqual(['[PSTT] WARNING: Latency p99']);
    alert = (await getAlerts(d)).body.alerts[0];
    expect(alert).toMatchObject({ delivered: true, delivery_attempts: 3, last_delivery_error: null });
    await d.evaluate();
    expect(late.matching(isAlert)).toHaveLength(1);
  });

  it('Kafka disconnected: remembered between evaluations, warning past 5 minutes, critical past 15, resolved on reconnect', async () => {
    const smtp = await createSmtpServer();
    closers.push(() => smtp.stop());
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pstt-alerts-kafka-'));
    dirs.push(dir);
    const url = `sqlite:${path.join(dir, 'metrics.db')}`;
    const metrics = createMetricsStore(url);
    const mailer = new Mailer(envSectionsOf(smtp.env()).smtp!);
    const config = envSectionsOf({}).alerts;
    const unreachable = createKafka({ ...base.kafka, bootstrap_servers: ['127.0.0.1:1'] });
    const reachable = createKafka(base.kafka);
    const t0 = Date.now();
    try {
      // Each evaluation with its own store and monitor, as separate activity runs: the state is in the database.
      const evaluateAt = async (minutes: number, kafkaClient: typeof reachable) => {
        const alerts = createAlertStore(url);
        try {
          const now = new Date(t0 + minutes * 60_000);
          // A short deadline where no broker listens; a generous one for the real broker, busy under the full suite.
          const probe = await probeCluster(kafkaClient, kafkaClient === reachable ? 15_000 : 2_000);
          return await new AlertMonitor(alerts, mailer, config).evaluate({
            now,
            kafka: { connected: probe.brokers > 0, error: probe.error },
            metrics: await metrics.recentSummary(config.metricsWindowMinutes, now),
            jobs: { closed: 0, failed: 0 },
          });
        } finally {
          await alerts.close();
        }
      };
      const kafkaRule = (r: EvaluationReport) => ruleOf(r, 'kafka_connection');
      expect(kafkaRule(await evaluateAt(0, unreachable))).toMatchObject({ state: 'ok', value: 0 });
      expect(kafkaRule(await evaluateAt(4, unreachable))).toMatchObject({ state: 'ok', value: 4 });
      expect(kafkaRule(await evaluateAt(6, unreachable))).toMatchObject({ state: 'warning', value: 6 });
      expect(kafkaRule(await evaluateAt(10, unreachable))).toMatchObject({ state: 'warning', value: 10 });
      expect(kafkaRule(await evaluateAt(16, unreachable))).toMatchObject({ state: 'critical', value: 16 });
      expect(kafkaRule(await evaluateAt(17, reachable))).toMatchObject({ state: 'ok', value: 0 });
      expect(smtp.matching(isAlert).map((m) => m.subject)).toEqual([
        '[PSTT] WARNING: Kafka connection',
        '[PSTT] CRITICAL: Kafka connection',
        '[PSTT] RESOLVED: Kafka connection',
      ]);
      expect(smtp.matching(isAlert)[0]!.text).toContain(
        `Kafka disconnected for 6 minutes (since ${new Date(t0).toISOString()})`,
      );
    } finally {
      mailer.close();
      await metrics.close();
    }
  });
});
