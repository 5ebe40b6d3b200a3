import { Router } from 'express';
import { z } from 'zod';
import type { KafkaProducer } from '../../core/kafka/producer';
import type { TokenRegistry } from '../auth';
import { HttpError } from '../http-errors';
import type { KafkaHealth } from '../kafka-health';
import { kafkaTestSchema, testKafkaConnection } from '../kafka-test';

export interface KafkaRouteDeps {
  auth: TokenRegistry;
  health: KafkaHealth;
  producer: KafkaProducer;
}

const sendSchema = z.object({
  topic: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'expected a Kafka topic name'),
  key: z.string().nullable().optional(),
  /** A string is sent as is; anything else as its JSON text. */
  value: z.unknown().refine((v) => v !== undefined, 'expected a value'),
  headers: z.record(z.string(), z.string()).optional(),
});

/** Calls of `/api/kafka/test` per minute: it reaches out to hosts the caller names. */
const TEST_CALLS_PER_MINUTE = 10;

/** `/api/kafka/*` except the metrics endpoints. */
export function kafkaRoutes(deps: KafkaRouteDeps): Router {
  const router = Router();
  const testCalls: number[] = [];

  // Open without a token: the runbook's checks and load balancers poll it.
  router.get('/health', async (_req, res) => {
    const report = await deps.health.check();
    res.status(report.status === 'unhealthy' ? 503 : 200).json(report);
  });

  router.post('/test', deps.auth.require('admin'), async (req, res) => {
    const body = kafkaTestSchema.parse(req.body);
    const now = Date.now();
    while (testCalls.length && now - testCalls[0]! > 60_000) testCalls.shift();
    if (testCalls.length >= TEST_CALLS_PER_MINUTE) {
      throw new HttpError(429, 'rate_limited', `at most ${TEST_CALLS_PER_MINUTE} connection tests a minute`);
    }
    testCalls.push(now);
    res.json(await testKafkaConnection(body));
  });

  router.post('/send', deps.auth.require('admin'), async (req, res) => {
    const body = sendSchema.parse(req.body);
    const value = typeof body.value === 'string' ? body.value : JSON.stringify(body.value);
    const started = performance.now();
    const [ack] = await deps.producer.send(body.topic, [{ key: body.key ?? null, value, headers: body.headers }]);
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
