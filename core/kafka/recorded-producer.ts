import type { AppConfig } from '../config';
import { openMetricsStore } from '../metrics/create-metrics-store';
import type { MetricsStore } from '../metrics/metrics-store';
import { createKafka, type KafkaClient } from './client';
import { KafkaProducer } from './producer';

/** A process's Kafka client and producer, every send recorded in the configured metrics store. */
export function createRecordedProducer(config: AppConfig): {
  kafka: KafkaClient;
  metrics: MetricsStore;
  producer: KafkaProducer;
} {
  const kafka = createKafka(config.kafka, config.baseDir);
  const metrics = openMetricsStore(config);
  const producer = new KafkaProducer(kafka, {
    sendTimeoutMs: config.kafka.send_timeout_ms,
    observer: (record) => metrics.record(record),
  });
  return { kafka, metrics, producer };
}
