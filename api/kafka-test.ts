import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { z } from 'zod';
import { withDeadline } from '../core/deadline';

const hostPort = z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'expected host:port');

/** The body of `POST /api/kafka/test` (the runbook's procedure 5). */
export const kafkaTestSchema = z.object({
  bootstrap_servers: z.union([hostPort, z.array(hostPort).min(1).max(10)]),
  security_protocol: z.enum(['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']).default('PLAINTEXT'),
  sasl_mechanism: z.enum(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']).default('PLAIN'),
  sasl_username: z.string().optional(),
  sasl_password: z.string().optional(),
  ssl: z.boolean().optional(),
});

export interface KafkaTestResult {
  success: boolean;
  latency_ms: number;
  brokers: number;
  error: string | null;
}

/**
 * Connects a throw-away client to the cluster the caller names, with only the credentials the
 * caller gives (never the server's own), a hard deadline and no retries, and reports what it found.
 */
export async function testKafkaConnection(body: z.infer<typeof kafkaTestSchema>, deadlineMs = 8_000): Promise<KafkaTestResult> {
  const brokers = Array.isArray(body.bootstrap_servers) ? body.bootstrap_servers : body.bootstrap_servers.split(',');
  const sasl = body.security_protocol.startsWith('SASL_');
  const kafka = new Kafka({
    clientId: 'pstt-connection-test',
    brokers,
    ssl: body.ssl ?? body.security_protocol.endsWith('SSL'),
    sasl: sasl
      ? ({ mechanism: body.sasl_mechanism.toLowerCase(), username: body.sasl_username ?? '', password: body.sasl_password ?? '' } as SASLOptions)
      : undefined,
    connectionTimeout: 3_000,
    requestTimeout: 5_000,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  const started = performance.now();
  try {
    const round = (async () => {
      await admin.connect();
      return admin.describeCluster();
    })();
    const cluster = await withDeadline(round, deadlineMs, () => new Error(`no answer within ${deadlineMs} ms`));
    return { success: true, latency_ms: Math.round(performance.now() - started), brokers: cluster.brokers.length, error: null };
  } catch (err) {
    return { success: false, latency_ms: Math.round(performance.now() - started), brokers: 0, error: (err as Error).message };
  } finally {
    void admin.disconnect().catch(() => undefined);
  }
}
