import type { Client, ScheduleDescription, ScheduleOverlapPolicy, ScheduleUpdateOptions } from '@temporalio/client';
import { BACKFILL_MEMO_KEY } from './naming';

/** Older requests are dropped from the memo: their runs have long started and keep their own copy. */
const KEPT_REQUESTS = 50;

export interface BackfillRequest {
  from: string;
  to: string;
  requested_at: string;
}

function requestsOf(memo: Record<string, unknown> | undefined): BackfillRequest[] {
  const value = memo?.[BACKFILL_MEMO_KEY];
  return Array.isArray(value) ? (value as BackfillRequest[]) : [];
}

/**
 * Whether a run with this memo and scheduled time was started by a backfill.
 *
 * Temporal records nothing on a run that says a backfill started it (its scheduled time is the
 * backfilled one, its scheduled-by id the schedule's, as for any scheduled run). So the API writes
 * each backfill request into the schedule action's memo before asking for it; every run the schedule
 * starts afterwards carries that memo, and a run is a backfill when its scheduled time falls inside
 * a window requested after that time (normal runs are scheduled after the request, not before it).
 */
export function isBackfillRun(memo: Record<string, unknown> | undefined, scheduledTime: Date | undefined): boolean {
  if (!scheduledTime) return false;
  const t = scheduledTime.getTime();
  return requestsOf(memo).some(
    (r) => Date.parse(r.from) <= t && t <= Date.parse(r.to) && t < Date.parse(r.requested_at),
  );
}

/**
 * Runs a schedule's action for every time its spec matches in [from, to], with the given overlap
 * policy, after recording the request in the action's memo (see `isBackfillRun`).
 */
export async function backfillSchedule(
  client: Client,
  scheduleId: string,
  window: { from: Date; to: Date },
  overlap: ScheduleOverlapPolicy,
  now = new Date(),
): Promise<void> {
  const handle = client.schedule.getHandle(scheduleId);
  const request: BackfillRequest = {
    from: window.from.toISOString(),
    to: window.to.toISOString(),
    requested_at: now.toISOString(),
  };
  await handle.update((previous: ScheduleDescription): ScheduleUpdateOptions => {
    if (previous.action.type !== 'startWorkflow') throw new Error(`${scheduleId}: not a workflow schedule`);
    // The typed search attributes alone: the SDK's description carries both forms.
    const action = { ...previous.action, searchAttributes: undefined };
    const memo = { ...action.memo, [BACKFILL_MEMO_KEY]: [...requestsOf(action.memo), request].slice(-KEPT_REQUESTS) };
    return { ...previous, action: { ...action, memo } };
  });
  await handle.backfill({ start: window.from, end: window.to, overlap });
}
