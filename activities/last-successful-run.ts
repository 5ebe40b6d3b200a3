import type { Client } from '@temporalio/client';
import { SCHEDULED_TIME } from '../core/temporal/naming';
import { exportRunsQuery } from '../core/temporal/visibility';
import { currentRunScope, type RunScope } from './run-scope';

/**
 * The scheduled time (ISO-8601) of a scheduling's latest successful run before `before`, read
 * from Temporal visibility (no second history store), or null when there is none. Only runs on the
 * same task queue and of the same workflow type count (`scope`, by default the calling run's).
 */
export function makeLastSuccessfulRun(client: Client) {
  return async function lastSuccessfulRun(
    schedulingName: string,
    before: string,
    scope?: RunScope,
  ): Promise<string | null> {
    const query = exportRunsQuery({
      ...(scope ?? currentRunScope()),
      scheduling: schedulingName,
      status: ['Completed'],
      scheduledBefore: before,
    });
    let latest: Date | null = null;
    let seen = 0;
    for await (const run of client.workflow.list({ query, pageSize: 100 })) {
      const at = run.typedSearchAttributes.get(SCHEDULED_TIME);
      if (at && (!latest || at > latest)) latest = at;
      // Visibility lists newest starts first: the first page holds the answer.
      if (++seen >= 100) break;
    }
    return latest ? latest.toISOString() : null;
  };
}
