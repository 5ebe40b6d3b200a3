import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { RunMemo } from '../core/job';
import { RUN_MEMO_KEY } from '../core/temporal/naming';
import type { KeyValue } from '../core/resume-key';
import { exportRunsQuery } from '../core/temporal/visibility';
import { currentRunScope, type RunScope } from './run-scope';

/** Completed runs looked at: the newest hold the answer, and each run starts from the one before it. */
const RUNS_LOOKED_AT = 100;

/**
 * The high-water mark an incremental scheduling's latest successful run ended at, read from that run's
 * memo through Temporal visibility (no second store), or null before its first success. Only runs on
 * the same task queue and of the same workflow type count (`scope`, by default the calling run's), and
 * only a mark of the same `(column, ...key)` columns: one of other columns starts the scheduling over.
 */
export function makeLastWatermark(client: Client) {
  return async function lastWatermark(
    schedulingName: string,
    columns: string[],
    scope?: RunScope,
  ): Promise<KeyValue[] | null> {
    const query = exportRunsQuery({
      ...(scope ?? currentRunScope()),
      scheduling: schedulingName,
      status: ['Completed'],
    });
    let latest: { closed: number; memo: RunMemo } | null = null;
    let seen = 0;
    for await (const run of client.workflow.list({ query, pageSize: RUNS_LOOKED_AT })) {
      const memo = run.memo?.[RUN_MEMO_KEY] as RunMemo | undefined;
      const closed = run.closeTime?.getTime() ?? 0;
      // A run from before the scheduling was incremental recorded no mark: it says nothing.
      if (memo?.watermark !== undefined && (!latest || closed > latest.closed)) latest = { closed, memo };
      if (++seen >= RUNS_LOOKED_AT) break;
    }
    const sameColumns = JSON.stringify(latest?.memo.watermark_columns ?? null) === JSON.stringify(columns);
    const mark = sameColumns ? (latest?.memo.watermark ?? null) : null;
    // Expected before a scheduling's first success; later it means the runs that held it were deleted
    // (namespace retention) or the columns changed: the run starts at `initial`, so say so.
    if (!mark)
      Context.current().log.info('no watermark found: starting at incremental.initial', {
        scheduling: schedulingName,
        columns,
      });
    return mark;
  };
}
