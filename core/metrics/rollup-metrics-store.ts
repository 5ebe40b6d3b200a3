import {
  cleanupCutoff,
  hourlyRange,
  periodRange,
  recentRange,
  toHourly,
  toRecentSummary,
  toSummary,
  type MinuteRange,
} from './metrics-report';
import type {
  CleanupResult,
  HourlyPoint,
  MetricsPeriod,
  MetricsStore,
  MetricsStoreState,
  MetricsSummary,
  RecentSummary,
} from './metrics-store';
import type { MinuteRollup, RollupTotals } from './minute-rollup';
import { RollupBuffer, type RollupBufferOptions } from './rollup-buffer';
import type { SendRecord } from './send-record';

/**
 * What the two backends share: the in-memory buffer and the reports; a backend stores and sums rollup
 * rows. Reads and cleanups go straight to the backend: they may fail while writes are buffered.
 */
export abstract class RollupMetricsStore implements MetricsStore {
  private readonly buffer: RollupBuffer;
  private closing: Promise<void> | undefined;

  constructor(options: RollupBufferOptions = {}) {
    this.buffer = new RollupBuffer((rows) => this.writeRollups(rows), options);
  }

  /** Adds `rows` to the stored ones in one transaction (all or none). An empty list only checks the store. */
  protected abstract writeRollups(rows: MinuteRollup[]): Promise<void>;
  protected abstract readTotals(range: MinuteRange): Promise<RollupTotals>;
  /** Totals per epoch hour. */
  protected abstract readHourly(range: MinuteRange): Promise<Map<number, RollupTotals>>;
  protected abstract deleteBefore(minute: number): Promise<CleanupResult>;
  protected abstract closeBackend(): Promise<void>;
  abstract storeBytes(): Promise<number>;

  record(r: SendRecord): void {
    this.buffer.add(r);
  }

  flush(): Promise<void> {
    return this.buffer.flush();
  }

  /** Idempotent: the API and the worker may both close a shared store on shutdown. */
  close(): Promise<void> {
    this.closing ??= this.buffer.close().finally(() => this.closeBackend());
    return this.closing;
  }

  async summary(period: MetricsPeriod, now: Date = new Date()): Promise<MetricsSummary> {
    return toSummary(period, await this.readTotals(periodRange(period, now)));
  }

  async recentSummary(minutes: number, now: Date = new Date()): Promise<RecentSummary> {
    return toRecentSummary(minutes, await this.readTotals(recentRange(minutes, now)));
  }

  async hourly(hours: number, now: Date = new Date()): Promise<HourlyPoint[]> {
    const range = hourlyRange(hours, now);
    return toHourly(range, await this.readHourly(range));
  }

  async cleanup(olderThanDays: number, now: Date = new Date()): Promise<CleanupResult> {
    return this.deleteBefore(cleanupCutoff(olderThanDays, now));
  }

  state(): MetricsStoreState {
    return this.buffer.state();
  }
}
