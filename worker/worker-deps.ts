import type { ActivityDeps } from '../activities';
import { alertStoreOn } from '../core/alerts/create-alert-store';
import type { RuntimeConfig, SecretGroup } from '../core/config';
import { createKafka } from '../core/kafka/client';
import { KafkaProducer } from '../core/kafka/producer';
import { logger } from '../core/logger';
import type { Mailer } from '../core/mail/mailer';
import { metricsStoreOn } from '../core/metrics/create-metrics-store';
import { SourceRegistry } from '../core/sources';
import { closeStoreDb, openConfiguredStoreDb } from '../core/store/store-db';
import { lazyTemporalClient } from '../core/temporal/client';

const log = logger.child({ component: 'kafka' });

/** nodemailer (~10 MB loaded) only in a worker that sends e-mail. */
function loadMailer(): typeof Mailer {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../core/mail/mailer') as typeof import('../core/mail/mailer')).Mailer;
}

/** The secrets a worker uses: its producer's, its sources' and its metrics store's. */
export const WORKER_SECRETS: readonly SecretGroup[] = ['kafka', 'sources', 'metrics'];

/** The sections of the runtime config a worker takes. */
export type WorkerConfig = Pick<RuntimeConfig, 'app' | 'smtp' | 'alerts' | 'secrets'>;

/**
 * Builds the clients shared by every activity of this process: one Kafka producer whose every send is recorded,
 * the source drivers, one SMTP transport, one handle on the metrics database for the metrics and alert stores,
 * from a runtime config validated (secrets included, `WORKER_SECRETS`) before any connection.
 */
export async function buildWorkerDeps(runtime: WorkerConfig): Promise<ActivityDeps & { close(): Promise<void> }> {
  const { app: config, smtp, alerts: alertConfig, secrets } = runtime;
  const store = openConfiguredStoreDb(config, secrets.metricsPassword);
  const metrics = metricsStoreOn(store);
  const alerts = alertStoreOn(store);
  const kafka = createKafka(config.kafka, config.baseDir, secrets.kafkaSaslPassword);
  const producer = new KafkaProducer(kafka, {
    sendTimeoutMs: config.kafka.send_timeout_ms,
    observer: (record) => metrics.record(record),
  });
  // The worker starts and polls even when Kafka is down: file exports run, Kafka exports fail their
  // attempt and retry with backoff, and the producer connects at the first send once the broker is back.
  await producer
    .connect()
    .catch((err: unknown) => log.warn({ err }, 'producer not connected at start; retrying at the first send'));
  const sources = new SourceRegistry(config, secrets.sourcePasswords);
  // Connects at its first call: the worker starts while Temporal is down and waits for it (worker/main.ts).
  const temporal = lazyTemporalClient(config.temporal);
  const mailer = smtp ? new (loadMailer())(smtp) : null;
  return {
    config,
    kafka,
    producer,
    sources,
    temporal,
    metrics,
    mailer,
    alertConfig,
    alerts,
    async close() {
      mailer?.close();
      await Promise.allSettled([producer.disconnect(), sources.end(), temporal.connection.close(), alerts.close()]);
      await metrics.close();
      await closeStoreDb(store);
    },
  };
}
