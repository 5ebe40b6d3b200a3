import { z } from 'zod';
import { alertConfigFromEnv } from '../../core/alerts/alert-config';
import { formatIssues } from '../../core/config';
import { ConfigError } from '../../core/errors';

/** Thresholds of the daily health check, from the runbook ("SLA e Obiettivi", "Metriche da Monitorare"). */
export interface HealthThresholds {
  /** Success rate of today's messages, in percent: below `warning` warns, below `critical` is critical. */
  successRate: { warning: number; critical: number };
  /** p99 send latency, in milliseconds: above `warning` warns, above `critical` is critical. */
  latencyP99Ms: { warning: number; critical: number };
  /**
   * Percent of the last 24 hours' Kafka runs that failed: above `critical` is critical. Any failed run
   * warns, as in the runbook's health_check.ps1; `warning` is kept for the alerts' symmetry.
   */
  jobFailureRate: { warning: number; critical: number };
  /** Average send latency above which the runbook's health_check.ps1 warns ("Alta latenza media"). */
  avgLatencyWarningMs: number;
  /** Resident memory of one worker or API process, in bytes (runbook: 1.5 GB / 2 GB; ALERT_MEMORY_*_MB). */
  memoryBytes: { warning: number; critical: number };
  /** Free space of the data folder's disk, in percent: below `warning` warns, below `critical` is critical. */
  diskFreePercent: { warning: number; critical: number };
  /** Size of the metrics store above which the check warns (the runbook's kafka_metrics.json < 50 MB). */
  metricsStoreWarningBytes: number;
}

const GB = 1024 ** 3;
const MB = 1024 ** 2;

export const RUNBOOK_THRESHOLDS: HealthThresholds = {
  successRate: { warning: 98, critical: 95 },
  latencyP99Ms: { warning: 1000, critical: 5000 },
  jobFailureRate: { warning: 2, critical: 5 },
  avgLatencyWarningMs: 500,
  memoryBytes: { warning: 1.5 * GB, critical: 2 * GB },
  diskFreePercent: { warning: 30, critical: 20 },
  metricsStoreWarningBytes: 50 * MB,
};

/** A non-negative number from the environment, empty = unset; an error names the variable. */
function envNumber(max: number, what: string, fallback: number) {
  const message = `expected ${what}`;
  const value = z.coerce.number({ error: message }).min(0, message).max(max, message);
  return z.preprocess((v) => (v === '' ? undefined : v), value).default(fallback);
}

/** The check's own variables, in the runbook's ALERT_* style, for what its alert table has no variable for. */
const hostEnvSchema = z
  .object({
    ALERT_DISK_FREE_WARNING: envNumber(100, 'a percentage from 0 to 100', RUNBOOK_THRESHOLDS.diskFreePercent.warning),
    ALERT_DISK_FREE_CRITICAL: envNumber(100, 'a percentage from 0 to 100', RUNBOOK_THRESHOLDS.diskFreePercent.critical),
    ALERT_MEMORY_WARNING_MB: envNumber(1_048_576, 'megabytes', RUNBOOK_THRESHOLDS.memoryBytes.warning / MB),
    ALERT_MEMORY_CRITICAL_MB: envNumber(1_048_576, 'megabytes', RUNBOOK_THRESHOLDS.memoryBytes.critical / MB),
  })
  .superRefine((e, ctx) => {
    if (e.ALERT_DISK_FREE_CRITICAL > e.ALERT_DISK_FREE_WARNING) {
      const message = `expected at most ALERT_DISK_FREE_WARNING (${e.ALERT_DISK_FREE_WARNING}), got ${e.ALERT_DISK_FREE_CRITICAL}`;
      ctx.addIssue({ code: 'custom', path: ['ALERT_DISK_FREE_CRITICAL'], message });
    }
    if (e.ALERT_MEMORY_CRITICAL_MB < e.ALERT_MEMORY_WARNING_MB) {
      const message = `expected at least ALERT_MEMORY_WARNING_MB (${e.ALERT_MEMORY_WARNING_MB}), got ${e.ALERT_MEMORY_CRITICAL_MB}`;
      ctx.addIssue({ code: 'custom', path: ['ALERT_MEMORY_CRITICAL_MB'], message });
    }
  });

/**
 * The runbook's thresholds with its alert variables applied (ALERT_SUCCESS_RATE_WARNING/CRITICAL,
 * ALERT_LATENCY_P99_WARNING/CRITICAL, ALERT_JOB_FAILURE_RATE_WARNING/CRITICAL), read by the same
 * parser as the threshold alerts so that the check and the alerts judge alike, and the check's own
 * ALERT_DISK_FREE_WARNING/CRITICAL (percent) and ALERT_MEMORY_WARNING_MB/CRITICAL_MB.
 */
export function healthThresholdsFromEnv(env: NodeJS.ProcessEnv = process.env): HealthThresholds {
  const alerts = alertConfigFromEnv(env);
  const result = hostEnvSchema.safeParse(env, { reportInput: true });
  if (!result.success) throw new ConfigError('invalid health check thresholds', formatIssues(result.error));
  const h = result.data;
  return {
    ...RUNBOOK_THRESHOLDS,
    successRate: alerts.successRate,
    latencyP99Ms: alerts.latencyP99Ms,
    jobFailureRate: alerts.jobFailureRate,
    diskFreePercent: { warning: h.ALERT_DISK_FREE_WARNING, critical: h.ALERT_DISK_FREE_CRITICAL },
    memoryBytes: { warning: h.ALERT_MEMORY_WARNING_MB * MB, critical: h.ALERT_MEMORY_CRITICAL_MB * MB },
  };
}
