import { z } from 'zod';
import { formatIssues } from '../config';
import { ConfigError } from '../errors';
import { durationSchema, type Duration } from '../scheduling';

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
  /** Percent of messages acknowledged: below warning / critical. @default 98 / 95 */
  successRate: Thresholds;
  /** p99 send latency in ms: above warning / critical. @default 1000 / 5000 */
  latencyP99Ms: Thresholds;
  /** Minutes the brokers have not answered: above warning / critical. @default 5 / 15 */
  kafkaDisconnectedMinutes: Thresholds;
  /** Percent of closed exportJob runs that failed: above warning / critical. @default 2 / 5 */
  jobFailureRate: Thresholds;
  /** How often the Temporal schedule evaluates the rules. @default "5m" */
  evaluationInterval: Duration;
  /** Minutes of send metrics the success rate and p99 are computed over. @default 15 */
  metricsWindowMinutes: number;
  /** Hours of closed runs the job failure rate is computed over. @default 24 */
  jobFailureWindowHours: number;
}

/** A number from the environment (the text is checked, so errors quote what was given); empty counts as unset. */
function envNumber(min: number, max: number, what: string, fallback: number, integer = false) {
  const message = `expected ${what}${integer ? ' (an integer)' : ''} from ${min} to ${max}`;
  const number = z
    .string()
    .trim()
    .regex(integer ? /^-?\d+$/ : /^-?\d+(\.\d+)?$/, message)
    .transform(Number)
    .pipe(z.number().min(min, message).max(max, message))
    .default(fallback);
  return z.preprocess((v) => (v === '' ? undefined : v), number);
}

const alertEnvSchema = z
  .object({
    ALERT_SUCCESS_RATE_WARNING: envNumber(0, 100, 'a percentage', 98),
    ALERT_SUCCESS_RATE_CRITICAL: envNumber(0, 100, 'a percentage', 95),
    ALERT_LATENCY_P99_WARNING: envNumber(1, 3_600_000, 'milliseconds', 1000),
    ALERT_LATENCY_P99_CRITICAL: envNumber(1, 3_600_000, 'milliseconds', 5000),
    ALERT_KAFKA_DISCONNECTED_WARNING_MINUTES: envNumber(0, 1440, 'minutes', 5),
    ALERT_KAFKA_DISCONNECTED_CRITICAL_MINUTES: envNumber(0, 1440, 'minutes', 15),
    ALERT_JOB_FAILURE_RATE_WARNING: envNumber(0, 100, 'a percentage', 2),
    ALERT_JOB_FAILURE_RATE_CRITICAL: envNumber(0, 100, 'a percentage', 5),
    ALERT_EVALUATION_INTERVAL: z.preprocess((v) => (v === '' ? undefined : v), durationSchema.default('5m')),
    ALERT_METRICS_WINDOW_MINUTES: envNumber(1, 1440, 'minutes', 15, true),
    ALERT_JOB_FAILURE_WINDOW_HOURS: envNumber(1, 720, 'hours', 24, true),
  })
  .superRefine((e, ctx) => {
    const order = (critical: keyof typeof e, warning: keyof typeof e, relation: 'below' | 'above') => {
      const c = e[critical] as number;
      const w = e[warning] as number;
      if (relation === 'below' ? c > w : c < w) {
        ctx.addIssue({
          code: 'custom',
          path: [critical],
          message: `expected ${relation === 'below' ? 'at most' : 'at least'} ${warning} (${w}), got ${c}`,
        });
      }
    };
    order('ALERT_SUCCESS_RATE_CRITICAL', 'ALERT_SUCCESS_RATE_WARNING', 'below');
    order('ALERT_LATENCY_P99_CRITICAL', 'ALERT_LATENCY_P99_WARNING', 'above');
    order('ALERT_KAFKA_DISCONNECTED_CRITICAL_MINUTES', 'ALERT_KAFKA_DISCONNECTED_WARNING_MINUTES', 'above');
    order('ALERT_JOB_FAILURE_RATE_CRITICAL', 'ALERT_JOB_FAILURE_RATE_WARNING', 'above');
  });

/** The alert settings from the environment, validated once; a bad value names its variable and what is expected. */
export function alertConfigFromEnv(env: NodeJS.ProcessEnv = process.env): AlertConfig {
  const result = alertEnvSchema.safeParse(env, { reportInput: true });
  if (!result.success) throw new ConfigError('invalid alert settings', formatIssues(result.error));
  const e = result.data;
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
