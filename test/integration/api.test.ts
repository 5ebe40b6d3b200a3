import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../../api/app';
import { TokenRegistry } from '../../api/auth';
import type { Role } from '../../api/contract';
import { KafkaHealth } from '../../api/kafka-health';
import { createPrometheusRegistry } from '../../api/prometheus';
import type { RunView } from '../../api/contract';
import { schedulerDeps } from '../../api/scheduler';
import type { AppConfig } from '../../core/config';
import { createKafka } from '../../core/kafka/client';
import { KafkaProducer } from '../../core/kafka/producer';
import type { MetricsStore } from '../../core/metrics/metrics-store';
import { ensureTopic } from '../../core/kafka/topics';
import { scheduleIdOf, retentionScheduleIdOf } from '../../core/temporal/naming';
import { ensureRetentionSchedule } from '../../core/temporal/retention-schedule';
import { deleteTopic, testKafka } from '../support/kafka';
import { startApiStack, type ApiStack } from '../support/api-stack';
import { uniqueName } from '../support/names';
import { buildUi } from '../../scripts/build-ui';
import { metricsRetention } from '../../workflows';

describe('the runbook REST API on real Temporal and Kafka', () => {
  const kafka = testKafka();
  const topic = uniqueName('pstt-api');
  const created: string[] = [];
  let stack: ApiStack;
  let config: AppConfig;
  let client: Client;
  let producer: KafkaProducer;
  let metrics: MetricsStore;
  let app: Express;
  const bearer = (role: Role) => stack.bearer(role);

  beforeAll(async () => {
    await ensureTopic(kafka, topic, 3);
    stack = await startApiStack({ rows: 100_000 });
    ({ config, client, producer, metrics, app } = stack);
  });

  afterAll(async () => {
    for (const name of created)
      await client.schedule
        .getHandle(scheduleIdOf(name))
        .delete()
        .catch(() => undefined);
    await stack.close();
    await deleteTopic(kafka, topic);
  });

  function scheduling(overrides: Record<string, unknown> = {}, kafkaConfig: Record<string, unknown> = {}) {
    const name = uniqueName('api');
    created.push(name);
    return {
      name,
      description: 'exported by the API test',
      schedule: { cron: '0 3 * * *', timezone: 'Europe/Rome' },
      source: 'orders',
      query: 'SELECT order_id, customer, amount FROM orders ORDER BY order_id',
      export_format: 'kafka',
      retry: { max_attempts: 1 },
      ...overrides,
      kafka_config: { topic, message_key_field: 'order_id', batch_size: 200, ...kafkaConfig },
    };
  }

  async function finishedRun(workflowId: string): Promise<RunView> {
    for (let i = 0; i < 600; i++) {
      const res = await request(app).get('/api/scheduler/history?limit=100').set(bearer('read'));
      const run = (res.body as RunView[]).find((r) => r.workflow_id === workflowId);
      if (run && run.status !== 'running') return run;
      await sleep(200);
    }
    throw new Error(`run ${workflowId} did not finish`);
  }

  it('GET /api/kafka/health: the runbook fields from a real metadata round trip, without a token (last_error with one)', async () => {
    const res = await request(app).get('/api/kafka/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'healthy', connected: true, producer_ready: true, brokers: 1 });
    expect(res.body).not.toHaveProperty('last_error');
    expect(Date.parse(res.body.checked_at as string)).not.toBeNaN();
    expect((await request(app).get('/api/kafka/health').set(bearer('read'))).body).toMatchObject({
      status: 'healthy',
      last_error: null,
    });
  });

  it('reports unhealthy with 503 when no broker answers', async () => {
    const down = new KafkaHealth(createKafka({ ...config.kafka, bootstrap_servers: ['127.0.0.1:1'] }), producer, {
      timeoutMs: 2_000,
    });
    const res = await request(createApp({ ...appDeps(), health: down }))
      .get('/api/kafka/health')
      .set(bearer('admin'));
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 'unhealthy', connected: false, producer_ready: false, brokers: 0 });
    // The probe's own error, not a producer error left by an earlier test.
    expect(res.body.last_error).toMatch(/ECONNREFUSED 127\.0\.0\.1:1\b/);
  });

  function appDeps() {
    const scheduler = schedulerDeps(client, config);
    return {
      auth: new TokenRegistry([{ name: 'a', role: 'admin' as const, token: stack.tokens.admin }]),
      health: new KafkaHealth(createKafka(config.kafka), producer),
      producer,
      kafka: createKafka(config.kafka),
      ...scheduler,
      metrics: stack.metrics,
      prometheus: createPrometheusRegistry(stack.metrics, scheduler.runs),
      alerts: stack.alerts,
      sla: stack.sla,
    };
  }

  it.each([
    ['get', '/api/scheduler/scheduling', 'read'],
    ['get', '/api/scheduler/history', 'read'],
    ['get', '/api/scheduler/running', 'read'],
    ['post', '/api/scheduler/scheduling', 'admin'],
    ['put', '/api/scheduler/scheduling/x', 'admin'],
    ['delete', '/api/scheduler/scheduling/x', 'admin'],
    ['post', '/api/scheduler/scheduling/x/enable', 'operate'],
    ['post', '/api/scheduler/scheduling/x/disable', 'operate'],
    ['post', '/api/scheduler/scheduling/x/run', 'operate'],
    ['post', '/api/kafka/send', 'admin'],
    ['post', '/api/kafka/test', 'admin'],
    ['get', '/api/kafka/metrics/summary', 'read'],
    ['get', '/api/alerts', 'read'],
    ['get', '/api/kafka/metrics/hourly', 'read'],
    ['post', '/api/kafka/metrics/cleanup', 'operate'],
    ['get', '/api/kafka/metrics/prometheus', 'read'],
  ] as const)('%s %s: 401 without a token, 401 with a wrong one, 403 below %s', async (method, url, needed) => {
    expect((await request(app)[method](url)).status).toBe(401);
    expect((await request(app)[method](url).set('Authorization', 'Bearer not-a-token')).status).toBe(401);
    const below = needed === 'admin' ? 'operate' : needed === 'operate' ? 'read' : null;
    if (below) expect((await request(app)[method](url).set(bearer(below))).status).toBe(403);
  });

  it('creates, lists, reads, replaces and deletes a scheduling through Temporal Schedules', async () => {
    const body = scheduling();
    const createdRes = await request(app).post('/api/scheduler/scheduling').set(bearer('admin')).send(body);
    expect(createdRes.status).toBe(201);
    expect(createdRes.body).toMatchObject({ name: body.name, enabled: true, export_format: 'kafka', timeout: 3600 });
    expect(createdRes.body.kafka_config).toMatchObject({ topic, message_key_field: 'order_id', batch_size: 200 });
    expect((createdRes.body.next_run_times as string[]).length).toBeGreaterThan(0);
    expect(createdRes.body.last_run).toBeNull();

    const again = await request(app).post('/api/scheduler/scheduling').set(bearer('admin')).send(body);
    expect(again.status).toBe(409);

    const list = await request(app).get('/api/scheduler/scheduling').set(bearer('read'));
    const listed = (list.body as Array<Record<string, unknown>>).find((s) => s.name === body.name);
    for (const field of [
      'name',
      'description',
      'enabled',
      'schedule',
      'export_format',
      'kafka_config',
      'timeout',
      'next_run_times',
      'last_run',
    ]) {
      expect(listed).toHaveProperty(field);
    }

    const replaced = await request(app)
      .put(`/api/scheduler/scheduling/${body.name}`)
      .set(bearer('admin'))
      .send({ ...body, timeout: 7200, kafka_config: { ...body.kafka_config, batch_size: 100 } });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ timeout: 7200, kafka_config: { batch_size: 100 } });

    expect((await request(app).delete(`/api/scheduler/scheduling/${body.name}`).set(bearer('admin'))).status).toBe(204);
    expect((await request(app).get(`/api/scheduler/scheduling/${body.name}`).set(bearer('read'))).status).toBe(404);
    expect((await request(app).delete(`/api/scheduler/scheduling/${body.name}`).set(bearer('admin'))).status).toBe(404);
  });

  it('rejects an invalid scheduling with 400 and the path of each error', async () => {
    const res = await request(app)
      .post('/api/scheduler/scheduling')
      .set(bearer('admin'))
      .send({ ...scheduling({}, { batch_size: 0 }), time_format: 'unix' });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    expect(res.body.details).toEqual(
      expect.arrayContaining([
        { path: 'kafka_config.batch_size', message: 'expected an integer from 1 to 10000' },
        { path: 'time_format', message: expect.stringMatching(/expected one of "sql"\|"iso"\|"epoch"/) },
      ]),
    );
  });

  it('disable and enable pause and unpause the Temporal Schedule, keeping the note', async () => {
    const body = scheduling();
    await request(app).post('/api/scheduler/scheduling').set(bearer('admin')).send(body).expect(201);
    const disabled = await request(app)
      .post(`/api/scheduler/scheduling/${body.name}/disable`)
      .set(bearer('operate'))
      .send({ note: 'Kafka maintenance' });
    expect(disabled.body).toMatchObject({ enabled: false, pause_note: 'Kafka maintenance' });
    let schedule = await client.schedule.getHandle(scheduleIdOf(body.name)).describe();
    expect(schedule.state).toMatchObject({ paused: true, note: 'Kafka maintenance' });

    await request(app).post(`/api/scheduler/scheduling/${body.name}/enable`).set(bearer('operate')).expect(200);
    schedule = await client.schedule.getHandle(scheduleIdOf(body.name)).describe();
    expect(schedule.state.paused).toBe(false);
  });

  it('run now twice at the same instant: one 202 and one 409 naming the run that started', async () => {
    const body = scheduling({}, { batch_size: 100 });
    await request(app).post('/api/scheduler/scheduling').set(bearer('admin')).send(body).expect(201);
    const both = await Promise.all(
      [1, 2].map(() => request(app).post(`/api/scheduler/scheduling/${body.name}/run`).set(bearer('operate'))),
    );
    expect(both.map((r) => r.status).sort()).toEqual([202, 409]);
    const started = both.find((r) => r.status === 202)!.body.workflow_id as string;
    expect(both.find((r) => r.status === 409)!.body.running_workflow_id).toBe(started);
    expect((await finishedRun(started)).status).toBe('success');
  });

  it('run now twice: one run and one 409; the run shows in running and then in history with its counts', async () => {
    const body = scheduling({}, { batch_size: 100 });
    await request(app).post('/api/scheduler/scheduling').set(bearer('admin')).send(body).expect(201);
    const first = await request(app).post(`/api/scheduler/scheduling/${body.name}/run`).set(bearer('operate'));
    expect(first.status).toBe(202);
    const second = await request(app).post(`/api/scheduler/scheduling/${body.name}/run`).set(bearer('operate'));
    expect(second.status).toBe(409);
    expect(second.body.running_workflow_id).toBe(first.body.workflow_id);

    const running = await request(app).get('/api/scheduler/running').set(bearer('read'));
    const mine = (running.body as Array<RunView & { progress: Record<string, number> }>).find(
      (r) => r.workflow_id === first.body.workflow_id,
    );
    expect(mine?.status).toBe('running');
    expect(mine?.progress).toEqual({
      rows: expect.any(Number),
      messages: expect.any(Number),
      rows_per_s: expect.any(Number),
      attempt: expect.any(Number),
    });

    const run = await finishedRun(first.body.workflow_id as string);
    expect(run).toMatchObject({
      scheduling_name: body.name,
      export_format: 'kafka',
      status: 'success',
      rows: 100_000,
      messages: 100_000,
      attempts: 1,
      error_message: null,
      rows_read: 100_000,
      rows_delivered: 100_000,
      query_count: null,
      suspect_reason: null,
    });
    expect(run.duration_ms).toBeGreaterThan(0);
    expect(run.web_ui_url).toBe(
      `${config.temporal.web_ui}/namespaces/${config.temporal.namespace}/workflows/${encodeURIComponent(run.workflow_id)}/${run.run_id}/history`,
    );
    const filtered = await request(app)
      .get(`/api/scheduler/history?scheduling=${body.name}&status=success`)
      .set(bearer('read'));
    expect((filtered.body as RunView[]).map((r) => r.workflow_id)).toEqual([first.body.workflow_id]);
    const asKafka = await request(app)
      .get(`/api/scheduler/history?scheduling=${body.name}&export_format=kafka`)
      .set(bearer('read'));
    expect((asKafka.body as RunView[]).map((r) => r.workflow_id)).toEqual([first.body.workflow_id]);
    const asCsv = await request(app)
      .get(`/api/scheduler/history?scheduling=${body.name}&export_format=csv`)
      .set(bearer('read'));
    expect(asCsv.body).toEqual([]);
    const badFormat = await request(app).get('/api/scheduler/history?export_format=pdf').set(bearer('read'));
    expect(badFormat.status).toBe(400);
    expect(badFormat.body.details[0].path).toBe('export_format');
  });

  it("GET /api/session tells the pages the token's role, the sources a scheduling may name and the SLA thresholds", async () => {
    await request(app).get('/api/session').expect(401);
    for (const role of ['read', 'operate', 'admin'] as const) {
      const res = await request(app).get('/api/session').set(bearer(role)).expect(200);
      // The test environment sets no ALERT_* variable: the runbook's thresholds.
      expect(res.body).toEqual({
        role,
        sources: ['orders'],
        sla: {
          success_rate: { target: 99, warning: 98, critical: 95 },
          p99_latency_ms: { target: 500, warning: 1000, critical: 5000 },
        },
      });
    }
  });

  it('serves the operator pages at / and /scheduler', async () => {
    await buildUi();
    for (const page of ['/', '/scheduler']) {
      const res = await request(app).get(page).expect(200);
      expect(res.type).toBe('text/html');
      expect(res.text).toMatch(/<script type="module" src="\/(dashboard|scheduler)\.js">/);
    }
    // Without a build, the pages say how to make one instead of a bare 404.
    const unbuilt = await request(createApp({ ...appDeps(), uiDir: '/nonexistent/ui-dist' })).get('/scheduler');
    expect(unbuilt.status).toBe(503);
    expect(unbuilt.text).toContain('npm run build');
  });

  it("history shows a failed run's error_message", async () => {
    const body = scheduling({}, { message_key_field: 'order_number' });
    await request(app).post('/api/scheduler/scheduling').set(bearer('admin')).send(body).expect(201);
    const started = await request(app)
      .post(`/api/scheduler/scheduling/${body.name}/run`)
      .set(bearer('operate'))
      .expect(202);
    const run = await finishedRun(started.body.workflow_id as string);
    expect(run.status).toBe('error');
    expect(run.error_message).toContain('message_key_field "order_number" is not a column of the query');
    expect(run.attempts).toBe(1);
  });

  it('POST /api/kafka/send delivers one message and answers with its partition and offset', async () => {
    const res = await request(app)
      .post('/api/kafka/send')
      .set(bearer('admin'))
      .send({ topic, key: 'test-1', value: { test: 'Credential rotation test' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, topic, partition: expect.any(Number), offset: expect.any(String) });
    expect(res.body.latency_ms).toEqual(expect.any(Number));
  });

  it('metrics summary and hourly answer with the runbook fields, counting the sends made', async () => {
    await request(app)
      .post('/api/kafka/send')
      .set(bearer('admin'))
      .send({ topic, key: 'm-1', value: 'one' })
      .expect(200);
    const summary = await request(app).get('/api/kafka/metrics/summary?period=today').set(bearer('read'));
    expect(summary.status).toBe(200);
    expect(Object.keys(summary.body).sort()).toEqual(
      [
        'period',
        'total_messages',
        'successful_messages',
        'failed_messages',
        'success_rate',
        'total_bytes',
        'avg_latency_ms',
        'p50_latency_ms',
        'p95_latency_ms',
        'p99_latency_ms',
        'avg_failed_latency_ms',
      ].sort(),
    );
    expect(summary.body.period).toBe('today');
    expect(summary.body.total_messages).toBeGreaterThanOrEqual(1);
    expect(summary.body.success_rate).toBe(100);

    const hourly = await request(app).get('/api/kafka/metrics/hourly?hours=6').set(bearer('read'));
    expect(hourly.body).toHaveLength(6);
    expect(Object.keys(hourly.body[5]).sort()).toEqual([
      'avg_latency_ms',
      'bytes',
      'failed',
      'hour',
      'messages',
      'p99_latency_ms',
    ]);
    expect(hourly.body[5].messages).toBeGreaterThanOrEqual(1);
    expect((await request(app).get('/api/kafka/metrics/summary?period=1y').set(bearer('read'))).status).toBe(400);
  });

  it('metrics cleanup deletes what is older than the given days', async () => {
    const old = new Date(Date.now() - 10 * 24 * 3600 * 1000);
    metrics.record({
      at: old,
      topic,
      scheduling: null,
      messages: 5,
      bytes: 50,
      latencyMs: 3,
      success: true,
      error: null,
    });
    await metrics.flush();
    const res = await request(app).post('/api/kafka/metrics/cleanup?days=7').set(bearer('operate'));
    expect(res.status).toBe(200);
    expect(res.body.deleted).toBe(1);
    expect(res.body.remaining).toBeGreaterThanOrEqual(1);
    expect(res.body.store_bytes).toBeGreaterThan(0);
  });

  it('the automatic retention is a daily Temporal schedule whose run cleans the metrics store and the alert log', async () => {
    expect(await ensureRetentionSchedule(client, config)).toBe('created');
    expect(await ensureRetentionSchedule(client, config)).toBe('unchanged');
    const handle = client.schedule.getHandle(retentionScheduleIdOf(config.temporal.task_queue));
    try {
      const description = await handle.describe();
      expect(description.action).toMatchObject({
        workflowType: metricsRetention.name,
        taskQueue: config.temporal.task_queue,
      });
      // An alert transition from before the retention window goes with the old metrics.
      const longAgo = new Date(Date.now() - (config.metrics.retention_days + 10) * 24 * 3600_000);
      const rule = {
        rule: 'success_rate',
        warning_threshold: 98,
        critical_threshold: 95,
        message: 'm',
        value: 97,
        condition_since: null,
      } as const;
      await stack.alerts.save({ ...rule, state: 'warning', since: longAgo, evaluated_at: longAgo }, null, {
        rule: 'success_rate',
        previous_state: 'ok',
        state: 'warning',
        value: 97,
        threshold: 98,
        message: 'old',
        at: longAgo,
        delivery_error: null,
      });
      const result = await client.workflow.execute(metricsRetention, {
        taskQueue: config.temporal.task_queue,
        workflowId: uniqueName('retention-test'),
      });
      expect(result).toEqual({
        deleted: expect.any(Number),
        remaining: expect.any(Number),
        store_bytes: expect.any(Number),
        alerts_deleted: 1,
      });
      expect((await stack.alerts.recent(10)).map((a) => a.message)).not.toContain('old');
    } finally {
      await handle.delete();
    }
  });

  it('Prometheus output parses and carries the runbook series', async () => {
    // What is buffered is written first, so the scrape and the store's own summaries below see the same sends.
    await metrics.flush();
    const [month, day] = [await metrics.summary('30d'), await metrics.summary('24h')];
    const res = await request(app).get('/api/kafka/metrics/prometheus').set(bearer('read'));
    expect(res.status).toBe(200);
    const lines = res.text.split('\n').filter((l) => l && !l.startsWith('#'));
    for (const line of lines) expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/);
    const value = (name: string) => Number(lines.find((l) => l.startsWith(`${name} `))?.split(' ')[1]);
    expect(value('kafka_messages_sent_total')).toBeGreaterThanOrEqual(1);
    expect(value('kafka_bytes_sent_total')).toBeGreaterThan(0);
    // The failure count and the p99 are the store's own figures (30 days and 24 hours), not just numbers.
    expect(value('kafka_messages_failed_total')).toBe(month.failed_messages);
    expect(value('kafka_latency_p99_milliseconds')).toBe(day.p99_latency_ms);
    expect(lines.some((l) => l.startsWith('pstt_export_runs{'))).toBe(true);
    expect(lines.some((l) => l.startsWith('process_cpu_user_seconds_total'))).toBe(true);
  });

  it('POST /api/kafka/test reports success for a reachable cluster and the error for an unreachable one', async () => {
    const ok = await request(app)
      .post('/api/kafka/test')
      .set(bearer('admin'))
      .send({ bootstrap_servers: config.kafka.bootstrap_servers[0], security_protocol: 'PLAINTEXT' });
    expect(ok.body).toMatchObject({ success: true, brokers: 1, error: null });
    const bad = await request(app).post('/api/kafka/test').set(bearer('admin')).send({
      bootstrap_servers: '127.0.0.1:1',
      security_protocol: 'SASL_PLAINTEXT',
      sasl_username: 'u',
      sasl_password: 'p',
    });
    expect(bad.body).toMatchObject({ success: false, brokers: 0 });
    expect(bad.body.error).toMatch(/ECONNREFUSED 127\.0\.0\.1:1\b/);
  });

  it('answers 413 for bodies over 1 MB, 400 for bad JSON and a JSON 404 for unknown routes', async () => {
    const big = await request(app)
      .post('/api/kafka/send')
      .set(bearer('admin'))
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ topic, value: 'x'.repeat(1_100_000) }));
    expect(big.status).toBe(413);
    const bad = await request(app)
      .post('/api/kafka/send')
      .set(bearer('admin'))
      .set('Content-Type', 'application/json')
      .send('{oops');
    expect(bad.status).toBe(400);
    const missing = await request(app).get('/api/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe('not_found');
  });
});
