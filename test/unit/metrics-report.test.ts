import { InvalidMetricsArgumentError } from '../../core/errors';
import { emptyBuckets, latencyBucket } from '../../core/metrics/latency-histogram';
import { cleanupCutoff, hourlyRange, periodRange, toHourly, toSummary } from '../../core/metrics/metrics-report';
import { emptyTotals, minuteOf, type RollupTotals } from '../../core/metrics/minute-rollup';

const NOW = new Date(Date.UTC(2026, 2, 15, 10, 30, 45));

describe('metrics report windows', () => {
  it('starts today at 00:00 UTC and the other periods that long before now, through the minute of now', () => {
    const to = minuteOf(NOW) + 1;
    expect(periodRange('today', NOW)).toEqual({ from: minuteOf(Date.UTC(2026, 2, 15)), to });
    expect(periodRange('24h', NOW)).toEqual({ from: minuteOf(Date.UTC(2026, 2, 14, 10, 30)), to });
    expect(periodRange('7d', NOW)).toEqual({ from: minuteOf(Date.UTC(2026, 2, 8, 10, 30)), to });
    expect(periodRange('30d', NOW)).toEqual({ from: minuteOf(Date.UTC(2026, 1, 13, 10, 30)), to });
    expect(() => periodRange('1y' as 'today', NOW)).toThrow(InvalidMetricsArgumentError);
  });

  it('covers whole hours ending with the hour of now', () => {
    expect(hourlyRange(6, NOW)).toEqual({
      from: minuteOf(Date.UTC(2026, 2, 15, 5)),
      to: minuteOf(Date.UTC(2026, 2, 15, 11)),
    });
    for (const bad of [0, -1, 1.5, Number.NaN, 100_000]) {
      expect(() => hourlyRange(bad, NOW)).toThrow(InvalidMetricsArgumentError);
    }
  });

  it('keeps the minutes from `days` before now', () => {
    expect(cleanupCutoff(30, NOW)).toBe(minuteOf(Date.UTC(2026, 1, 13, 10, 30)));
    expect(cleanupCutoff(0, NOW)).toBe(minuteOf(NOW));
    expect(() => cleanupCutoff(-1, NOW)).toThrow('metrics days: expected an integer from 0 to 3650, got -1');
  });
});

describe('metrics report shapes', () => {
  function totals(over: Partial<RollupTotals>): RollupTotals {
    return { ...emptyTotals(), ...over };
  }

  it("rounds the success rate to 2 decimals, weighs latency per delivery and keeps failures' latency apart", () => {
    const buckets = emptyBuckets();
    buckets[latencyBucket(10)] = 2;
    buckets[latencyBucket(40)] = 1;
    const s = toSummary(
      '24h',
      totals({
        sends: 4,
        failedSends: 1,
        messages: 3000,
        failedMessages: 1,
        bytes: 5,
        latencySumMs: 60,
        latencyMinMs: 10,
        latencyMaxMs: 40,
        buckets,
        failedLatencySumMs: 8500,
      }),
    );
    expect(s).toEqual({
      period: '24h',
      total_messages: 3000,
      successful_messages: 2999,
      failed_messages: 1,
      success_rate: 99.97,
      total_bytes: 5,
      avg_latency_ms: 20,
      p50_latency_ms: 10,
      p95_latency_ms: 40,
      p99_latency_ms: 40,
      avg_failed_latency_ms: 8500,
    });
  });

  it('fills missing hours with zeros', () => {
    const range = hourlyRange(3, NOW);
    const hour9 = Date.UTC(2026, 2, 15, 9) / 3_600_000;
    const points = toHourly(range, new Map([[hour9, totals({ sends: 1, messages: 2, bytes: 3, latencySumMs: 4 })]]));
    expect(points).toEqual([
      { hour: '2026-03-15T08:00:00.000Z', messages: 0, failed: 0, bytes: 0, avg_latency_ms: 0, p99_latency_ms: 0 },
      { hour: '2026-03-15T09:00:00.000Z', messages: 2, failed: 0, bytes: 3, avg_latency_ms: 4, p99_latency_ms: 0 },
      { hour: '2026-03-15T10:00:00.000Z', messages: 0, failed: 0, bytes: 0, avg_latency_ms: 0, p99_latency_ms: 0 },
    ]);
  });
});
