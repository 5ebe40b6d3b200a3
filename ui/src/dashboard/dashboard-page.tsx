import { useMemo } from 'preact/hooks';
import { api, ApiError } from '../api-client';
import { HourlyChart } from '../components/hourly-chart';
import { usePolling } from '../components/use-polling';
import { formatTime } from '../format';
import type { HourlyPoint, KafkaHealthReport, MetricsSummary, RunningView, RunView } from '../types';
import { FailedRuns } from './failed-runs';
import { hourlySeries } from './hourly-series';
import { KafkaBadge } from './kafka-badge';
import { RunningRuns, type RunningRow } from './running-runs';
import { StatCards } from './stat-cards';

/** Every panel reloads this often; the health answer is itself cached 5 s by the API. */
export const REFRESH_MS = 5_000;

/** The rows of each scheduling's last successful run: the running bar's 100 %. */
async function loadRunning(): Promise<RunningRow[]> {
  const running = await api<RunningView[]>('/api/scheduler/running');
  const names = [...new Set(running.map((r) => r.scheduling_name).filter((n): n is string => Boolean(n)))];
  const expected = new Map<string, number | null>();
  await Promise.all(
    names.map(async (name) => {
      const [last] = await api<RunView[]>(
        `/api/scheduler/history?status=success&limit=1&scheduling=${encodeURIComponent(name)}`,
      );
      expected.set(name, last?.rows ?? null);
    }),
  );
  return running.map((run) => ({
    run,
    expectedRows: run.scheduling_name ? (expected.get(run.scheduling_name) ?? null) : null,
  }));
}

export function DashboardPage() {
  const health = usePolling(() => api<KafkaHealthReport>('/api/kafka/health'), REFRESH_MS);
  const summary = usePolling(() => api<MetricsSummary>('/api/kafka/metrics/summary?period=today'), REFRESH_MS);
  const hourly = usePolling(() => api<HourlyPoint[]>('/api/kafka/metrics/hourly?hours=24'), REFRESH_MS);
  const running = usePolling(loadRunning, REFRESH_MS);
  const failed = usePolling(() => api<RunView[]>('/api/scheduler/history?status=error&limit=10'), REFRESH_MS);

  const series = useMemo(
    () => hourlySeries(hourly.data ?? [], hourly.updatedAt ?? new Date()),
    [hourly.data, hourly.updatedAt],
  );
  const unreachable = health.error instanceof ApiError && health.error.status === 0;
  const problems = [summary.error, hourly.error, running.error, failed.error].filter((e): e is Error => Boolean(e));

  return (
    <>
      <div class="page-head">
        <h1>Kafka dashboard</h1>
        <p class="muted" aria-live="off">
          Updated {formatTime(health.updatedAt?.toISOString())}; refreshes every {REFRESH_MS / 1000} s
        </p>
      </div>
      {problems.length > 0 && (
        <p class="notice error-text" role="alert">
          {problems[0]!.message}
        </p>
      )}
      <div class="grid top-grid">
        <KafkaBadge health={health.data} unreachable={unreachable} />
        <StatCards summary={summary.data} />
      </div>
      <section class="grid charts" aria-label="Last 24 hours">
        <HourlyChart title="Messages" unit="per hour" hours={series.hours} values={series.messages} color="#2463eb" />
        <HourlyChart
          title="Failures"
          unit="messages per hour"
          hours={series.hours}
          values={series.failed}
          color="#c62828"
        />
        <HourlyChart title="p99 latency" unit="ms" hours={series.hours} values={series.p99} color="#8e5b00" />
      </section>
      <div class="grid two">
        <RunningRuns rows={running.data} />
        <FailedRuns runs={failed.data} />
      </div>
    </>
  );
}
