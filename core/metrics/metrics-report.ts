import { InvalidMetricsArgumentError } from '../errors';
import { latencyPercentile } from './latency-histogram';
import type { HourlyPoint, MetricsPeriod, MetricsSummary, RecentSummary } from './metrics-store';
import { METRICS_PERIODS } from './metrics-store';
import { deliveries, HOUR_MS, minuteOf, type RollupTotals } from './minute-rollup';

/** Longest `hourly()` series: 90 days. */
export const MAX_HOURLY_HOURS = 24 * 90;
/** Longest `recentSummary()` window: 30 days. */
export const MAX_RECENT_MINUTES = 30 * 24 * 60;
/** Longest `cleanup()` age: 10 years. */
export const MAX_CLEANUP_DAYS = 3650;
const DAY_MS = 24 * HOUR_MS;

/** A half-open range of epoch minutes, [from, to). */
export interface MinuteRange {
  from: number;
  to: number;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function checkNow(now: Date): number {
  const t = now.getTime();
  if (!Number.isFinite(t)) throw new InvalidMetricsArgumentError('now', 'a valid date', String(now));
  return t;
}

/** The minutes of a summary period: from its start (rounded down to the minute) through the minute of `now`. */
export function periodRange(period: MetricsPeriod, now: Date): MinuteRange {
  if (!METRICS_PERIODS.includes(period)) {
    throw new InvalidMetricsArgumentError('period', `one of ${METRICS_PERIODS.join(', ')}`, JSON.stringify(period));
  }
  const t = checkNow(now);
  const spans: Record<MetricsPeriod, number> = {
    today: t % DAY_MS,
    '24h': DAY_MS,
    '7d': 7 * DAY_MS,
    '30d': 30 * DAY_MS,
  };
  return { from: minuteOf(t - spans[period]), to: minuteOf(t) + 1 };
}

/** The last `minutes` minutes, ending with (and including) the minute of `now`. */
export function recentRange(minutes: number, now: Date): MinuteRange {
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_RECENT_MINUTES) {
    throw new InvalidMetricsArgumentError('minutes', `an integer from 1 to ${MAX_RECENT_MINUTES}`, String(minutes));
  }
  const current = minuteOf(checkNow(now));
  return { from: current - minutes + 1, to: current + 1 };
}

/** The minutes of `hours` whole UTC hours ending with the hour of `now`. */
export function hourlyRange(hours: number, now: Date): MinuteRange {
  if (!Number.isInteger(hours) || hours < 1 || hours > MAX_HOURLY_HOURS) {
    throw new InvalidMetricsArgumentError('hours', `an integer from 1 to ${MAX_HOURLY_HOURS}`, String(hours));
  }
  const currentHour = Math.floor(checkNow(now) / HOUR_MS);
  return { from: (currentHour - hours + 1) * 60, to: (currentHour + 1) * 60 };
}

/** First minute that `cleanup(days, now)` keeps. */
export function cleanupCutoff(days: number, now: Date): number {
  if (!Number.isInteger(days) || days < 0 || days > MAX_CLEANUP_DAYS) {
    throw new InvalidMetricsArgumentError('days', `an integer from 0 to ${MAX_CLEANUP_DAYS}`, String(days));
  }
  return minuteOf(checkNow(now) - days * DAY_MS);
}

function distribution(t: RollupTotals) {
  return { counts: t.buckets, minMs: t.latencyMinMs, maxMs: t.latencyMaxMs };
}

export function toSummary(period: MetricsPeriod, t: RollupTotals): MetricsSummary {
  return { period, ...totalsReport(t) };
}

export function toRecentSummary(minutes: number, t: RollupTotals): RecentSummary {
  return { minutes, ...totalsReport(t) };
}

function totalsReport(t: RollupTotals): Omit<MetricsSummary, 'period'> {
  const successful = t.messages - t.failedMessages;
  const dist = distribution(t);
  return {
    total_messages: t.messages,
    successful_messages: successful,
    failed_messages: t.failedMessages,
    success_rate: t.messages === 0 ? 100 : round2((successful / t.messages) * 100),
    total_bytes: t.bytes,
    avg_latency_ms: deliveries(t) === 0 ? 0 : round2(t.latencySumMs / deliveries(t)),
    p50_latency_ms: round2(latencyPercentile(dist, 0.5)),
    p95_latency_ms: round2(latencyPercentile(dist, 0.95)),
    p99_latency_ms: round2(latencyPercentile(dist, 0.99)),
    avg_failed_latency_ms: t.failedSends === 0 ? 0 : round2(t.failedLatencySumMs / t.failedSends),
  };
}

/** The hourly series of `range`, one point per hour, hours missing from `byHour` (epoch hours) as zeros. */
export function toHourly(range: MinuteRange, byHour: ReadonlyMap<number, RollupTotals>): HourlyPoint[] {
  const points: HourlyPoint[] = [];
  for (let hour = range.from / 60; hour < range.to / 60; hour++) {
    const t = byHour.get(hour);
    points.push({
      hour: new Date(hour * HOUR_MS).toISOString(),
      messages: t?.messages ?? 0,
      failed: t?.failedMessages ?? 0,
      bytes: t?.bytes ?? 0,
      avg_latency_ms: t && deliveries(t) > 0 ? round2(t.latencySumMs / deliveries(t)) : 0,
      p99_latency_ms: t ? round2(latencyPercentile(distribution(t), 0.99)) : 0,
    });
  }
  return points;
}
