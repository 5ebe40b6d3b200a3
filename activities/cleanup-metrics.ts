import type { CleanupResult } from '../core/metrics/metrics-store';
import type { ActivityDeps } from './deps';

/** Deletes metrics older than the configured retention (`metrics.retention_days`). */
export function makeCleanupMetrics(deps: Pick<ActivityDeps, 'metrics' | 'config'>) {
  return async function cleanupMetrics(): Promise<CleanupResult> {
    await deps.metrics.flush().catch(() => undefined);
    return deps.metrics.cleanup(deps.config.metrics.retention_days);
  };
}
