import { ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import type { AlertConfig, AppConfig } from '../config';
import { ensureSchedule, type EnsureOutcome } from './ensure-schedule';
import {
  ALERT_INTERVAL_MEMO_KEY,
  alertScheduleIdOf,
  alertWorkflowIdOf,
  SYSTEM_MEMO_KEY,
  WORKFLOW_TYPES,
} from './naming';

function alertScheduleOptions(
  config: Pick<AppConfig, 'temporal'>,
  every: AlertConfig['evaluationInterval'],
): ScheduleOptions {
  const taskQueue = config.temporal.task_queue;
  return {
    scheduleId: alertScheduleIdOf(taskQueue),
    spec: { intervals: [{ every }] },
    action: {
      type: 'startWorkflow',
      workflowType: WORKFLOW_TYPES.alertEvaluation,
      workflowId: alertWorkflowIdOf(taskQueue),
      taskQueue,
      args: [],
      memo: { [ALERT_INTERVAL_MEMO_KEY]: every },
    },
    // Evaluations missed while Temporal was down are not worth catching up: the next one sees the present.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1m', pauseOnFailure: false },
    memo: { [SYSTEM_MEMO_KEY]: true },
  };
}

/**
 * Makes sure the threshold alerts are evaluated every `evaluationInterval` (default 5 minutes) on this
 * deployment's task queue. Idempotent: creates the schedule, updates it when the interval changed.
 */
export async function ensureAlertSchedule(
  client: Client,
  config: Pick<AppConfig, 'temporal'>,
  alerts: Pick<AlertConfig, 'evaluationInterval'>,
): Promise<EnsureOutcome> {
  const options = alertScheduleOptions(config, alerts.evaluationInterval);
  return (await ensureSchedule(client, options, { versionKey: ALERT_INTERVAL_MEMO_KEY })).outcome;
}
