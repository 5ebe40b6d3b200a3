/**
 * The API's hardening on the real stack (Temporal, Kafka, a worker), as `npm start` builds it: the
 * runbook's send test (procedure 5 step 7), security headers, the connection test's limits and
 * targets, and what health tells a caller without a token.
 */
import net from 'node:net';
import { ConfigResourceTypes } from '@platformatic/kafka';
import request from 'supertest';
import { createApp } from '../../api/app';
import { TokenRegistry } from '../../api/auth';
import { KafkaHealth } from '../../api/kafka-health';
import { testKafkaConnection } from '../../api/kafka-test';
import { createPrometheusRegistry } from '../../api/prometheus';
import { schedulerDeps } from '../../api/scheduler';
import type { TestTargetPolicy } from '../../api/test-targets';
import { KafkaSendError } from '../../core/errors';
import { withAdmin } from '../../core/kafka/admin';
import { createKafka } from '../../core/kafka/client';
import { isUnknownTopicError } from '../../core/kafka/kafka-errors';
import { ensureStackTopics } from '../../core/kafka/stack-topics';
import { countMessages, ensureTopic, RUNBOOK_TEST_TOPIC, topicExists } from '../../core/kafka/topics';
import { startApiStack, type ApiStack } from '../support/api-stack';
import { consumeMessages, deleteTopic, testKafka } from '../support/kafka';
import { uniqueName } from '../support/names';

describe('API hardening on the real stack', () => {
  const kafka = testKafka();
  const topics: string[] = [];
  let stack: ApiStack;
  let silent: net.Server;
  let silentPort: number;
  const sockets = new Set<net.Socket>();

  beforeAll(async () => {
    stack = await startApiStack({ rows: 100 });
    // A "broker" that accepts connections and never answers: only a deadline ends a test against it.
    silent = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as net.AddressInfo).port;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
    await stack.close();
    for (const topic of topics) await deleteTopic(kafka, topic).catch(() => undefined);
  });

  /** A new app on the stack's real services (its own rate limiter), with the given connection-test policy. */
  function freshApp(testTargets?: TestTargetPolicy) {
    const scheduler = schedulerDeps(stack.client, stack.config);
    return createApp({
      auth: new TokenRegistry(
        (['read', 'operate', 'admin'] as const).map((role) => ({ name: role, role, token: stack.tokens[role] })),
      ),
      health: new KafkaHealth(createKafka(stack.config.kafka), stack.producer, { cacheMs: 0 }),
      producer: stack.producer,
      kafka: createKafka(stack.config.kafka),
      testTargets,
      ...scheduler,
      metrics: stack.metrics,
      prometheus: createPrometheusRegistry(stack.metrics, scheduler.runs),
      alerts: stack.alerts,
      sla: stack.sla,
    });
  }

  describe('POST /api/kafka/send (runbook procedure 5 step 7)', () => {
    it('answers 404 "topic ... does not exist" for a missing topic from the topic check, before any send', async () => {
      const missing = uniqueName('pstt-api-missing');
      await stack.metrics.flush();
      const before = await stack.metrics.summary('today');
      const res = await request(stack.app)
        .post('/api/kafka/send')
        .set(stack.bearer('admin'))
        .send({ topic: missing, key: 'k', value: { test: 1 } });
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ error: `topic ${missing} does not exist`, topic: missing });
      expect(await topicExists(kafka, missing, 5_000, () => new Error('no answer'))).toBe(false);
      // Refused by the check: no send was tried, so none failed (a send would retry the metadata first).
      await stack.metrics.flush();
      expect((await stack.metrics.summary('today')).failed_messages).toBe(before.failed_messages);
    });

    it('a send that still meets a missing topic (deleted after the check) is recognised as such', async () => {
      const missing = uniqueName('pstt-api-missing');
      const failure = await stack.producer.send(missing, [{ key: null, value: 'x' }]).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(KafkaSendError);
      expect(isUnknownTopicError((failure as KafkaSendError).cause)).toBe(true);
      expect(isUnknownTopicError(new KafkaSendError('t', 'Connection refused'))).toBe(false);
    });

    it('the stack creates pstt-test and the checkpoint topic at start, once; the send to pstt-test is delivered', async () => {
      // What npm start runs, on names of this test's own (pstt-test itself is shared with everyone).
      const names = { test: uniqueName('pstt-api-test'), checkpoint: uniqueName('pstt-api-checkpoints') };
      topics.push(names.test, names.checkpoint);
      expect(await ensureStackTopics(kafka, names)).toEqual([names.test, names.checkpoint]);
      expect(await ensureStackTopics(kafka, names)).toEqual([]);
      const policy = await withAdmin(kafka, (admin) =>
        admin.describeConfigs({
          resources: [
            {
              resourceType: ConfigResourceTypes.TOPIC,
              resourceName: names.checkpoint,
              configurationKeys: ['cleanup.policy'],
            },
          ],
        }),
      );
      expect(policy[0]?.configs.find((c) => c.name === 'cleanup.policy')?.value).toBe('compact,delete');

      // And the real pstt-test, as the runbook sends it (created here when no stack did before).
      await ensureStackTopics(kafka, { checkpoint: stack.config.kafka.checkpoint_topic });
      const key = uniqueName('test');
      const res = await request(stack.app)
        .post('/api/kafka/send')
        .set(stack.bearer('admin'))
        .send({ topic: RUNBOOK_TEST_TOPIC, key, value: { test: 'Credential rotation test' } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        success: true,
        topic: RUNBOOK_TEST_TOPIC,
        partition: expect.any(Number),
        offset: expect.any(String),
      });
      const seen = await consumeMessages(kafka, RUNBOOK_TEST_TOPIC, await countMessages(kafka, RUNBOOK_TEST_TOPIC));
      const mine = seen.find((m) => m.key?.toString() === key);
      expect(JSON.parse(mine?.value?.toString() ?? 'null')).toEqual({ test: 'Credential rotation test' });
    });

    it('a send the broker refuses is answered with its reason and counted as a failure with its latency', async () => {
      const small = uniqueName('pstt-api-small');
      topics.push(small);
      await ensureTopic(kafka, small, 1, { 'max.message.bytes': '1024' });
      await stack.metrics.flush();
      const before = await stack.metrics.summary('today');
      const res = await request(stack.app)
        .post('/api/kafka/send')
        .set(stack.bearer('admin'))
        .send({ topic: small, value: 'x'.repeat(5_000) });
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({
        error: 'message_too_large',
        success: false,
        topic: small,
        latency_ms: expect.any(Number),
      });
      await stack.metrics.flush();
      const after = await stack.metrics.summary('today');
      expect(after.failed_messages).toBe(before.failed_messages + 1);
      expect(after.avg_failed_latency_ms).toBeGreaterThan(0);
    });
  });

  it('sets the security headers on pages and API answers', async () => {
    for (const url of ['/', '/api/kafka/health', '/api/nothing-here']) {
      const res = await request(stack.app).get(url);
      const csp = res.headers['content-security-policy'] ?? '';
      expect(csp.split(';').map((d: string) => d.trim())).toEqual(
        expect.arrayContaining([
          "default-src 'self'",
          "frame-ancestors 'none'",
          "script-src 'self'",
          "style-src 'self'",
          "object-src 'none'",
        ]),
      );
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'x-frame-options': 'DENY',
      });
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('health without a token has the status fields and no error text; with any token it has last_error', async () => {
    const down = createApp({
      ...{ auth: new TokenRegistry([{ name: 'r', role: 'read', token: stack.tokens.read }]) },
      health: new KafkaHealth(
        createKafka({ ...stack.config.kafka, bootstrap_servers: ['127.0.0.1:1'] }),
        stack.producer,
        { timeoutMs: 2_000 },
      ),
      producer: stack.producer,
      kafka: createKafka(stack.config.kafka),
      ...schedulerDeps(stack.client, stack.config),
      metrics: stack.metrics,
      prometheus: createPrometheusRegistry(stack.metrics, schedulerDeps(stack.client, stack.config).runs),
      alerts: stack.alerts,
      sla: stack.sla,
    });
    const open = await request(down).get('/api/kafka/health');
    expect(open.status).toBe(503);
    expect(Object.keys(open.body).sort()).toEqual(['brokers', 'checked_at', 'connected', 'producer_ready', 'status']);
    expect(open.body).toMatchObject({ status: 'unhealthy', connected: false, producer_ready: false, brokers: 0 });
    expect(JSON.stringify(open.body)).not.toMatch(/127\.0\.0\.1|refused|ECONNREFUSED/i);
    const wrongToken = await request(down).get('/api/kafka/health').set('Authorization', 'Bearer not-a-token');
    expect(wrongToken.body.last_error).toBeUndefined();
    const withToken = await request(down).get('/api/kafka/health').set(stack.bearer('read'));
    expect(withToken.status).toBe(503);
    expect(withToken.body.last_error).toEqual(expect.any(String));
    expect(withToken.body.last_error).not.toBe('');
  });

  describe('POST /api/kafka/test', () => {
    it('answers 429 after 10 calls a minute; callers without the admin role do not spend the allowance', async () => {
      const app = freshApp({ allowPrivate: true, knownBrokers: [] });
      for (let i = 0; i < 12; i++) {
        await request(app).post('/api/kafka/test').set(stack.bearer('operate')).send({}).expect(403);
      }
      for (let i = 0; i < 10; i++) {
        // An invalid body answers at once, and counts.
        await request(app).post('/api/kafka/test').set(stack.bearer('admin')).send({}).expect(400);
      }
      const limited = await request(app)
        .post('/api/kafka/test')
        .set(stack.bearer('admin'))
        .send({ bootstrap_servers: '127.0.0.1:1' });
      expect(limited.status).toBe(429);
      expect(limited.body).toEqual({ error: 'rate_limited', message: 'at most 10 connection tests a minute' });
      expect(limited.headers.ratelimit).toMatch(/; r=0;/);
    });

    it("refuses loopback, link-local and private targets unless allowed; PSTT's own brokers always pass", async () => {
      const app = freshApp({ allowPrivate: false, knownBrokers: stack.config.kafka.bootstrap_servers });
      const targets = [
        '127.0.0.1:1',
        'localhost:9092',
        '169.254.169.254:80',
        '10.1.2.3:9092',
        '192.168.1.10:9092',
        [stack.config.kafka.bootstrap_servers[0], '172.16.0.5:9092'],
      ];
      for (const target of targets) {
        const res = await request(app)
          .post('/api/kafka/test')
          .set(stack.bearer('admin'))
          .send({ bootstrap_servers: target });
        expect(res.status).toBe(400);
        expect(res.body.details).toEqual([
          { path: 'bootstrap_servers', message: expect.stringContaining('api.allow_private_test_targets') },
        ]);
      }
      const own = await request(app)
        .post('/api/kafka/test')
        .set(stack.bearer('admin'))
        .send({ bootstrap_servers: stack.config.kafka.bootstrap_servers[0] });
      expect(own.body).toMatchObject({ success: true, brokers: 1, error: null });

      // Allowed (the dev stack's setting): the same loopback target is tried, and reported unreachable.
      const allowed = freshApp({ allowPrivate: true, knownBrokers: [] });
      const tried = await request(allowed)
        .post('/api/kafka/test')
        .set(stack.bearer('admin'))
        .send({ bootstrap_servers: '127.0.0.1:1' });
      expect(tried.status).toBe(200);
      expect(tried.body).toMatchObject({ success: false, brokers: 0, error: expect.any(String) });
    });

    it('ends a test against a broker that never answers at its deadline, reporting it', async () => {
      const result = await testKafkaConnection(
        { bootstrap_servers: `127.0.0.1:${silentPort}`, security_protocol: 'PLAINTEXT', sasl_mechanism: 'PLAIN' },
        1_500,
      );
      expect(result).toMatchObject({ success: false, brokers: 0, error: 'no answer from the brokers within 1500 ms' });
    });
  });
});
