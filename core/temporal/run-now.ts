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

/**
 * "Esegui Ora": triggers a schedule once with the scheduling's overlap policy (trigger() alone
 * would allow overlapping runs), and returns the workflow id of the run it started.
 */
export async function runScheduleNow(
  client: Client,
  scheduleId: string,
  overlap: ScheduleOverlapPolicy = ScheduleOverlapPolicy.SKIP,
  deadlineMs = 30_000,
): Promise<string> {
  const handle = client.schedule.getHandle(scheduleId);
  const before = await handle.describe();
  const running = before.info.runningActions[0];
  if (running && overlap === ScheduleOverlapPolicy.SKIP) throw new RunAlreadyGoingError(scheduleId, running.workflow.workflowId);
  const known = new Set([
    ...before.info.recentActions.map((a) => a.action.workflow.workflowId),
    ...before.info.runningActions.map((a) => a.workflow.workflowId),
  ]);
  await handle.trigger(overlap);
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    const now = await handle.describe();
    const started = [
      ...now.info.runningActions.map((a) => a.workflow.workflowId),
      ...now.info.recentActions.map((a) => a.action.workflow.workflowId),
    ].find((id) => !known.has(id));
    if (started) return started;
    await sleep(250);
  }
  throw new Error(`${scheduleId}: triggered, but no run appeared within ${deadlineMs} ms`);
}
