import { z } from 'zod';
import type { KafkaClient } from '../core/kafka/client';
import { hostPortSchema, saslMechanismSchema, securityProtocolSchema } from '../core/field-schemas';
import { probeCluster } from '../core/kafka/cluster-probe';

/** The body of `POST /api/kafka/test` (the runbook's procedure 5). */
export const kafkaTestSchema = z.object({
  bootstrap_servers: z.union([hostPortSchema, z.array(hostPortSchema).min(1).max(10)]),
  security_protocol: securityProtocolSchema.default('PLAINTEXT'),
  sasl_mechanism: saslMechanismSchema.default('PLAIN'),
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
export async function testKafkaConnection(
  body: z.infer<typeof kafkaTestSchema>,
  deadlineMs = 8_000,
): Promise<KafkaTestResult> {
  const brokers = Array.isArray(body.bootstrap_servers) ? body.bootstrap_servers : body.bootstrap_servers.split(',');
  const sasl = body.security_protocol.startsWith('SASL_');
  const kafka: KafkaClient = {
    clientId: 'pstt-connection-test',
    bootstrapBrokers: brokers,
    tls: (body.ssl ?? body.security_protocol.endsWith('SSL')) ? {} : undefined,
    sasl: sasl
      ? { mechanism: body.sasl_mechanism, username: body.sasl_username ?? '', password: body.sasl_password ?? '' }
      : undefined,
    connectTimeout: 3_000,
    requestTimeout: 5_000,
    retries: 0,
    retryDelay: 0,
  };
  const started = performance.now();
  const { brokers: found, error } = await probeCluster(kafka, deadlineMs);
  return { success: error === null, latency_ms: Math.round(performance.now() - started), brokers: found, error };
}
