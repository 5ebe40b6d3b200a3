import { CancelledFailure, Context } from '@temporalio/activity';
import { ActivityCancelledError, ActivityNotFoundError, type Client } from '@temporalio/client';

/**
 * Records an export's progress on the Temporal server at once. The worker's own heartbeats are
 * throttled (up to 0.8 × heartbeatTimeout), so after a crash the retry could resume from far
 * behind; this direct heartbeat makes the resume point lag by at most one in-flight window.
 * It also carries cancellation: a cancelled run stops at its next checkpoint.
 */
export function makeCheckpoint(ctx: Context, temporal: Client) {
  return async function checkpoint(progress: unknown): Promise<void> {
    try {
      await temporal.activity.heartbeat(ctx.info.taskToken, progress);
      // The worker times the activity out on its own (heartbeat timeout + 5 s) unless it hears of
      // heartbeats too: the direct call bypasses it. Its heartbeats are throttled, so this is cheap.
      ctx.heartbeat(progress);
    } catch (err) {
      if (err instanceof ActivityCancelledError) throw new CancelledFailure('export cancelled');
      // This attempt was timed out or superseded: stop sending before a retry duplicates more.
      if (err instanceof ActivityNotFoundError) throw err;
      // The server is briefly unreachable: fall back to the worker's buffered heartbeat.
      ctx.heartbeat(progress);
    }
  };
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
