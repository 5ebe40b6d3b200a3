import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { AppConfig } from '../config';

export const RETENTION_WORKFLOW_TYPE = 'metricsRetention';

/** One retention schedule per deployment (namespace and task queue). */
export function retentionScheduleIdOf(taskQueue: string): string {
  return `pstt-metrics-retention-${taskQueue}`;
}

/**
 * Makes sure the automatic metrics retention runs every day at 02:00 UTC on this deployment's
 * task queue (the runbook's "cleanup metrics" prevention task, done by Temporal). Idempotent.
 */
export async function ensureRetentionSchedule(
  client: Client,
  config: Pick<AppConfig, 'temporal'>,
): Promise<'created' | 'unchanged'> {
  const scheduleId = retentionScheduleIdOf(config.temporal.task_queue);
  try {
    await client.schedule.getHandle(scheduleId).describe();
    return 'unchanged';
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }
  await client.schedule.create({
    scheduleId,
    spec: { cronExpressions: ['0 2 * * *'], timezone: 'UTC' },
    action: {
      type: 'startWorkflow',
      workflowType: RETENTION_WORKFLOW_TYPE,
      workflowId: `metrics-retention-${config.temporal.task_queue}`,
      taskQueue: config.temporal.task_queue,
      args: [],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    memo: { pstt_system: true },
  });
  return 'created';
}
