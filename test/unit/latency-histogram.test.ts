import {
  LATENCY_BUCKET_BOUNDS_MS,
  LATENCY_BUCKETS,
  emptyBuckets,
  latencyBucket,
  latencyPercentile,
} from '../../core/metrics/latency-histogram';

function histogram(samples: number[]) {
  const counts = emptyBuckets();
  for (const s of samples) counts[latencyBucket(s)]! += 1;
  return { counts, minMs: Math.min(...samples), maxMs: Math.max(...samples) };
}

function nearestRank(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}

describe('latency histogram', () => {
  it('has log-spaced bounds from 1 ms to 60 s, each at most 1.5 times the previous, with the runbook thresholds', () => {
    expect(LATENCY_BUCKET_BOUNDS_MS[0]).toBe(1);
    expect(LATENCY_BUCKET_BOUNDS_MS.at(-1)).toBe(60_000);
    expect(LATENCY_BUCKETS).toBe(LATENCY_BUCKET_BOUNDS_MS.length + 1);
    for (let i = 1; i < LATENCY_BUCKET_BOUNDS_MS.length; i++) {
      const ratio = LATENCY_BUCKET_BOUNDS_MS[i]! / LATENCY_BUCKET_BOUNDS_MS[i - 1]!;
      expect(ratio).toBeGreaterThan(1);
      expect(ratio).toBeLessThanOrEqual(1.5);
    }
    expect(LATENCY_BUCKET_BOUNDS_MS).toEqual(expect.arrayContaining([500, 1000, 5000]));
  });

  it('puts a latency in the bucket whose upper bound is the first one at or above it', () => {
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(1)).toBe(0);
    expect(latencyBucket(1.01)).toBe(1);
    expect(latencyBucket(1000)).toBe(LATENCY_BUCKET_BOUNDS_MS.indexOf(1000));
    expect(latencyBucket(1000.5)).toBe(LATENCY_BUCKET_BOUNDS_MS.indexOf(1000) + 1);
    expect(latencyBucket(60_000)).toBe(LATENCY_BUCKETS - 2);
    expect(latencyBucket(3_600_000)).toBe(LATENCY_BUCKETS - 1);
    expect(latencyBucket(-5)).toBe(0);
    expect(latencyBucket(Number.NaN)).toBe(0);
  });

  it('returns 0 for an empty histogram', () => {
    expect(latencyPercentile({ counts: emptyBuckets(), minMs: 0, maxMs: 0 }, 0.99)).toBe(0);
  });

  it('estimates every percentile inside the bucket of the true nearest-rank value', () => {
    // A skewed, repeatable sample set: mostly fast, a long tail, a few over 60 s.
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const samples = Array.from({ length: 5000 }, () => Math.exp(random() * 12) / 3);
    const dist = histogram(samples);
    for (const q of [0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1]) {
      const estimate = latencyPercentile(dist, q);
      const truth = nearestRank(samples, q);
      expect(latencyBucket(estimate)).toBe(latencyBucket(truth));
      expect(Math.abs(estimate - truth) / truth).toBeLessThan(0.5);
    }
  });

  it('is exact for one sample and never leaves the observed range', () => {
    expect(latencyPercentile(histogram([123]), 0.5)).toBe(123);
    expect(latencyPercentile(histogram([123]), 0.99)).toBe(123);
    expect(latencyPercentile(histogram([90_000, 120_000]), 1)).toBe(120_000);
    const dist = histogram([2.5, 2.6, 2.7]);
    expect(latencyPercentile(dist, 0.01)).toBeGreaterThanOrEqual(2.5);
    expect(latencyPercentile(dist, 1)).toBeLessThanOrEqual(2.7);
  });

  it('interpolates by rank within a bucket', () => {
    // 1..100 ms, evenly spread: the estimates are the exact nearest-rank values.
    const dist = histogram(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(latencyPercentile(dist, 0.5)).toBe(50);
    expect(latencyPercentile(dist, 0.95)).toBe(95);
    expect(latencyPercentile(dist, 0.99)).toBe(99);
  });

  it('decides the runbook thresholds exactly: at 1000 ms is not over, just above is', () => {
    const at = histogram([...Array<number>(99).fill(10), 1000]);
    const over = histogram([...Array<number>(99).fill(10), 1000.5]);
    expect(latencyPercentile(at, 1)).toBeLessThanOrEqual(1000);
    expect(latencyPercentile(over, 1)).toBeGreaterThan(1000);
  });
});
