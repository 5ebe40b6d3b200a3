import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { logger } from '../core/logger';
import type { MetricsStore } from '../core/metrics/metrics-store';
import type { KafkaHealthReport } from './contract';
import type { RunHistory } from './run-history';

/** The parts a scrape reads, each reported by `pstt_collector_up{collector}`. */
export const COLLECTORS = ['metrics_store', 'temporal', 'kafka'] as const;
export type Collector = (typeof COLLECTORS)[number];

/**
 * `/api/kafka/metrics/prometheus`: the runbook's Grafana names, computed at scrape time from the
 * metrics store (so they cover every worker, not only this process), export runs of the last
 * 24 h by scheduling and status from Temporal visibility, and this process's own metrics. A part
 * that cannot be read leaves its series out and sets its `pstt_collector_up` to 0; the rest is
 * still served (one unreachable part never fails the whole scrape).
 */
export function createPrometheusRegistry(
  metrics: MetricsStore,
  history: Pick<RunHistory, 'history'>,
  kafka?: { check(): Promise<KafkaHealthReport> },
): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  // Each part is read once per scrape, shared by its series and by pstt_collector_up.
  const pending = new Map<string, Promise<unknown>>();
  const perScrape =
    <T>(key: string, read: () => Promise<T>): (() => Promise<T>) =>
    () => {
      let value = pending.get(key) as Promise<T> | undefined;
      if (!value) {
        value = read();
        value.catch(() => undefined);
        pending.set(key, value);
        void value.finally(() => setImmediate(() => pending.delete(key))).catch(() => undefined);
      }
      return value;
    };
  const summary30d = perScrape('summary30d', () => metrics.summary('30d'));
  const summary24h = perScrape('summary24h', () => metrics.summary('24h'));
  const runs = perScrape('runs', () =>
    history.history({ limit: 1000, since: new Date(Date.now() - 24 * 3600 * 1000) }),
  );
  const kafkaReport = perScrape('kafka', async () => {
    const report = await kafka!.check();
    if (!report.connected) throw new Error(report.last_error ?? 'no broker answered');
    return report;
  });
  const parts: Record<Collector, (() => Promise<unknown>) | null> = {
    metrics_store: () => Promise.all([summary30d(), summary24h()]),
    temporal: runs,
    kafka: kafka ? kafkaReport : null,
  };

  /** Runs `fill` with the reading, or leaves the metric without series when the part cannot be read. */
  const fromPart = async <T>(
    metric: Counter | Gauge,
    read: () => Promise<T>,
    fill: (value: T) => void,
    labelled = false,
  ) => {
    metric.reset();
    let value: T;
    try {
      value = await read();
    } catch {
      // reset() leaves a 0 in a metric without labels: remove it rather than report a false 0.
      if (!labelled) metric.remove();
      return;
    }
    fill(value);
  };

  type Summary = Awaited<ReturnType<MetricsStore['summary']>>;
  const counterFrom = (name: string, help: string, pick: (s: Summary) => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      async collect() {
        await fromPart(this, summary30d, (s) => this.inc(pick(s)));
      },
    });
  counterFrom(
    'kafka_messages_sent_total',
    'Messages acknowledged by Kafka (metrics store retention, 30 days at most)',
    (s) => s.successful_messages,
  );
  counterFrom('kafka_messages_failed_total', 'Messages whose send failed', (s) => s.failed_messages);
  counterFrom('kafka_bytes_sent_total', 'Bytes of messages sent (keys and values)', (s) => s.total_bytes);

  new Gauge({
    name: 'kafka_latency_p99_milliseconds',
    help: 'p99 latency of producer sends over the last 24 hours',
    registers: [registry],
    async collect() {
      await fromPart(this, summary24h, (s) => this.set(s.p99_latency_ms));
    },
  });
  new Gauge({
    name: 'pstt_metrics_store_degraded',
    help: '1 when the metrics store cannot write and buffers in memory',
    registers: [registry],
    collect() {
      this.set(metrics.state().degraded ? 1 : 0);
    },
  });
  new Gauge({
    name: 'pstt_export_runs',
    help: 'Export runs started in the last 24 hours, by scheduling and status',
    labelNames: ['scheduling', 'status'],
    registers: [registry],
    async collect() {
      await fromPart(
        this,
        runs,
        (list) => {
          for (const run of list) this.inc({ scheduling: run.scheduling_name ?? '', status: run.status });
        },
        true,
      );
    },
  });
  new Gauge({
    name: 'pstt_collector_up',
    help: '1 when the part (metrics_store, temporal, kafka) answered this scrape, 0 when its series are left out',
    labelNames: ['collector'],
    registers: [registry],
    async collect() {
      this.reset();
      await Promise.all(
        Object.entries(parts).map(async ([collector, read]) => {
          if (!read) return;
          const up = await read().then(
            () => 1,
            (err: unknown) => {
              logger.warn(
                { collector, err: err instanceof Error ? err.message : String(err) },
                'prometheus: part not read',
              );
              return 0;
            },
          );
          this.set({ collector }, up);
        }),
      );
    },
  });
  return registry;
}
