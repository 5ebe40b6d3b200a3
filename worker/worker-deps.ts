import type { ActivityDeps } from '../activities';
import { alertConfigFromEnv } from '../core/alerts/alert-config';
import { openAlertStore } from '../core/alerts/create-alert-store';
import type { AppConfig } from '../core/config';
import { createRecordedProducer } from '../core/kafka/recorded-producer';
import { logger } from '../core/logger';
import type { Mailer } from '../core/mail/mailer';
import { smtpConfigFromEnv } from '../core/mail/smtp-config';
import { SourceRegistry } from '../core/sources';
import { lazyTemporalClient } from '../core/temporal/client';

/** nodemailer (~10 MB loaded) only in a worker that sends e-mail. */
function loadMailer(): typeof Mailer {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../core/mail/mailer') as typeof import('../core/mail/mailer')).Mailer;
}

/**
 * Builds the clients shared by every activity of this process: one Kafka producer, the source drivers, one
 * SMTP transport. The SMTP and alert settings (`env`) are validated here, before any connection.
 */
export async function buildWorkerDeps(
  config: AppConfig,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ActivityDeps & { close(): Promise<void> }> {
  const smtp = smtpConfigFromEnv(env);
  const alertConfig = alertConfigFromEnv(env);
  const { kafka, metrics, producer } = createRecordedProducer(config);
  // The worker starts and polls even when Kafka is down: file exports run, Kafka exports fail their
  // attempt and retry with backoff, and the producer connects at the first send once the broker is back.
  await producer
    .connect()
    .catch((err: unknown) =>
      logger.warn({ err }, '[KAFKA] producer not connected at start; retrying at the first send'),
    );
  const sources = new SourceRegistry(config);
  // Connects at its first call: the worker starts while Temporal is down and waits for it (worker/main.ts).
  const temporal = lazyTemporalClient(config.temporal);
  const mailer = smtp ? new (loadMailer())(smtp) : null;
  const alerts = openAlertStore(config);
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
    },
  };
}
