import type { AppConfig } from '../core/config';
import type { KafkaProducer } from '../core/kafka/producer';
import type { SourceRegistry } from '../core/sources';

/** What the worker builds once and hands to every activity. */
export interface ActivityDeps {
  config: AppConfig;
  producer: KafkaProducer;
  sources: SourceRegistry;
}
