import { z } from 'zod';
import { durationSchema, type Duration } from '../scheduling';
import { checkThresholdOrder, envNumber, PERCENT } from './env-number';

/** A warning and a critical threshold of one rule. */
export interface Thresholds {
  warning: number;
  critical: number;
}

/**
 * The threshold alerts' settings (the runbook's "Alerting e Monitoring" table). The runbook names the
 * success-rate and p99 variables; the others follow the same pattern.
 */
export interface AlertConfig {
  /** Percent of messages acknowledged: below warning / critical (ALERT_SUCCESS_RATE_*). */
  successRate: Thresholds;
  /** p99 send latency in ms: above warning / critical (ALERT_LATENCY_P99_*). */
  latencyP99Ms: Thresholds;
  /** Minutes the brokers have not answered: above warning / critical (ALERT_KAFKA_DISCONNECTED_*). */
  kafkaDisconnectedMinutes: Thresholds;
  /** Percent of closed exportJob runs that failed: above warning / critical (ALERT_JOB_FAILURE_RATE_*). */
  jobFailureRate: Thresholds;
  /** How often the Temporal schedule evaluates the rules (ALERT_EVALUATION_INTERVAL). */
  evaluationInterval: Duration;
  /** Minutes of send metrics the success rate and p99 are computed over (ALERT_METRICS_WINDOW_MINUTES). */
  metricsWindowMinutes: number;
  /** Hours of closed runs the job failure rate is computed over (ALERT_JOB_FAILURE_WINDOW_HOURS). */
  jobFailureWindowHours: number;
}

const milliseconds = { min: 1, max: 3_600_000, what: 'milliseconds' };
const minutes = { min: 0, max: 1440, what: 'minutes' };

/**
 * The alert variables, with the runbook's defaults. The daily health check (health.ts) and the
 * dashboard's colours (`/api/session`) judge by the same values.
 */
export const alertEnvSchema = z
  .object({
    ALERT_SUCCESS_RATE_WARNING: envNumber(PERCENT, 98),
    ALERT_SUCCESS_RATE_CRITICAL: envNumber(PERCENT, 95),
    ALERT_LATENCY_P99_WARNING: envNumber(milliseconds, 1000),
    ALERT_LATENCY_P99_CRITICAL: envNumber(milliseconds, 5000),
    ALERT_KAFKA_DISCONNECTED_WARNING_MINUTES: envNumber(minutes, 5),
    ALERT_KAFKA_DISCONNECTED_CRITICAL_MINUTES: envNumber(minutes, 15),
    ALERT_JOB_FAILURE_RATE_WARNING: envNumber(PERCENT, 2),
    ALERT_JOB_FAILURE_RATE_CRITICAL: envNumber(PERCENT, 5),
    ALERT_EVALUATION_INTERVAL: z.preprocess((v) => (v === '' ? undefined : v), durationSchema.default('5m')),
    ALERT_METRICS_WINDOW_MINUTES: envNumber({ ...minutes, min: 1, integer: true }, 15),
    ALERT_JOB_FAILURE_WINDOW_HOURS: envNumber({ min: 1, max: 720, what: 'hours', integer: true }, 24),
  })
  .superRefine((e, ctx) => {
    const order = (critical: keyof typeof e, warning: keyof typeof e, bad: 'below' | 'above') =>
      checkThresholdOrder(e, ctx, critical, warning, bad);
    order('ALERT_SUCCESS_RATE_CRITICAL', 'ALERT_SUCCESS_RATE_WARNING', 'below');
    order('ALERT_LATENCY_P99_CRITICAL', 'ALERT_LATENCY_P99_WARNING', 'above');
    order('ALERT_KAFKA_DISCONNECTED_CRITICAL_MINUTES', 'ALERT_KAFKA_DISCONNECTED_WARNING_MINUTES', 'above');
    order('ALERT_JOB_FAILURE_RATE_CRITICAL', 'ALERT_JOB_FAILURE_RATE_WARNING', 'above');
  });

/** The compiled alert settings of the parsed variables. */
export function compileAlerts(e: z.output<typeof alertEnvSchema>): AlertConfig {
  return {
    successRate: { warning: e.ALERT_SUCCESS_RATE_WARNING, critical: e.ALERT_SUCCESS_RATE_CRITICAL },
    latencyP99Ms: { warning: e.ALERT_LATENCY_P99_WARNING, critical: e.ALERT_LATENCY_P99_CRITICAL },
    kafkaDisconnectedMinutes: {
      warning: e.ALERT_KAFKA_DISCONNECTED_WARNING_MINUTES,
      critical: e.ALERT_KAFKA_DISCONNECTED_CRITICAL_MINUTES,
    },
    jobFailureRate: { warning: e.ALERT_JOB_FAILURE_RATE_WARNING, critical: e.ALERT_JOB_FAILURE_RATE_CRITICAL },
    evaluationInterval: e.ALERT_EVALUATION_INTERVAL,
    metricsWindowMinutes: e.ALERT_METRICS_WINDOW_MINUTES,
    jobFailureWindowHours: e.ALERT_JOB_FAILURE_WINDOW_HOURS,
  };
}
