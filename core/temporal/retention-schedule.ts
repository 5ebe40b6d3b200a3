import { ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { AppConfig } from '../config';
import { ensureSchedule, type EnsureOutcome } from './ensure-schedule';
import { retentionScheduleIdOf, retentionWorkflowIdOf, SYSTEM_MEMO_KEY, WORKFLOW_TYPES } from './naming';

/**
 * Makes sure the automatic metrics retention runs every day at 02:00 UTC on this deployment's
 * task queue (the runbook's "cleanup metrics" prevention task, done by Temporal). Idempotent: an
 * existing schedule is left as it is.
 */
export async function ensureRetentionSchedule(
  client: Client,
  config: Pick<AppConfig, 'temporal'>,
): Promise<EnsureOutcome> {
  const taskQueue = config.temporal.task_queue;
  const { outcome } = await ensureSchedule(client, {
    scheduleId: retentionScheduleIdOf(taskQueue),
    spec: { cronExpressions: ['0 2 * * *'], timezone: 'UTC' },
    action: {
      type: 'startWorkflow',
      workflowType: WORKFLOW_TYPES.metricsRetention,
      workflowId: retentionWorkflowIdOf(taskQueue),
      taskQueue,
      args: [],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    memo: { [SYSTEM_MEMO_KEY]: true },
  });
  return outcome;
}
