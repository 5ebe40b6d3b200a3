import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';

type Activities = ReturnType<typeof createActivities>;

const { cleanupMetrics } = proxyActivities<Activities>({
  startToCloseTimeout: '10m',
  retry: { initialInterval: '30s', maximumAttempts: 5 },
});

/** The automatic retention run: deletes metrics older than `metrics.retention_days`, on a daily schedule. */
export async function metricsRetention(): Promise<{ deleted: number; remaining: number; store_bytes: number }> {
  return await cleanupMetrics();
}
