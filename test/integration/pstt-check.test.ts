import { WorkflowFailedError } from '@temporalio/client';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AppConfig } from '../../core/config';
import type { ExportJobInput } from '../../core/job';
import type { HealthReport } from '../../cli/ops/health-check';
import { healthLogFile } from '../../cli/ops/health-log';
import { EXPORT_FORMAT, SCHEDULING_NAME } from '../../core/temporal/naming';
import { taskQueuePollers } from '../../core/temporal/task-queue-pollers';
import { startApiStack, type ApiStack } from '../support/api-stack';
import { uniqueName } from '../support/names';
import { pstt } from '../support/pstt-cli';
import { failingKafkaScheduling } from '../support/scheduling';
import { createSmtpServer, type TestSmtpServer } from '../support/smtp';
import { eventually } from '../support/eventually';
import { freePort } from '../support/ports';
import { exportJob } from '../../workflows';

/** A PSTT stack (API on a real port, worker on its own task queue, metrics store) with the check's view of it. */
interface Stack extends ApiStack {
  url: string;
  token: string;
  /** Records `sends` real send records of `messagesPerSend` messages in the stack's metrics store. */
  record(sends: number, messagesPerSend: number, latencyMs: number, success: boolean): Promise<void>;
}

describe('pstt check against real stacks (API, Temporal, Kafka, metrics store)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pstt-check-'));
  const dataDir = path.join(dir, 'data');
  const stacks: Stack[] = [];
  let smtp: TestSmtpServer;

  async function startStack(): Promise<Stack> {
    const api = await startApiStack({ rows: 10 });
    const stack: Stack = Object.assign(api, {
      url: await api.listen(),
      token: api.tokens.read,
      async record(sends: number, messagesPerSend: number, latencyMs: number, success: boolean) {
        for (let i = 0; i < sends; i++) {
          api.metrics.record({
            at: new Date(),
            topic: 'pstt-check',
            scheduling: 'check-test',
            messages: messagesPerSend,
            bytes: messagesPerSend * 200,
            latencyMs,
            success,
            error: success ? null : 'test failure',
          });
        }
        await api.metrics.flush();
      },
    });
    stacks.push(stack);
    // The worker must be polling before the check looks for it.
    await eventually("a worker polling the stack's task queue", async () =>
      (await taskQueuePollers(api.client, api.config.temporal.task_queue)).length > 0 ? true : undefined,
    );
    return stack;
  }

  /**
   * The CLI's environment for a stack. This host's disk is what it is and the jest process is large: the
   * disk and memory bands are unit-tested, here they are only measured.
   */
  const envFor = (
    config: Pick<AppConfig, 'temporal' | 'metrics'>,
    extra: NodeJS.ProcessEnv = {},
  ): NodeJS.ProcessEnv => ({
    TEMPORAL_TASK_QUEUE: config.temporal.task_queue,
    PSTT_METRICS_URL: config.metrics.url,
    PSTT_DATA_DIR: dataDir,
    PSTT_API_TOKEN: '',
    ALERT_DISK_FREE_WARNING: '0',
    ALERT_DISK_FREE_CRITICAL: '0',
    ALERT_MEMORY_WARNING_MB: '1048576',
    ALERT_MEMORY_CRITICAL_MB: '1048576',
    ...extra,
  });

  const statuses = (report: HealthReport) => Object.fromEntries(report.checks.map((c) => [c.name, c.status]));

  beforeAll(async () => {
    smtp = await createSmtpServer();
  });

  afterAll(async () => {
    for (const s of stacks) await s.close();
    await smtp.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('an ok stack exits 0 with the runbook ✅ lines, reads the generated token file and appends the day log', async () => {
    const stack = await startStack();
    await stack.record(10, 100, 20, true);
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'api-admin-token'), `${stack.token}\n`, { mode: 0o600 });
    try {
      const result = await pstt(['check', '--api-url', stack.url], envFor(stack.config));
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const lines = result.stdout.trim().split('\n');
      expect(lines).toEqual(
        expect.arrayContaining([
          '✅ Servizio: Running',
          `✅ Worker: 1 in ascolto sulla coda ${stack.config.temporal.task_queue}`,
          '✅ Kafka: Connected',
          '📊 Messaggi oggi: 1000',
          '📊 Success rate: 100%',
          '✅ Job falliti: 0',
          '✅ Health check completato: nessun problema',
        ]),
      );
      // The worker is this jest process: measured from /proc through its Temporal identity.
      expect(lines).toContainEqual(
        expect.stringMatching(new RegExp(`^💾 Memoria worker ${process.pid}@.+: \\d+\\.\\d\\d GB$`)),
      );
      expect(lines).toContainEqual(expect.stringMatching(/^💾 Memoria API: \d+\.\d\d GB$/));
      expect(lines).toContainEqual(expect.stringMatching(/^📊 Latenza media: 20 ms, p99: [\d.]+ ms$/));
      expect(lines).toContainEqual(expect.stringMatching(/^🗄️ Metriche storage: \d+\.\d (KB|MB)$/));

      const log = fs.readFileSync(healthLogFile(path.join(dataDir, 'logs'), new Date()), 'utf8');
      expect(log).toContain(`pstt check ${stack.url}: ok (exit 0)`);
      expect(log).toContain('✅ Kafka: Connected');
      expect(log + result.stdout).not.toContain(stack.token);
    } finally {
      fs.rmSync(path.join(dataDir, 'api-admin-token'));
    }
  });

  it('a success rate in the warning band exits 1, prints JSON and e-mails the report', async () => {
    const stack = await startStack();
    await stack.record(97, 10, 30, true);
    await stack.record(3, 10, 30, false);
    const mailsBefore = smtp.received.length;

    const result = await pstt(
      ['check', '--api-url', stack.url, '--json', '--email'],
      envFor(stack.config, { ...smtp.env(), PSTT_API_TOKEN: stack.token }),
    );
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as HealthReport;
    expect(report).toMatchObject({ status: 'warning', exit_code: 1, api_url: stack.url });
    expect(statuses(report)).toEqual({
      service: 'ok',
      worker: 'ok',
      kafka: 'ok',
      success_rate: 'warning',
      latency: 'ok',
      failed_runs: 'ok',
      memory: 'ok',
      disk: 'ok',
      metrics_store: 'ok',
    });
    expect(report.checks.find((c) => c.name === 'success_rate')?.value).toBe(97);
    expect(report.lines).toContain('⚠️ WARNING: Success rate < 98%');
    expect(result.stderr).toContain('📧 Report inviato a ops-team@example.com');

    expect(smtp.received.length).toBe(mailsBefore + 1);
    const mail = smtp.received.at(-1)!;
    expect(mail.subject).toBe('PSTT Tool - Kafka Health Check: Issues Found');
    expect(mail.text).toContain('⚠️ WARNING: Success rate < 98%');
    expect(mail.text).not.toContain(stack.token);
  });

  it('a failed Kafka run and a p99 past 5 s make a critical stack: exit 2', async () => {
    const stack = await startStack();
    await stack.record(50, 10, 6000, true);
    const scheduling = failingKafkaScheduling(uniqueName('broken'));
    const input: ExportJobInput = { scheduling };
    const handle = await stack.client.workflow.start(exportJob, {
      taskQueue: stack.config.temporal.task_queue,
      workflowId: uniqueName('check-failed-run'),
      args: [input],
      typedSearchAttributes: [
        { key: SCHEDULING_NAME, value: scheduling.name },
        { key: EXPORT_FORMAT, value: 'kafka' },
      ],
    });
    await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
    // The failure must be visible in the stack's history (visibility may lag the close).
    await eventually('the failed run in the history', async () => {
      const res = await fetch(`${stack.url}/api/scheduler/history?status=error`, { headers: stack.bearer('read') });
      return ((await res.json()) as unknown[]).length > 0 ? true : undefined;
    });

    const result = await pstt(
      ['check', '--api-url', stack.url, '--json'],
      envFor(stack.config, { PSTT_API_TOKEN: stack.token }),
    );
    expect(result.code).toBe(2);
    const report = JSON.parse(result.stdout) as HealthReport;
    expect(report).toMatchObject({ status: 'critical', exit_code: 2 });
    expect(statuses(report)).toMatchObject({
      service: 'ok',
      kafka: 'ok',
      success_rate: 'ok',
      latency: 'critical',
      failed_runs: 'critical',
    });
    expect(report.lines).toContain('❌ CRITICAL: Latenza p99 > 5000ms');
    expect(report.lines).toContain(`⚠️ Job falliti: 1 su 1 job Kafka nelle ultime 24h: ${scheduling.name}`);
  });

  it('an unreachable API is critical: exit 2 with the reason on each line', async () => {
    const port = await freePort();
    const nowhere = {
      temporal: { task_queue: uniqueName('pstt-check-none') },
      metrics: { url: 'sqlite:' },
    } as AppConfig;

    const result = await pstt(
      ['check', '--api-url', `http://127.0.0.1:${port}`],
      envFor(nowhere, { PSTT_API_TOKEN: 'any' }),
    );
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(
      new RegExp(`^❌ Servizio: API non raggiungibile \\(GET http://127.0.0.1:${port}/healthz: .*ECONNREFUSED`, 'm'),
    );
    expect(result.stdout).toMatch(/^❌ Kafka: Unreachable/m);
    expect(result.stdout).toMatch(/^❌ Metriche non disponibili/m);
  });

  it('a bad flag exits 3 naming the flag and what it expects, before checking anything', async () => {
    const result = await pstt(['check', '--api-url', 'localhost:8000'], { PSTT_DATA_DIR: dataDir });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      '--api-url: expected an http:// or https:// URL such as http://127.0.0.1:8000, got "localhost:8000"',
    );
    expect(result.stdout).toBe('');
  });
});
