import type { SendRecord } from './send-record';

/** Periods of `/api/kafka/metrics/summary?period=`. */
export const METRICS_PERIODS = ['today', '24h', '7d', '30d'] as const;
export type MetricsPeriod = (typeof METRICS_PERIODS)[number];

/**
 * `/api/kafka/metrics/summary`, with the runbook's field names. Messages are counted per message, latency
 * per send (one send carries a batch of messages): avg and percentiles weigh each send once. The latency
 * fields are of deliveries (sends that succeeded), as the runbook's p99 is; failed sends count in
 * `failed_messages` and `success_rate`, and their own latency in `avg_failed_latency_ms`.
 */
export interface MetricsSummary {
  period: MetricsPeriod;
  total_messages: number;
  successful_messages: number;
  /** Messages of the sends that failed. */
  failed_messages: number;
  /** successful / total messages as a percentage 0-100, 2 decimals; 100 when there were no messages. */
  success_rate: number;
  total_bytes: number;
  /** Latencies in milliseconds, 2 decimals, 0 without sends; percentiles from the latency histogram. */
  avg_latency_ms: number;
  p50_latency_ms: number;
  p95_latency_ms: number;
  p99_latency_ms: number;
  /** Mean time a failed send took to fail, in milliseconds; 0 without failures. */
  avg_failed_latency_ms: number;
}

/** The totals of the last few minutes (what the threshold alerts judge): a summary without its period. */
export interface RecentSummary extends Omit<MetricsSummary, 'period'> {
  /** Length of the window, whole minutes ending with the minute of `now`. */
  minutes: number;
}

/** One hour of `/api/kafka/metrics/hourly?hours=`. */
export interface HourlyPoint {
  /** Start of the hour, ISO-8601 UTC (`2026-01-20T08:00:00.000Z`). */
  hour: string;
  messages: number;
  failed: number;
  bytes: number;
  avg_latency_ms: number;
  p99_latency_ms: number;
}

/** Result of `/api/kafka/metrics/cleanup?days=`. */
export interface CleanupResult {
  /** Rollup rows deleted (one per minute, topic and scheduling), not sends. */
  deleted: number;
  /** Rollup rows left. */
  remaining: number;
  /** Size of the store on disk, in bytes (SQLite: file + WAL; PostgreSQL: table + indexes + TOAST). */
  store_bytes: number;
}

/** Health of the store's writes, for `/api/kafka/health` and the logs. */
export interface MetricsStoreState {
  /** True while writes fail; records wait in memory and are retried. */
  degraded: boolean;
  /** Message of the last write failure; null once a write works again. */
  lastError: string | null;
  /** Sends recorded and not yet written. */
  buffered: number;
  /** Sends dropped since start: over the buffer's cap while writes failed, or recorded after close(). */
  dropped: number;
}

/**
 * Durable per-send metrics: the producer's `SendObserver` writes, the API reads. Records are rolled up
 * per minute, topic and scheduling; every period is aligned to whole UTC minutes.
 */
export interface MetricsStore {
  /**
   * Records one send. Never throws and never waits for I/O: records are buffered in memory and written in
   * the background. While writes fail they stay in a bounded buffer (oldest dropped, counted) and are
   * retried; see `state()`.
   */
  record(r: SendRecord): void;
  /** Writes the buffered records now; rejects with the write's error (the records stay buffered). */
  flush(): Promise<void>;
  /** Stops the background flush, writes what is buffered (a failure is logged, not thrown), closes. */
  close(): Promise<void>;
  /**
   * Totals since the start of `period` up to `now` (default: the current time): 'today' from 00:00 UTC of
   * `now`, '24h' / '7d' / '30d' from that long before `now`, rounded down to the minute. Reads what has
   * been written: `flush()` first to include this process's buffer.
   */
  summary(period: MetricsPeriod, now?: Date): Promise<MetricsSummary>;
  /**
   * Totals of the last `minutes` whole minutes, the minute of `now` included (default: the current time).
   * Reads what has been written: `flush()` first to include this process's buffer.
   */
  recentSummary(minutes: number, now?: Date): Promise<RecentSummary>;
  /** Exactly `hours` points, oldest first, ending with the hour of `now`; hours without sends are zeros. */
  hourly(hours: number, now?: Date): Promise<HourlyPoint[]>;
  /** Deletes the minutes older than `olderThanDays` days before `now`. */
  cleanup(olderThanDays: number, now?: Date): Promise<CleanupResult>;
  state(): MetricsStoreState;
  /** Size of the store on disk, in bytes, as `cleanup` reports it (for the health check). */
  storeBytes(): Promise<number>;
}
