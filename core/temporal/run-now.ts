import { setTimeout as sleep } from 'node:timers/promises';
import { ScheduleOverlapPolicy, type Client } from '@temporalio/client';

/** Thrown by "run now" when a run of the scheduling is going and its overlap policy skips. */
export class RunAlreadyGoingError extends Error {
  constructor(
    readonly scheduleId: string,
    readonly workflowId: string,
  ) {
    super(`${scheduleId}: a run is already going (${workflowId})`);
    this.name = this.constructor.name;
  }
}

/** What a trigger did: started a run, or queued one behind the running run (a buffering overlap policy). */
export type RunNowOutcome = { buffered: false; workflowId: string } | { buffered: true; runningWorkflowId: string };

/** The run an outcome names: the one started, or the one going that the queued run waits behind. */
export function runOf(outcome: RunNowOutcome): string {
  return outcome.buffered ? outcome.runningWorkflowId : outcome.workflowId;
}

/** Overlap policies under which a trigger during a run waits for it instead of starting or being dropped. */
const BUFFERING: ReadonlySet<ScheduleOverlapPolicy> = new Set([
  ScheduleOverlapPolicy.BUFFER_ONE,
  ScheduleOverlapPolicy.BUFFER_ALL,
]);

/**
 * "Esegui Ora": triggers a schedule once with the scheduling's overlap policy (trigger() alone
 * would allow overlapping runs), and returns the workflow id of the run it started. While a run is
 * going, SKIP refuses (RunAlreadyGoingError) and BUFFER_ONE/BUFFER_ALL queue the run: no run
 * appears until the going one ends, so there is nothing to wait for.
 */
export function runScheduleNow(
  client: Client,
  scheduleId: string,
  overlap: ScheduleOverlapPolicy = ScheduleOverlapPolicy.SKIP,
  deadlineMs = 30_000,
): Promise<RunNowOutcome> {
  // Two calls at the same instant would both see no run going, both trigger (the schedule skips the
  // second) and both report the one run as theirs: one trigger at a time per schedule, so the second
  // sees the first's run. (Several API processes still race; the schedule's overlap policy keeps
  // them to one run.)
  const previous = triggersInFlight.get(scheduleId) ?? Promise.resolve();
  const mine = previous.catch(() => undefined).then(() => triggerOnce(client, scheduleId, overlap, deadlineMs));
  const settled = mine.catch(() => undefined);
  triggersInFlight.set(scheduleId, settled);
  void settled.then(() => {
    if (triggersInFlight.get(scheduleId) === settled) triggersInFlight.delete(scheduleId);
  });
  return mine;
}

/** The last trigger of each schedule this process has under way. */
const triggersInFlight = new Map<string, Promise<unknown>>();

async function triggerOnce(
  client: Client,
  scheduleId: string,
  overlap: ScheduleOverlapPolicy,
  deadlineMs: number,
): Promise<RunNowOutcome> {
  const handle = client.schedule.getHandle(scheduleId);
  const before = await handle.describe();
  const running = before.info.runningActions[0];
  if (running && overlap === ScheduleOverlapPolicy.SKIP)
    throw new RunAlreadyGoingError(scheduleId, running.workflow.workflowId);
  const known = new Set([
    ...before.info.recentActions.map((a) => a.action.workflow.workflowId),
    ...before.info.runningActions.map((a) => a.workflow.workflowId),
  ]);
  await handle.trigger(overlap);
  if (running && BUFFERING.has(overlap)) return { buffered: true, runningWorkflowId: running.workflow.workflowId };
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    const now = await handle.describe();
    const started = [
      ...now.info.runningActions.map((a) => a.workflow.workflowId),
      ...now.info.recentActions.map((a) => a.action.workflow.workflowId),
    ].find((id) => !known.has(id));
    if (started) return { buffered: false, workflowId: started };
    await sleep(250);
  }
  throw new Error(`${scheduleId}: triggered, but no run appeared within ${deadlineMs} ms`);
}
