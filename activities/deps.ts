import type { Client } from '@temporalio/client';
import type { Kafka } from 'kafkajs';
import type { AppConfig } from '../core/config';
import type { KafkaProducer } from '../core/kafka/producer';
import type { MetricsStore } from '../core/metrics/metrics-store';
import type { SourceRegistry } from '../core/sources';

/** What the worker builds once and hands to every activity. */
export interface ActivityDeps {
  config: AppConfig;
  /** For admin checks (topic existence, size limits); sends go through `producer`. */
  kafka: Kafka;
  producer: KafkaProducer;
  sources: SourceRegistry;
  /** Where sends are recorded; the retention activity cleans it. */
  metrics: MetricsStore;
  /** For visibility queries (the previous successful run). */
  temporal: Client;
}
