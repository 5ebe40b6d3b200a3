import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { EvaluationReport } from '../core/alerts/alert-monitor';

type Activities = ReturnType<typeof createActivities>;

// The next scheduled evaluation comes in minutes: a short retry only covers a worker that died mid-way.
const { evaluateAlerts } = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '10s', maximumAttempts: 3 },
});

/** One evaluation of the threshold alerts, started by the alert schedule (every 5 minutes by default). */
export async function alertEvaluation(): Promise<EvaluationReport> {
  return await evaluateAlerts();
}
