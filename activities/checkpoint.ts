import { CancelledFailure, Context } from '@temporalio/activity';
import {
  ActivityCancelledError,
  ActivityNotFoundError,
  ActivityPausedError,
  ActivityResetError,
  type Client,
} from '@temporalio/client';
import { CheckpointLostError } from '../core/errors';

/** Longest time progress waits before a direct heartbeat carries it, while rows flow. */
const CHECKPOINT_EVERY_MS = 1_000;
/** Used when the activity has no heartbeat timeout (never in exportJob). */
const DEFAULT_CUT_OFF_MS = 20_000;

/**
 * Records an export's progress on the Temporal server, off the send path. The worker's own heartbeats
 * are throttled (up to 0.8 × heartbeatTimeout), so a retry after a crash could resume from far behind;
 * a direct heartbeat RPC is exact but costs a round trip and a server write, so progress is
 * coalesced: at most one RPC in flight, the latest progress wins, one at least every second while
 * rows flow and one at the end (`flush`). `update` never waits on Temporal.
 *
 * The zombie rule: an attempt whose direct heartbeats have not reached the server for longer than
 * its heartbeat timeout may already be retried elsewhere, so `assertLive` fails it before it sends
 * more. Cancel, pause and reset stop it like a cancel.
 */
export class Checkpointer<P> {
  private latest: P | null = null;
  private sent: P | null = null;
  private inFlight: Promise<void> | null = null;
  private lastStartAt = 0;
  private lastReachedAt = Date.now();
  private stopped: Error | null = null;
  private readonly cutOffMs: number;
  /** Direct heartbeats made, for the benchmark's "heartbeats per second". */
  rpcs = 0;

  constructor(
    private readonly ctx: Context,
    private readonly temporal: Client,
    private readonly everyMs = CHECKPOINT_EVERY_MS,
  ) {
    this.cutOffMs = ctx.info.heartbeatTimeoutMs || DEFAULT_CUT_OFF_MS;
  }

  /** Takes the latest progress; starts a direct heartbeat if none is in flight and the last is old enough. */
  update(progress: P): void {
    this.latest = progress;
    // The worker notices a stalled activity on its own unless it hears of heartbeats too; throttled, cheap.
    this.ctx.heartbeat(progress);
    if (!this.inFlight && Date.now() - this.lastStartAt >= this.everyMs) void this.start();
  }

  /** Throws when this attempt must stop sending: cancelled, paused, reset, or cut off from the server. */
  assertLive(): void {
    if (this.stopped) throw this.stopped;
    const silentMs = Date.now() - this.lastReachedAt;
    if (silentMs > this.cutOffMs) {
      this.stopped = new CheckpointLostError(silentMs, this.cutOffMs);
      throw this.stopped;
    }
  }

  /** Waits for the heartbeat in flight and records the latest progress; fails like `assertLive`. */
  async flush(): Promise<void> {
    while (this.inFlight) await this.inFlight;
    if (this.latest !== null && this.latest !== this.sent) await this.start();
    if (this.stopped) throw this.stopped;
  }

  private start(): Promise<void> {
    const progress = this.latest as P;
    this.lastStartAt = Date.now();
    this.rpcs += 1;
    const rpc = this.temporal.activity
      .heartbeat(this.ctx.info.taskToken, progress)
      .then(
        () => {
          this.sent = progress;
          this.lastReachedAt = Date.now();
        },
        (err: unknown) => {
          if (
            err instanceof ActivityCancelledError ||
            err instanceof ActivityPausedError ||
            err instanceof ActivityResetError
          ) {
            this.stopped = new CancelledFailure(
              `export ${err.constructor.name.replace(/^Activity|Error$/g, '').toLowerCase()}`,
            );
          } else if (err instanceof ActivityNotFoundError) {
            // Timed out or superseded: a retry may already run; stop before it is duplicated further.
            this.stopped = err;
          }
          // Otherwise the server is briefly unreachable: the worker's buffered heartbeat carries the
          // progress, and assertLive stops the attempt if this lasts past the heartbeat timeout.
        },
      )
      .finally(() => {
        this.inFlight = null;
      });
    this.inFlight = rpc;
    return rpc;
  }
}

/** How often an export tells the worker it is alive, whatever it is waiting on. */
const KEEP_ALIVE_MS = 5_000;

/**
 * Heartbeats the latest progress on a timer until stopped. Checkpoints come only with rows, so a
 * query that takes longer than the heartbeat timeout to return its first row (a large aggregate),
 * or a long XLSX finish, would otherwise be timed out and retried as if its worker had died. The
 * timer stops with the worker process, so a dead worker is still noticed within the timeout.
 */
export function startKeepAlive(ctx: Context, latest: () => unknown, everyMs = KEEP_ALIVE_MS): () => void {
  const timer = setInterval(() => ctx.heartbeat(latest()), everyMs);
  return () => clearInterval(timer);
}
