/**
 * Fixed latency histogram of the metrics store: the same buckets everywhere, so that histograms of
 * minutes, hours and days add up bucket by bucket and percentiles over 30 days cost one SUM per bucket.
 *
 * Bucket 0 holds latencies in [0, 1] ms, bucket i in (BOUNDS[i-1], BOUNDS[i]], the last one everything
 * above 60 s. The bounds are roughly log-spaced (each at most 1.5 times the previous one) and include
 * the runbook's p99 thresholds (500, 1000, 5000 ms).
 *
 * Error of a percentile: the estimate lies in the same bucket as the true value (nearest rank), so it is
 * off by less than that bucket's width, under 50% of the true value; a comparison with a threshold that is
 * a bucket bound (500, 1000, 5000 ms) is therefore exact. Within the bucket the estimate is interpolated
 * linearly by rank and clamped to the observed minimum and maximum, so for evenly spread latencies it is
 * usually much closer than the bound.
 */

/** Upper bounds of the buckets, in milliseconds; one more bucket holds everything above the last. */
export const LATENCY_BUCKET_BOUNDS_MS: readonly number[] = [
  1, 1.5, 2, 3, 4, 5, 7, 10, 15, 20, 30, 40, 50, 70, 100, 150, 200, 300, 400, 500, 700, 1000, 1500, 2000, 3000, 4000,
  5000, 7000, 10_000, 15_000, 20_000, 30_000, 45_000, 60_000,
];

/** Number of buckets, the overflow bucket (above 60 s) included. */
export const LATENCY_BUCKETS = LATENCY_BUCKET_BOUNDS_MS.length + 1;

/** Index of the bucket that holds a latency; negative and non-finite latencies count as 0 ms. */
export function latencyBucket(latencyMs: number): number {
  const ms = Number.isFinite(latencyMs) && latencyMs > 0 ? latencyMs : 0;
  let lo = 0;
  let hi = LATENCY_BUCKET_BOUNDS_MS.length;
  // First bound >= ms; the overflow bucket when there is none.
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((LATENCY_BUCKET_BOUNDS_MS[mid] as number) < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A histogram with the observed extremes, which bound the estimates. */
export interface LatencyDistribution {
  /** Count per bucket, `LATENCY_BUCKETS` entries. */
  readonly counts: readonly number[];
  readonly minMs: number;
  readonly maxMs: number;
}

/** An empty histogram (all buckets zero). */
export function emptyBuckets(): number[] {
  return new Array<number>(LATENCY_BUCKETS).fill(0);
}

/**
 * The `q`-quantile (0 < q <= 1) of the samples, by nearest rank (the ceil(q·n)-th smallest sample),
 * estimated from the histogram as the module comment describes; 0 when there are no samples.
 */
export function latencyPercentile(dist: LatencyDistribution, q: number): number {
  const total = dist.counts.reduce((n, c) => n + c, 0);
  if (total <= 0) return 0;
  const rank = Math.min(total, Math.max(1, Math.ceil(q * total)));
  let below = 0;
  for (let i = 0; i < dist.counts.length; i++) {
    const count = dist.counts[i] ?? 0;
    if (count > 0 && below + count >= rank) {
      const lower = i === 0 ? 0 : (LATENCY_BUCKET_BOUNDS_MS[i - 1] as number);
      const upper = LATENCY_BUCKET_BOUNDS_MS[i] ?? Math.max(lower, dist.maxMs);
      const estimate = lower + ((upper - lower) * (rank - below)) / count;
      return Math.min(Math.max(estimate, dist.minMs), dist.maxMs);
    }
    below += count;
  }
  return dist.maxMs;
}
