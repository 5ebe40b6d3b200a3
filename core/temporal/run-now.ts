import { setTimeout as sleep } from 'node:timers/promises';
import { ScheduleOverlapPolicy, type Client } from '@temporalio/client';

/**
 * "Esegui Ora": triggers a schedule once, honouring the skip-overlap policy (trigger() alone
 * would allow overlapping runs), and returns the workflow id of the run it started.
 */
export async function runScheduleNow(client: Client, scheduleId: string, deadlineMs = 30_000): Promise<string> {
  const handle = client.schedule.getHandle(scheduleId);
  const before = await handle.describe();
  const known = new Set([
    ...before.info.recentActions.map((a) => a.action.workflow.workflowId),
    ...before.info.runningActions.map((a) => a.workflow.workflowId),
  ]);
  if (before.info.runningActions[0]) {
    throw new Error(`${scheduleId}: a run is already going (${before.info.runningActions[0].workflow.workflowId})`);
  }
  await handle.trigger(ScheduleOverlapPolicy.SKIP);
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
