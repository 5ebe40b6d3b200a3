import { emptyBuckets, latencyBucket } from './latency-histogram';
import type { SendRecord } from './send-record';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

/** Counts of a set of sends: one rollup row, or the sum of many. */
export interface RollupTotals {
  sends: number;
  failedSends: number;
  messages: number;
  /** Messages of the sends that failed. */
  failedMessages: number;
  bytes: number;
  /**
   * Latencies of the deliveries (sends that succeeded) only: a failure's latency is how long it took to
   * give up, not a delivery time, and one slow failure would otherwise turn the p99 critical.
   */
  latencySumMs: number;
  /** Smallest and largest delivery latency seen; 0 when nothing was delivered. */
  latencyMinMs: number;
  latencyMaxMs: number;
  /** Deliveries per latency bucket (see latency-histogram.ts). */
  buckets: number[];
  /** Latencies of the failed sends, summed: their real duration, kept apart from the deliveries'. */
  failedLatencySumMs: number;
}

/** The sends of one minute to one topic for one scheduling: the store's row. */
export interface MinuteRollup extends RollupTotals {
  /** Minutes since the Unix epoch (UTC). */
  minute: number;
  topic: string;
  /** '' for ad-hoc sends (a primary key column cannot be null). */
  scheduling: string;
}

export function emptyTotals(): RollupTotals {
  return {
    sends: 0,
    failedSends: 0,
    messages: 0,
    failedMessages: 0,
    bytes: 0,
    latencySumMs: 0,
    latencyMinMs: 0,
    latencyMaxMs: 0,
    buckets: emptyBuckets(),
    failedLatencySumMs: 0,
  };
}

/** Sends that succeeded: the ones the latency fields describe. */
export function deliveries(t: RollupTotals): number {
  return t.sends - t.failedSends;
}

export function minuteOf(at: Date | number): number {
  return Math.floor((typeof at === 'number' ? at : at.getTime()) / MINUTE_MS);
}

export function rollupKey(r: Pick<MinuteRollup, 'minute' | 'topic' | 'scheduling'>): string {
  return `${r.minute}\u0000${r.topic}\u0000${r.scheduling}`;
}

/** Adds `b` into `a` (counts, sums, extremes and buckets). */
export function addTotals(a: RollupTotals, b: RollupTotals): void {
  if (b.sends === 0) return;
  if (deliveries(b) > 0) {
    a.latencyMinMs = deliveries(a) === 0 ? b.latencyMinMs : Math.min(a.latencyMinMs, b.latencyMinMs);
    a.latencyMaxMs = deliveries(a) === 0 ? b.latencyMaxMs : Math.max(a.latencyMaxMs, b.latencyMaxMs);
  }
  a.sends += b.sends;
  a.failedSends += b.failedSends;
  a.messages += b.messages;
  a.failedMessages += b.failedMessages;
  a.bytes += b.bytes;
  a.latencySumMs += b.latencySumMs;
  a.failedLatencySumMs += b.failedLatencySumMs;
  b.buckets.forEach((count, i) => {
    a.buckets[i] = (a.buckets[i] ?? 0) + count;
  });
}

function count(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.round(n) : 0;
}

/** One send as a rollup of one send; out-of-range numbers (negative, NaN) count as 0, a bad date as now. */
export function rollupOf(r: SendRecord): MinuteRollup {
  const time = r.at instanceof Date && Number.isFinite(r.at.getTime()) ? r.at.getTime() : Date.now();
  const latency = Number.isFinite(r.latencyMs) && r.latencyMs > 0 ? r.latencyMs : 0;
  const messages = count(r.messages);
  const buckets = emptyBuckets();
  if (r.success) buckets[latencyBucket(latency)] = 1;
  const delivered = r.success ? latency : 0;
  return {
    minute: minuteOf(time),
    topic: String(r.topic),
    scheduling: r.scheduling ?? '',
    sends: 1,
    failedSends: r.success ? 0 : 1,
    messages,
    failedMessages: r.success ? 0 : messages,
    bytes: count(r.bytes),
    latencySumMs: delivered,
    latencyMinMs: delivered,
    latencyMaxMs: delivered,
    buckets,
    failedLatencySumMs: r.success ? 0 : latency,
  };
}
