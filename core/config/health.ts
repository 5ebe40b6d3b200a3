import { z } from 'zod';
import type { AlertConfig, Thresholds } from './alerts';
import { checkThresholdOrder, envNumber, PERCENT } from './env-number';

/** Thresholds of the daily health check, from the runbook ("SLA e Obiettivi", "Metriche da Monitorare"). */
export interface HealthThresholds {
  /** Success rate of today's messages, in percent: below `warning` warns, below `critical` is critical. */
  successRate: Thresholds;
  /** p99 send latency, in milliseconds: above `warning` warns, above `critical` is critical. */
  latencyP99Ms: Thresholds;
  /**
   * Percent of the last 24 hours' Kafka runs that failed: above `critical` is critical. Any failed run
   * warns, as in the runbook's health_check.ps1; `warning` is kept for the alerts' symmetry.
   */
  jobFailureRate: Thresholds;
  /** Average send latency above which the runbook's health_check.ps1 warns ("Alta latenza media"). */
  avgLatencyWarningMs: number;
  /** Resident memory of one worker or API process, in bytes (runbook: 1.5 GB / 2 GB; ALERT_MEMORY_*_MB). */
  memoryBytes: Thresholds;
  /** Free space of the data folder's disk, in percent: below `warning` warns, below `critical` is critical. */
  diskFreePercent: Thresholds;
  /** Size of the metrics store above which the check warns (the runbook's kafka_metrics.json < 50 MB). */
  metricsStoreWarningBytes: number;
}

/**
 * The runbook's SLA table as the dashboard colours it (`/api/session` sends it): the alert thresholds,
 * and the targets ("SLA e Obiettivi": success rate ≥ 99 %, p99 < 500 ms) below which a figure is
 * shown as below target.
 */
export interface SlaThresholds {
  successRate: Thresholds & { target: number };
  latencyP99Ms: Thresholds & { target: number };
}

const MB = 1024 ** 2;

/** What the health check and the SLA view judge by that no variable sets. */
const RUNBOOK_FIXED = {
  avgLatencyWarningMs: 500,
  metricsStoreWarningBytes: 50 * MB,
  successRateTarget: 99,
  latencyP99TargetMs: 500,
};

const megabytes = { min: 0, max: 1_048_576, what: 'megabytes' };

/**
 * The check's own variables, in the runbook's ALERT_* style, for what its alert table has no variable
 * for; the success-rate, p99 and job-failure thresholds are the alerts' (alerts.ts).
 */
export const healthEnvSchema = z
  .object({
    ALERT_DISK_FREE_WARNING: envNumber(PERCENT, 30),
    ALERT_DISK_FREE_CRITICAL: envNumber(PERCENT, 20),
    ALERT_MEMORY_WARNING_MB: envNumber(megabytes, 1536),
    ALERT_MEMORY_CRITICAL_MB: envNumber(megabytes, 2048),
  })
  .superRefine((e, ctx) => {
    checkThresholdOrder(e, ctx, 'ALERT_DISK_FREE_CRITICAL', 'ALERT_DISK_FREE_WARNING', 'below');
    checkThresholdOrder(e, ctx, 'ALERT_MEMORY_CRITICAL_MB', 'ALERT_MEMORY_WARNING_MB', 'above');
  });

/** The health check's thresholds: the alerts' success rate, p99 and job failure rate, its own disk and memory. */
export function compileHealth(alerts: AlertConfig, h: z.output<typeof healthEnvSchema>): HealthThresholds {
  return {
    successRate: alerts.successRate,
    latencyP99Ms: alerts.latencyP99Ms,
    jobFailureRate: alerts.jobFailureRate,
    avgLatencyWarningMs: RUNBOOK_FIXED.avgLatencyWarningMs,
    memoryBytes: { warning: h.ALERT_MEMORY_WARNING_MB * MB, critical: h.ALERT_MEMORY_CRITICAL_MB * MB },
    diskFreePercent: { warning: h.ALERT_DISK_FREE_WARNING, critical: h.ALERT_DISK_FREE_CRITICAL },
    metricsStoreWarningBytes: RUNBOOK_FIXED.metricsStoreWarningBytes,
  };
}

/** The dashboard's SLA colours: the alert thresholds and the runbook's targets. */
export function compileSla(alerts: AlertConfig): SlaThresholds {
  return {
    successRate: { target: RUNBOOK_FIXED.successRateTarget, ...alerts.successRate },
    latencyP99Ms: { target: RUNBOOK_FIXED.latencyP99TargetMs, ...alerts.latencyP99Ms },
  };
}
