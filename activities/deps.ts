import type { Client } from '@temporalio/client';
import type { AlertConfig, AppConfig } from '../core/config';
import type { AlertStore } from '../core/alerts/alert-store';
import type { KafkaClient } from '../core/kafka/client';
import type { KafkaProducer } from '../core/kafka/producer';
import type { Mailer } from '../core/mail/mailer';
import type { MetricsStore } from '../core/metrics/metrics-store';
import type { SourceRegistry } from '../core/sources';

/** What the worker builds once and hands to every activity. */
export interface ActivityDeps {
  config: AppConfig;
  /** For admin checks (topic existence, size limits); sends go through `producer`. */
  kafka: KafkaClient;
  producer: KafkaProducer;
  sources: SourceRegistry;
  /** Where sends are recorded; the retention activity cleans it. */
  metrics: MetricsStore;
  /** For visibility queries (the previous successful run, the job failure rate). */
  temporal: Client;
  /** Failure notifications and alert e-mails; null when e-mail is off (no SMTP_HOST). */
  mailer: Mailer | null;
  /** Threshold alerts: their settings, and their state and log in the metrics database. */
  alertConfig: AlertConfig;
  alerts: AlertStore;
}
