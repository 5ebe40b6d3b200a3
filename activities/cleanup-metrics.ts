import type { CleanupResult } from '../core/metrics/metrics-store';
import type { ActivityDeps } from './deps';

/** Deletes metrics, and logged alert transitions, older than the configured retention (`metrics.retention_days`). */
export function makeCleanupMetrics(deps: Pick<ActivityDeps, 'metrics' | 'config' | 'alerts'>) {
  return async function cleanupMetrics(): Promise<CleanupResult & { alerts_deleted: number }> {
    await deps.metrics.flush().catch(() => undefined);
    const days = deps.config.metrics.retention_days;
    const result = await deps.metrics.cleanup(days);
    const alertsDeleted = await deps.alerts.deleteBefore(new Date(Date.now() - days * 24 * 3600_000));
    return { ...result, alerts_deleted: alertsDeleted };
  };
}
