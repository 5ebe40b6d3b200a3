import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';

type Activities = ReturnType<typeof createActivities>;

const { cleanupMetrics } = proxyActivities<Activities>({
  startToCloseTimeout: '10m',
  retry: { initialInterval: '30s', maximumAttempts: 5 },
});

/** The automatic retention run: deletes metrics and alert log entries older than `metrics.retention_days`, daily. */
export async function metricsRetention(): Promise<{
  deleted: number;
  remaining: number;
  store_bytes: number;
  alerts_deleted: number;
}> {
  return await cleanupMetrics();
}
