import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import type { AlertConfig } from '../alerts/alert-config';
import type { AppConfig } from '../config';

export const ALERT_WORKFLOW_TYPE = 'alertEvaluation';
/** The interval the schedule was made with, to tell an unchanged schedule from one to update. */
const INTERVAL_MEMO_KEY = 'pstt_alert_interval';

/** One alert schedule per deployment (namespace and task queue). */
export function alertScheduleIdOf(taskQueue: string): string {
  return `pstt-alert-evaluation-${taskQueue}`;
}

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
      workflowType: ALERT_WORKFLOW_TYPE,
      workflowId: `alert-evaluation-${taskQueue}`,
      taskQueue,
      args: [],
      memo: { [INTERVAL_MEMO_KEY]: every },
    },
    // Evaluations missed while Temporal was down are not worth catching up: the next one sees the present.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1m', pauseOnFailure: false },
    memo: { pstt_system: true },
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
): Promise<'created' | 'updated' | 'unchanged'> {
  const options = alertScheduleOptions(config, alerts.evaluationInterval);
  const handle = client.schedule.getHandle(options.scheduleId);
  try {
    const current = await handle.describe();
    const interval = current.action.type === 'startWorkflow' ? current.action.memo?.[INTERVAL_MEMO_KEY] : undefined;
    if (interval === alerts.evaluationInterval) return 'unchanged';
    await handle.update((previous) => ({
      ...previous,
      spec: options.spec,
      action: options.action,
      policies: options.policies,
    }));
    return 'updated';
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }
  await client.schedule.create(options);
  return 'created';
}
