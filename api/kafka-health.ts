import type { KafkaClient } from '../core/kafka/client';
import { probeCluster } from '../core/kafka/cluster-probe';
import type { ProducerState } from '../core/kafka/producer';
import type { KafkaHealthReport } from './contract';
import { SharedResults } from './shared-results';

export interface KafkaHealthOptions {
  /** How long one check's answer is reused, so polling cannot overload the brokers. @default 5000 */
  cacheMs?: number;
  /** Deadline of the metadata round trip. @default 3000 */
  timeoutMs?: number;
  /** Extra reasons to report degraded (e.g. the metrics store cannot write). */
  degradedBy?: () => string | null;
}

/**
 * `/api/kafka/health`: a real metadata round trip to the cluster with a short deadline, cached
 * for a few seconds. Connected with a working producer = healthy; connected but the producer
 * failing or the metrics store degraded = degraded; no broker answer = unhealthy.
 */
export class KafkaHealth {
  private readonly cache: SharedResults<KafkaHealthReport>;
  private readonly timeoutMs: number;

  constructor(
    private readonly kafka: KafkaClient,
    private readonly producer: { readonly state: ProducerState; reconnect(timeoutMs: number): Promise<void> },
    private readonly options: KafkaHealthOptions = {},
  ) {
    this.cache = new SharedResults(options.cacheMs ?? 5_000);
    this.timeoutMs = options.timeoutMs ?? 3_000;
  }

  check(): Promise<KafkaHealthReport> {
    return this.cache.get('health', () => this.probe());
  }

  private async probe(): Promise<KafkaHealthReport> {
    const { brokers, error } = await probeCluster(this.kafka, this.timeoutMs);
    const connected = brokers > 0;
    if (connected) await this.producer.reconnect(this.timeoutMs);
    const producerReady = this.producer.state.connected && connected;
    const degradedReason = this.options.degradedBy?.() ?? null;
    const status = !connected ? 'unhealthy' : !producerReady || degradedReason ? 'degraded' : 'healthy';
    return {
      status,
      connected,
      producer_ready: producerReady,
      brokers,
      last_error: error ?? degradedReason ?? this.producer.state.lastError,
      checked_at: new Date().toISOString(),
    };
  }
}
