import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { parse, stringify } from 'yaml';
import type { RunView } from '../../api/contract';
import { ensureTopic } from '../../core/kafka/topics';
import { scheduleIdOf } from '../../core/temporal/naming';
import { ensureDeployTools, type DeployTools } from '../../devstack/deploy-tools';
import { spawnWorkerProcess } from '../../worker/spawn-worker';
import { startApiStack, type ApiStack } from '../support/api-stack';
import { dashboardQueries, metricNamesOf, PROMETHEUS_FILE } from '../support/dashboard';
import { deleteTopic, testKafka } from '../support/kafka';
import { uniqueName } from '../support/names';
import { freePort } from '../support/ports';
import { writeWorkerConfig } from '../support/worker-config';
import { exited } from '../support/child-process';

/** Scrapes every second here (60 s in the file): the test waits for scrapes, not for minutes. */
const TEST_SCRAPE_INTERVAL = '1s';

interface PromResponse<T> {
  status: string;
  data: T;
}
type Sample = { metric: Record<string, string>; value: [number, string] };

/**
 * Issue 13 item 5: Debian's Prometheus, on loopback with its own port and data folder, runs
 * docker/prometheus/prometheus.yml (its jobs, metrics path and read-token authorization; only the
 * targets point at this test's API and worker) against a live API and a real worker process; every
 * query of docker/grafana/pstt-dashboard.json is evaluated through Prometheus's HTTP API and must
 * return data, from metrics the API and the worker really export.
 */
describe('the Grafana dashboard queries, through a real Prometheus scraping the live API and a worker', () => {
  const kafka = testKafka();
  const topic = uniqueName('deploy-prom');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-prom-'));
  let tools: DeployTools;
  let stack: ApiStack;
  let apiUrl: string;
  let worker: ChildProcess | undefined;
  let workerTarget: string;
  let prometheus: ChildProcess | undefined;
  let promUrl: string;
  let failedScheduling: string;

  async function promApi<T>(pathAndQuery: string): Promise<T> {
    const res = await fetch(`${promUrl}${pathAndQuery}`);
    const body = (await res.json()) as PromResponse<T>;
    if (body.status !== 'success') throw new Error(`Prometheus ${pathAndQuery}: ${JSON.stringify(body)}`);
    return body.data;
  }
  const query = (expr: string) =>
    promApi<{ result: Sample[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`).then((d) => d.result);

  /** Polls until `check` holds; throws with what it last saw after `tries` (a bound, not a timed assertion). */
  async function until<T>(what: string, read: () => Promise<T>, check: (v: T) => boolean, tries = 600): Promise<T> {
    let last: T | undefined;
    for (let i = 0; i < tries; i++) {
      last = await read().catch(() => undefined);
      if (last !== undefined && check(last)) return last;
      await sleep(200);
    }
    throw new Error(`${what}: last seen ${JSON.stringify(last)}`);
  }

  beforeAll(async () => {
    const started = Date.now();
    tools = await ensureDeployTools((line) => process.stdout.write(`  ${line}\n`));
    process.stdout.write(
      `  deploy tools ready in ${((Date.now() - started) / 1000).toFixed(1)} s (apt-get: ${(tools.installMs / 1000).toFixed(1)} s)\n`,
    );
    await ensureTopic(kafka, topic, 1);
    stack = await startApiStack({ rows: 1_000 });
    apiUrl = await stack.listen();

    // A real worker process serving its own /metrics, as compose's worker does.
    const workerPort = await freePort();
    workerTarget = `127.0.0.1:${workerPort}`;
    const configFile = writeWorkerConfig(path.join(dir, 'worker.yaml'), {
      taskQueue: uniqueName('deploy-prom-queue'),
      sources: {},
      more: { metrics: { url: `sqlite:${path.join(dir, 'worker-metrics.db')}` }, worker: { metrics_port: workerPort } },
    });
    worker = spawnWorkerProcess(configFile, path.join(dir, 'worker.log'), 'w');
    await until(
      'the worker /metrics',
      () => fetch(`http://${workerTarget}/metrics`).then((r) => r.status),
      (s) => s === 200,
    );

    // The file's scrape jobs, pointed at this test's API and worker; the read token beside the config, as in compose.
    const config = parse(fs.readFileSync(PROMETHEUS_FILE, 'utf8')) as {
      global: Record<string, unknown>;
      scrape_configs: Array<Record<string, unknown> & { job_name: string }>;
    };
    config.global.scrape_interval = TEST_SCRAPE_INTERVAL;
    const targets: Record<string, string> = { 'pstt-tool-kafka': new URL(apiUrl).host, 'pstt-worker': workerTarget };
    for (const job of config.scrape_configs) {
      job.scrape_interval = TEST_SCRAPE_INTERVAL;
      delete job.dns_sd_configs;
      job.static_configs = [{ targets: [targets[job.job_name]] }];
    }
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), stringify(config));
    fs.writeFileSync(path.join(dir, 'pstt-read-token'), stack.tokens.read, { mode: 0o600 });
    const promPort = await freePort();
    promUrl = `http://127.0.0.1:${promPort}`;
    const log = fs.openSync(path.join(dir, 'prometheus.log'), 'w');
    prometheus = spawn(
      tools.paths.prometheus,
      [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, 'tsdb')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
      ],
      { stdio: ['ignore', log, log] },
    );
    fs.closeSync(log);

    // Data for every panel: a message sent through the API (sent count, latency) and a failed export run.
    await request(stack.app)
      .post('/api/kafka/send')
      .set(stack.bearer('admin'))
      .send({ topic, key: 'deploy-1', value: { n: 1 } })
      .expect(200);
    failedScheduling = uniqueName('deploy-prom-fail');
    await request(stack.app)
      .post('/api/scheduler/scheduling')
      .set(stack.bearer('admin'))
      .send({
        name: failedScheduling,
        schedule: { cron: '0 3 * * *', timezone: 'Europe/Rome' },
        source: 'orders',
        query: 'SELECT order_id, customer FROM orders ORDER BY order_id',
        export_format: 'kafka',
        retry: { max_attempts: 1 },
        kafka_config: { topic, message_key_field: 'no_such_column' },
      })
      .expect(201);
    const run = await request(stack.app)
      .post(`/api/scheduler/scheduling/${failedScheduling}/run`)
      .set(stack.bearer('operate'))
      .expect(202);
    await until(
      'the failed run in history',
      async () => {
        const res = await request(stack.app).get('/api/scheduler/history?limit=100').set(stack.bearer('read'));
        return (res.body as RunView[]).find((r) => r.workflow_id === run.body.workflow_id)?.status;
      },
      (status) => status === 'error',
    );
  });

  afterAll(async () => {
    prometheus?.kill('SIGTERM');
    if (prometheus) await exited(prometheus);
    worker?.kill('SIGTERM');
    if (worker) await exited(worker);
    if (failedScheduling)
      await stack?.client.schedule
        .getHandle(scheduleIdOf(failedScheduling))
        .delete()
        .catch(() => undefined);
    await stack?.close();
    await deleteTopic(kafka, topic).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('scrapes the API with the read token and the worker: both targets up', async () => {
    const { targets } = await until(
      'both targets up after a scrape that saw the failed run',
      async () => {
        const data = await promApi<{
          activeTargets: Array<{ labels: { job: string }; health: string; lastError: string }>;
        }>('/api/v1/targets');
        const failedRunSeen =
          (await query(`pstt_export_runs{scheduling="${failedScheduling}",status="error"}`)).length > 0;
        return { failedRunSeen, targets: data.activeTargets.map((t) => [t.labels.job, t.health, t.lastError]).sort() };
      },
      (seen) => seen.failedRunSeen && seen.targets.length === 2 && seen.targets.every((t) => t[1] === 'up'),
    );
    expect(targets).toEqual([
      ['pstt-tool-kafka', 'up', ''],
      ['pstt-worker', 'up', ''],
    ]);
  });

  it('every dashboard query returns data, from metrics the API or the worker really exports', async () => {
    const names = new Set(await promApi<string[]>('/api/v1/label/__name__/values'));
    const apiScrape = await fetch(`${apiUrl}/api/kafka/metrics/prometheus`, { headers: stack.bearer('read') }).then(
      (r) => r.text(),
    );
    const workerScrape = await fetch(`http://${workerTarget}/metrics`).then((r) => r.text());
    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThanOrEqual(5);
    for (const { panel, expr } of queries) {
      for (const metric of metricNamesOf(expr)) {
        expect([panel, metric, names.has(metric)]).toEqual([panel, metric, true]);
        const exported = new RegExp(`^# TYPE ${metric} `, 'm');
        expect([panel, metric, exported.test(apiScrape) || exported.test(workerScrape)]).toEqual([panel, metric, true]);
      }
      const result = await query(expr);
      expect([panel, result.length > 0]).toEqual([panel, true]);
      for (const sample of result) expect([panel, Number.isFinite(Number(sample.value[1]))]).toEqual([panel, true]);
    }
  });

  it('the panels show what happened: messages sent, no failed sends, the failed run, the worker process memory', async () => {
    const value = async (expr: string) => Number((await query(expr))[0]?.value[1]);
    expect(await value('sum(kafka_messages_sent_total)')).toBeGreaterThanOrEqual(1);
    expect(await value('kafka_latency_p99_milliseconds')).toBeGreaterThan(0);
    const byPanel = Object.fromEntries(dashboardQueries().map((q) => [q.panel, q.expr]));
    expect(await value(byPanel['Success rate']!)).toBe(100);
    expect(await value(byPanel['Failed runs (24h)']!)).toBeGreaterThanOrEqual(1);
    const memory = await query(byPanel['Worker memory']!);
    // The worker process's own memory, not the API's (this jest process).
    expect(memory.map((s) => s.metric.instance)).toEqual([workerTarget]);
    expect(Number(memory[0]!.value[1])).toBeGreaterThan(10 * 1024 * 1024);
  });
});
