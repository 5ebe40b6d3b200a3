import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { Express } from 'express';
import request from 'supertest';
import { stringify } from 'yaml';
import { buildApiDeps } from '../../api/api-deps';
import { createApp } from '../../api/app';
import { schedulerDeps } from '../../api/scheduler';
import { loadConfig, parseConfig, type AppConfig } from '../../core/config';
import type { ExportResult } from '../../core/job';
import { countMessages, ensureTopic } from '../../core/kafka/topics';
import { scheduleIdOf } from '../../core/temporal/naming';
import { connectTemporalClient } from '../../core/temporal/client';
import { ensureDemoDatabase } from '../../devstack/demo-data';
import { spawnWorkerProcess } from '../../worker/spawn-worker';
import { deleteTopic, testKafka } from '../support/kafka';
import { uniqueName } from '../support/names';
import { TcpProxy } from '../support/tcp-proxy';
import { freePort } from '../support/ports';
import { exited } from '../support/child-process';
import { runtimeConfigOf } from '../support/runtime-config';

const ROWS = 300;
const TOKEN_ENV = 'RT_TEMPORAL_DOWN_TOKEN';

/**
 * "Temporal down" without stopping the shared server: the API and a worker process reach Temporal only
 * through a proxy that refuses connections until the test opens it, as a stopped server's port would.
 */
describe('the API and a worker while Temporal is unreachable, then back', () => {
  const kafka = testKafka();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-temporal-down-'));
  const logFile = path.join(dir, 'worker.log');
  const topic = uniqueName('rt-temporal-down');
  const schedulings: string[] = [];
  const token = uniqueName('rt-admin');
  const auth = { Authorization: `Bearer ${token}` };
  let proxy: TcpProxy;
  let config: AppConfig;
  let deps: Awaited<ReturnType<typeof buildApiDeps>> | undefined;
  let app: Express;
  let worker: ChildProcess | undefined;
  let direct: Client;

  beforeAll(async () => {
    const base = loadConfig();
    const [host, port] = base.temporal.address.split(':');
    proxy = new TcpProxy(await freePort(), { host: host!, port: Number(port) });
    const dbFile = path.join(dir, 'orders.db');
    ensureDemoDatabase(dbFile, ROWS);
    await ensureTopic(kafka, topic, 1);
    const raw = {
      temporal: { address: `127.0.0.1:${proxy.port}`, task_queue: uniqueName('rt-temporal-down-queue') },
      kafka: { bootstrap_servers: base.kafka.bootstrap_servers },
      api: { tokens: [{ name: 'rt-admin', role: 'admin', token_env: TOKEN_ENV }] },
      metrics: { url: `sqlite:${path.join(dir, 'metrics.db')}` },
      sources: { orders: { url: `sqlite:${dbFile}` } },
    };
    const configFile = path.join(dir, 'config.yaml');
    fs.writeFileSync(configFile, stringify(raw));
    config = parseConfig(raw, dir);
    process.env[TOKEN_ENV] = token;
    direct = await connectTemporalClient(base.temporal);
  });

  afterAll(async () => {
    if (worker) {
      worker.kill('SIGKILL');
      await exited(worker);
    }
    await deps?.close();
    await proxy.close();
    for (const name of schedulings)
      await direct.schedule
        .getHandle(scheduleIdOf(name))
        .delete()
        .catch(() => undefined);
    await direct.connection.close();
    await deleteTopic(kafka, topic).catch(() => undefined);
    delete process.env[TOKEN_ENV];
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function kafkaScheduling(overrides: Record<string, unknown> = {}) {
    const name = uniqueName('rt-down');
    schedulings.push(name);
    return {
      name,
      schedule: { every: '1h' },
      source: 'orders',
      query: 'SELECT order_id, customer, amount FROM orders ORDER BY order_id',
      export_format: 'kafka',
      kafka_config: { topic, message_key_field: 'order_id', batch_size: 100 },
      ...overrides,
    };
  }

  it('both start; every Temporal route answers 503 "temporal unavailable"; Kafka health, metrics and Prometheus still answer', async () => {
    worker = spawnWorkerProcess(path.join(dir, 'config.yaml'), logFile);
    deps = await buildApiDeps(runtimeConfigOf(config));
    app = createApp(deps);

    const body = kafkaScheduling();
    const routes: Array<[string, 'get' | 'post' | 'put' | 'delete', unknown?]> = [
      ['/api/scheduler/scheduling', 'get'],
      [`/api/scheduler/scheduling/${body.name}`, 'get'],
      ['/api/scheduler/scheduling', 'post', body],
      [`/api/scheduler/scheduling/${body.name}`, 'put', body],
      [`/api/scheduler/scheduling/${body.name}`, 'delete'],
      [`/api/scheduler/scheduling/${body.name}/enable`, 'post', {}],
      [`/api/scheduler/scheduling/${body.name}/disable`, 'post', {}],
      [`/api/scheduler/scheduling/${body.name}/run`, 'post', {}],
      ['/api/scheduler/history', 'get'],
      ['/api/scheduler/running', 'get'],
    ];
    for (const [url, method, payload] of routes) {
      const res = await request(app)
        [method](url)
        .set(auth)
        .send(payload as object);
      expect({ url, method, status: res.status, error: res.body.error }).toEqual({
        url,
        method,
        status: 503,
        error: 'temporal unavailable',
      });
      expect(res.body.message).toContain(`127.0.0.1:${proxy.port}`);
      expect(res.headers['retry-after']).toBe('5');
    }

    const health = await request(app).get('/api/kafka/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ connected: true });
    await request(app).get('/api/kafka/metrics/summary?period=today').set(auth).expect(200);
    await request(app).get('/api/kafka/metrics/hourly?hours=2').set(auth).expect(200);

    const scrape = await request(app).get('/api/kafka/metrics/prometheus').set(auth);
    expect(scrape.status).toBe(200);
    const lines = scrape.text.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'pstt_collector_up{collector="temporal"} 0',
        'pstt_collector_up{collector="metrics_store"} 1',
        'pstt_collector_up{collector="kafka"} 1',
        'kafka_messages_sent_total 0',
      ]),
    );
    expect(lines.some((l) => l.startsWith('kafka_latency_p99_milliseconds '))).toBe(true);
    expect(lines.some((l) => l.startsWith('pstt_export_runs{'))).toBe(false);

    expect((await request(app).get('/healthz').expect(200)).body).toEqual({ status: 'ok', temporal: 'unavailable' });
    // The worker waits for the server instead of exiting.
    expect(worker.exitCode).toBeNull();
    const logged = fs
      .readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged).toContainEqual(
      expect.objectContaining({ component: 'temporal', msg: 'not reachable: the worker waits for it' }),
    );
  });

  it('once Temporal is back, the same API and worker serve without a restart: a run now exports every row', async () => {
    await proxy.open();
    let history = await request(app).get('/api/scheduler/history').set(auth);
    for (let i = 0; history.status !== 200 && i < 60; i++) {
      await sleep(500);
      history = await request(app).get('/api/scheduler/history').set(auth);
    }
    expect(history.status).toBe(200);
    expect((await request(app).get('/healthz')).body).toEqual({ status: 'ok', temporal: 'connected' });
    const scrape = await request(app).get('/api/kafka/metrics/prometheus').set(auth);
    expect(scrape.text.split('\n')).toContain('pstt_collector_up{collector="temporal"} 1');

    const body = kafkaScheduling();
    await request(app).post('/api/scheduler/scheduling').set(auth).send(body).expect(201);
    const run = await request(app).post(`/api/scheduler/scheduling/${body.name}/run`).set(auth).send({});
    expect(run.status).toBe(202);
    expect(run.body).toMatchObject({ workflow_id: expect.any(String), buffered: false });
    const result = (await direct.workflow.getHandle(run.body.workflow_id as string).result()) as ExportResult;
    expect(result.rows).toBe(ROWS);
    expect(await countMessages(kafka, topic)).toBe(ROWS);
    // The worker started while Temporal was down is the one that ran it.
    expect(worker!.exitCode).toBeNull();
  });

  it('run now on a buffer_one scheduling while a run is going: 202 with buffered: true, at once', async () => {
    // No worker polls this queue, so the first run stays running.
    const idle = {
      ...config,
      temporal: { ...config.temporal, address: loadConfig().temporal.address, task_queue: uniqueName('rt-idle-queue') },
    };
    const idleApp = createApp({ ...deps!, ...schedulerDeps(direct, idle) });
    const body = kafkaScheduling({ overlap: 'buffer_one' });
    await request(idleApp).post('/api/scheduler/scheduling').set(auth).send(body).expect(201);
    const first = await request(idleApp).post(`/api/scheduler/scheduling/${body.name}/run`).set(auth).send({});
    expect(first.status).toBe(202);
    try {
      const second = await request(idleApp).post(`/api/scheduler/scheduling/${body.name}/run`).set(auth).send({});
      expect(second.status).toBe(202);
      expect(second.body).toEqual({ workflow_id: null, buffered: true, running_workflow_id: first.body.workflow_id });
    } finally {
      await direct.schedule.getHandle(scheduleIdOf(body.name)).delete();
      await direct.workflow.getHandle(first.body.workflow_id as string).terminate('test over');
    }
  });
});
