import { Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import { topicNameSchema } from '../../core/field-schemas';
import { KafkaMessageTooLargeError, KafkaSendError, KafkaSendTimeoutError } from '../../core/errors';
import type { KafkaClient } from '../../core/kafka/client';
import { describeKafkaError, isUnknownTopicError } from '../../core/kafka/kafka-errors';
import type { KafkaProducer } from '../../core/kafka/producer';
import { topicExists } from '../../core/kafka/topics';
import type { TokenRegistry } from '../auth';
import { HttpError } from '../http-errors';
import type { KafkaHealthReport } from '../contract';
import type { KafkaHealth } from '../kafka-health';
import { kafkaTestSchema, testKafkaConnection } from '../kafka-test';
import { checkTestTargets, type TestTargetPolicy } from '../test-targets';

export interface KafkaRouteDeps {
  auth: TokenRegistry;
  health: KafkaHealth;
  producer: KafkaProducer;
  /** The cluster `/send` checks its topic on. */
  kafka: KafkaClient;
  /** Where `/test` may connect. @default internal addresses refused, no known brokers */
  testTargets?: TestTargetPolicy;
}

export const sendSchema = z.object({
  topic: topicNameSchema,
  key: z.string().nullable().optional(),
  /** A string is sent as is; anything else as its JSON text. */
  value: z.unknown().refine((v) => v !== undefined, 'expected a value'),
  headers: z.record(z.string(), z.string()).optional(),
});

/** Calls of `/api/kafka/test` per minute: it reaches out to hosts the caller names. */
const TEST_CALLS_PER_MINUTE = 10;

/**
 * Deadline of `/send`'s topic check: a missing topic answers 404 at once instead of the client retrying
 * its metadata for seconds, and a cluster that does not answer 503 instead of the send's deadline.
 */
const TOPIC_CHECK_MS = 1_500;

const topicMissing = (topic: string) =>
  new HttpError(
    404,
    `topic ${topic} does not exist`,
    `topic ${topic} does not exist; create it first (npm start creates pstt-test)`,
    { topic },
  );

/** Health without a token: the status fields, never an error text (it may name hosts, users or paths). */
function publicHealth(report: KafkaHealthReport): Omit<KafkaHealthReport, 'last_error'> {
  const { status, connected, producer_ready, brokers, checked_at } = report;
  return { status, connected, producer_ready, brokers, checked_at };
}

/** `/api/kafka/*` except the metrics endpoints. */
export function kafkaRoutes(deps: KafkaRouteDeps): Router {
  const router = Router();
  const testTargets = deps.testTargets ?? { allowPrivate: false, knownBrokers: [] };
  // Counted per client address, after the admin check: only admins spend the allowance.
  const testLimit = rateLimit({
    windowMs: 60_000,
    limit: TEST_CALLS_PER_MINUTE,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, _res, next) =>
      next(new HttpError(429, 'rate_limited', `at most ${TEST_CALLS_PER_MINUTE} connection tests a minute`)),
  });

  // Open without a token: the runbook's checks and load balancers poll it. A token (any role) adds last_error.
  router.get('/health', async (req, res) => {
    const report = await deps.health.check();
    res
      .status(report.status === 'unhealthy' ? 503 : 200)
      .json(deps.auth.roleOfRequest(req) ? report : publicHealth(report));
  });

  router.post('/test', deps.auth.require('admin'), testLimit, async (req, res) => {
    const body = kafkaTestSchema.parse(req.body);
    await checkTestTargets(brokersOf(body.bootstrap_servers), testTargets);
    res.json(await testKafkaConnection(body));
  });

  router.post('/send', deps.auth.require('admin'), async (req, res) => {
    const body = sendSchema.parse(req.body);
    const unavailable = (why: string) =>
      new HttpError(503, 'kafka_unavailable', `the Kafka cluster cannot check the topic: ${why}`);
    const noAnswer = () => unavailable(`no answer from the brokers within ${TOPIC_CHECK_MS} ms`);
    const exists = await topicExists(deps.kafka, body.topic, TOPIC_CHECK_MS, noAnswer).catch((err: unknown) => {
      throw err instanceof HttpError ? err : unavailable(describeKafkaError(err));
    });
    if (!exists) throw topicMissing(body.topic);
    const value = typeof body.value === 'string' ? body.value : JSON.stringify(body.value);
    const started = performance.now();
    let ack;
    try {
      [ack] = await deps.producer.send(body.topic, [{ key: body.key ?? null, value, headers: body.headers }]);
    } catch (err) {
      throw sendFailure(err, body.topic, Math.round(performance.now() - started));
    }
    res.json({
      success: true,
      topic: body.topic,
      partition: ack?.partition ?? null,
      offset: ack?.baseOffset ?? null,
      latency_ms: Math.round(performance.now() - started),
    });
  });
  return router;
}

function brokersOf(servers: string | string[]): string[] {
  return Array.isArray(servers) ? servers : servers.split(',');
}

/** A failed send as an answer: the topic deleted meanwhile is a 404, the rest a 502/504/413 with the reason. */
function sendFailure(err: unknown, topic: string, latencyMs: number): unknown {
  const extra = { success: false, topic, latency_ms: latencyMs };
  if (err instanceof KafkaMessageTooLargeError) return new HttpError(err.status, err.code, err.message, extra);
  if (err instanceof KafkaSendTimeoutError) return new HttpError(504, 'send_timeout', err.message, extra);
  if (err instanceof KafkaSendError) {
    if (isUnknownTopicError(err.cause)) return topicMissing(topic);
    return new HttpError(502, 'send_failed', err.message, extra);
  }
  return err;
}
