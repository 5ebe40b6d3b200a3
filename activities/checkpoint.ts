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
