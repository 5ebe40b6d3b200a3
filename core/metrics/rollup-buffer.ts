import { logger } from '../logger';
import { addTotals, rollupKey, rollupOf, type MinuteRollup } from './minute-rollup';
import type { MetricsStoreState } from './metrics-store';
import type { SendRecord } from './send-record';

/** How a store buffers sends in memory before writing them. */
export interface RollupBufferOptions {
  /** How long a send waits in memory before the background write. @default 1000 */
  flushIntervalMs?: number;
  /** Write early once this many sends are waiting. @default 1000 */
  flushEverySends?: number;
  /** Delay between write attempts while writes fail. @default 5000 */
  retryIntervalMs?: number;
  /**
   * Most rollup rows (minute × topic × scheduling) kept in memory while writes fail; beyond it the oldest
   * minutes are dropped and their sends counted in `state().dropped`. @default 10000
   */
  maxBufferedRows?: number;
}

/** Writes rollup rows, adding them to the stored ones, all or none. */
export type RollupWriter = (rows: MinuteRollup[]) => Promise<void>;

/**
 * The in-memory side of a metrics store: sends are added to per-minute rollups in memory (so memory grows
 * with minutes × topics × schedulings, not with sends) and written in the background, one write at a time.
 * A failed write puts its rows back, marks the buffer degraded and is retried; the next write that works
 * clears it.
 */
export class RollupBuffer {
  private pending = new Map<string, MinuteRollup>();
  private pendingSends = 0;
  private dropped = 0;
  private degraded = false;
  private lastError: string | null = null;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private closed = false;
  private readonly flushIntervalMs: number;
  private readonly flushEverySends: number;
  private readonly retryIntervalMs: number;
  private readonly maxRows: number;

  constructor(
    private readonly write: RollupWriter,
    options: RollupBufferOptions = {},
  ) {
    this.flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.flushEverySends = options.flushEverySends ?? 1000;
    this.retryIntervalMs = options.retryIntervalMs ?? 5000;
    this.maxRows = Math.max(1, options.maxBufferedRows ?? 10_000);
  }

  /** Adds one send; never throws. */
  add(record: SendRecord): void {
    try {
      if (this.closed) {
        this.dropped++;
        return;
      }
      this.merge(rollupOf(record));
      this.pendingSends++;
      this.trim();
      if (this.pendingSends >= this.flushEverySends && !this.degraded && !this.inFlight) this.schedule(0);
      else this.schedule(this.degraded ? this.retryIntervalMs : this.flushIntervalMs);
    } catch {
      // A record that cannot even be added is lost, but never fails the send that produced it.
      this.dropped++;
    }
  }

  state(): MetricsStoreState {
    return { degraded: this.degraded, lastError: this.lastError, buffered: this.pendingSends, dropped: this.dropped };
  }

  /** Writes what is buffered now (after any write in progress); rejects with the write's error. */
  async flush(): Promise<void> {
    while (this.inFlight) await this.inFlight.catch(() => undefined);
    await this.run();
  }

  /** Stops the timer and writes what is left; a failure is logged with the sends it loses. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    try {
      await this.flush();
    } catch (err) {
      logger.warn({ err, lost: this.pendingSends }, 'metrics store closed with unwritten sends');
      this.dropped += this.pendingSends;
      this.pending.clear();
      this.pendingSends = 0;
    }
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    if (this.timer) {
      if (delayMs > 0) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.inFlight) this.run().catch(() => undefined);
    }, delayMs);
    // Metrics alone must not keep a process alive.
    this.timer.unref();
  }

  private run(): Promise<void> {
    const promise = this.writePending().finally(() => {
      this.inFlight = undefined;
      if (this.pendingSends > 0) this.schedule(this.degraded ? this.retryIntervalMs : this.flushIntervalMs);
    });
    this.inFlight = promise;
    return promise;
  }

  private async writePending(): Promise<void> {
    // While degraded an empty write still probes the store, so that recovery is noticed.
    if (this.pending.size === 0 && !this.degraded) return;
    const rows = [...this.pending.values()];
    const sends = this.pendingSends;
    this.pending = new Map();
    this.pendingSends = 0;
    try {
      await this.write(rows);
    } catch (err) {
      for (const row of rows) this.merge(row);
      this.pendingSends += sends;
      this.trim();
      const message = err instanceof Error ? err.message : String(err);
      if (!this.degraded) logger.warn({ err, buffered: this.pendingSends }, 'metrics store write failed: buffering');
      this.degraded = true;
      this.lastError = message;
      throw err;
    }
    if (this.degraded) logger.info({ written: sends, dropped: this.dropped }, 'metrics store writes again');
    this.degraded = false;
    this.lastError = null;
  }

  private merge(row: MinuteRollup): void {
    const key = rollupKey(row);
    const existing = this.pending.get(key);
    if (existing) addTotals(existing, row);
    else this.pending.set(key, { ...row, buckets: [...row.buckets] });
  }

  /** Over the cap, drops the oldest minutes down to 90% of it, so that trimming is not paid on every send. */
  private trim(): void {
    if (this.pending.size <= this.maxRows) return;
    const keep = Math.max(1, Math.floor(this.maxRows * 0.9));
    const oldestFirst = [...this.pending.entries()].sort((a, b) => a[1].minute - b[1].minute);
    for (const [key, row] of oldestFirst.slice(0, oldestFirst.length - keep)) {
      this.pending.delete(key);
      this.pendingSends -= row.sends;
      this.dropped += row.sends;
    }
  }
}
