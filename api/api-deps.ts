import { alertStoreOn } from '../core/alerts/create-alert-store';
import type { RuntimeConfig, SecretGroup, Secrets } from '../core/config';
import { createKafka } from '../core/kafka/client';
import { KafkaProducer } from '../core/kafka/producer';
import { metricsStoreOn } from '../core/metrics/create-metrics-store';
import type { MetricsStore } from '../core/metrics/metrics-store';
import { logger } from '../core/logger';
import { SchedulingPreviewer } from '../core/preview/previewer';
import { dataDir } from '../core/paths';
import { closeStoreDb, openConfiguredStoreDb } from '../core/store/store-db';
import { lazyTemporalClient } from '../core/temporal/client';
import type { ApiDeps } from './app';
import { ensureGeneratedAdminToken, generatedTokenNotice, TokenRegistry, type TokenEntry } from './auth';
import { KafkaHealth } from './kafka-health';
import { createPrometheusRegistry } from './prometheus';
import { schedulerDeps } from './scheduler';
import { testTargetPolicyOf } from './test-targets';

const log = logger.child({ component: 'kafka' });

/** The secrets the API uses: its producer's, the previews' sources', its metrics store's and its tokens. */
export const API_SECRETS: readonly SecretGroup[] = ['kafka', 'sources', 'metrics', 'apiTokens'];

/** Configured tokens (resolved at start), or the generated admin token when none is configured (its file announced once). */
export function tokensOf(configured: Secrets['apiTokens']): TokenEntry[] {
  if (configured.length > 0) return [...configured];
  const generated = ensureGeneratedAdminToken(dataDir());
  if (generated.created) {
    process.stdout.write(`${generatedTokenNotice(generated.file)}\n`);
  }
  return [{ name: 'generated-admin', role: 'admin', token: generated.token }];
}

/** Builds the API's clients once: Temporal client, a Kafka producer for /send (its sends recorded), health, stores. */
export async function buildApiDeps(
  runtime: Pick<RuntimeConfig, 'app' | 'sla' | 'secrets'>,
): Promise<ApiDeps & { close(): Promise<void> }> {
  const { app: config, secrets } = runtime;
  // One handle on the metrics database; the alert store on it is written by the worker's evaluations, read here.
  const store = openConfiguredStoreDb(config, secrets.metricsPassword);
  const metrics = metricsStoreOn(store);
  const alerts = alertStoreOn(store);
  const kafka = createKafka(config.kafka, config.baseDir, secrets.kafkaSaslPassword);
  const producer = new KafkaProducer(kafka, {
    sendTimeoutMs: config.kafka.send_timeout_ms,
    observer: (record) => metrics.record(record),
  });
  // The API starts even when Kafka is down: health reports it, /send retries the connection.
  await producer.connect().catch((err: unknown) => log.warn({ err }, 'producer not connected at start'));
  // Likewise without Temporal: its routes answer 503 until the client reconnects by itself.
  const temporal = lazyTemporalClient(config.temporal);
  const scheduler = schedulerDeps(temporal, config);
  const preview = new SchedulingPreviewer(config, kafka, secrets.sourcePasswords);
  const health = new KafkaHealth(kafka, producer, { degradedBy: () => metricsTrouble(metrics) });
  return {
    auth: new TokenRegistry(tokensOf(secrets.apiTokens)),
    sla: runtime.sla,
    health,
    producer,
    kafka,
    testTargets: testTargetPolicyOf(config),
    ...scheduler,
    preview,
    metrics,
    prometheus: createPrometheusRegistry(metrics, scheduler.runs, health),
    alerts,
    async close() {
      await Promise.allSettled([producer.disconnect(), temporal.connection.close(), alerts.close(), preview.close()]);
      await metrics.close();
      await closeStoreDb(store);
    },
  };
}

/** Health turns degraded while the metrics store cannot write (sends are then counted in memory). */
function metricsTrouble(metrics: MetricsStore): string | null {
  const state = metrics.state();
  return state.degraded ? `metrics store cannot write: ${state.lastError ?? 'unknown error'}` : null;
}
