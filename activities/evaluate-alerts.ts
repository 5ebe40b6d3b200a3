import { AlertMonitor, type EvaluationReport } from '../core/alerts/alert-monitor';
import type { AlertInputs } from '../core/alerts/alert-rules';
import { probeCluster } from '../core/kafka/cluster-probe';
import { jobFailureCounts } from '../core/temporal/job-failure-counts';
import type { ActivityDeps } from './deps';

const HOUR_MS = 3_600_000;

function errorOf(err: unknown): { error: string } {
  return { error: err instanceof Error ? err.message : String(err) };
}

/**
 * One evaluation of the threshold alerts: measures Kafka (a metadata round trip), the send metrics of the
 * last minutes and the closed runs of the last hours, then lets the monitor log and e-mail changes of level.
 * An input that cannot be read leaves its rules as they were (see `evaluateRule`).
 */
export function makeEvaluateAlerts(
  deps: Pick<ActivityDeps, 'alerts' | 'alertConfig' | 'mailer' | 'metrics' | 'kafka' | 'temporal' | 'config'>,
) {
  const monitor = new AlertMonitor(deps.alerts, deps.mailer, deps.alertConfig);
  return async function evaluateAlerts(): Promise<EvaluationReport> {
    const now = new Date();
    const { alertConfig: c } = deps;
    // This process's own sends count too.
    await deps.metrics.flush().catch(() => undefined);
    const [probe, metrics, jobs] = await Promise.all([
      probeCluster(deps.kafka),
      deps.metrics.recentSummary(c.metricsWindowMinutes, now).catch(errorOf),
      jobFailureCounts(
        deps.temporal,
        deps.config.temporal.task_queue,
        new Date(now.getTime() - c.jobFailureWindowHours * HOUR_MS),
      ).catch(errorOf),
    ]);
    const inputs: AlertInputs = { now, kafka: { connected: probe.brokers > 0, error: probe.error }, metrics, jobs };
    return monitor.evaluate(inputs);
  };
}
