import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { MetricsStore } from '../core/metrics/metrics-store';
import type { SchedulerService } from './scheduler-service';

/**
 * `/api/kafka/metrics/prometheus`: the runbook's Grafana names, computed at scrape time from the
 * metrics store (so they cover every worker, not only this process), export runs of the last
 * 24 h by scheduling and status from Temporal visibility, and this process's own metrics.
 */
export function createPrometheusRegistry(metrics: MetricsStore, scheduler: SchedulerService): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  // One summary read per scrape, shared by the series below.
  let pending: ReturnType<MetricsStore['summary']> | null = null;
  const summary = () => {
    pending ??= metrics.summary('30d').finally(() => setImmediate(() => (pending = null)));
    return pending;
  };
  const counterFrom = (name: string, help: string, read: (s: Awaited<ReturnType<MetricsStore['summary']>>) => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      async collect() {
        this.reset();
        this.inc(read(await summary()));
      },
    });
  counterFrom('kafka_messages_sent_total', 'Messages acknowledged by Kafka (metrics store retention, 30 days at most)', (s) => s.successful_messages);
  counterFrom('kafka_messages_failed_total', 'Messages whose send failed', (s) => s.failed_messages);
  counterFrom('kafka_bytes_sent_total', 'Bytes of messages sent (keys and values)', (s) => s.total_bytes);

  new Gauge({
    name: 'kafka_latency_p99_milliseconds',
    help: 'p99 latency of producer sends over the last 24 hours',
    registers: [registry],
    async collect() {
      this.set((await metrics.summary('24h')).p99_latency_ms);
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
      this.reset();
      const runs = await scheduler.history({ limit: 1000, since: new Date(Date.now() - 24 * 3600 * 1000) });
      for (const run of runs) this.inc({ scheduling: run.scheduling_name ?? '', status: run.status });
    },
  });
  return registry;
}
