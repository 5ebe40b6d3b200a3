import type { RecentSummary } from '../metrics/metrics-store';
import type { AlertConfig, Thresholds } from '../config';

/**
 * The threshold rules of the runbook's "Alerting e Monitoring" table, as pure functions: what each rule
 * measures, which level a value reaches, and when a level change is a transition worth an e-mail.
 */

export const ALERT_RULES = ['kafka_connection', 'success_rate', 'latency_p99', 'job_failure_rate'] as const;
export type AlertRule = (typeof ALERT_RULES)[number];

export const ALERT_LEVELS = ['ok', 'warning', 'critical'] as const;
export type AlertLevel = (typeof ALERT_LEVELS)[number];

interface RuleDefinition {
  /** The runbook's name of the metric. */
  title: string;
  unit: '%' | 'ms' | 'min';
  /** Whether values below (success rate) or above (the others) the thresholds are bad. */
  bad: 'below' | 'above';
  thresholds(config: AlertConfig): Thresholds;
}

export const RULES: Record<AlertRule, RuleDefinition> = {
  kafka_connection: {
    title: 'Kafka connection',
    unit: 'min',
    bad: 'above',
    thresholds: (c) => c.kafkaDisconnectedMinutes,
  },
  success_rate: { title: 'Success rate', unit: '%', bad: 'below', thresholds: (c) => c.successRate },
  latency_p99: { title: 'Latency p99', unit: 'ms', bad: 'above', thresholds: (c) => c.latencyP99Ms },
  job_failure_rate: { title: 'Job failure rate', unit: '%', bad: 'above', thresholds: (c) => c.jobFailureRate },
};

/** What one evaluation observed; an input that could not be read carries its error instead. */
export interface AlertInputs {
  now: Date;
  /** The result of a metadata round trip to the brokers. */
  kafka: { connected: boolean; error: string | null };
  /** Send metrics of the last `metricsWindowMinutes`. */
  metrics: RecentSummary | { error: string };
  /** Closed exportJob runs of the last `jobFailureWindowHours`, and how many of them failed. */
  jobs: { closed: number; failed: number } | { error: string };
}

/** A rule's state as it is kept between evaluations. */
export interface RuleState {
  rule: AlertRule;
  state: AlertLevel;
  /** When the rule entered `state`. */
  since: Date;
  /** The measured value (unit of the rule); null when there was nothing to measure. */
  value: number | null;
  warning_threshold: number;
  critical_threshold: number;
  /** What the last evaluation found, in words. */
  message: string;
  evaluated_at: Date;
  /** Since when the condition has held: the Kafka rule's "disconnected since"; null otherwise. */
  condition_since: Date | null;
}

/** A change of a rule's level: one e-mail. */
export interface Transition {
  rule: AlertRule;
  previous_state: AlertLevel;
  state: AlertLevel;
  value: number | null;
  /** The threshold crossed: the new level's, or the warning threshold when the rule is back to ok. */
  threshold: number;
  message: string;
  at: Date;
}

export interface RuleOutcome {
  state: RuleState;
  transition: Transition | null;
}

const MINUTE_MS = 60_000;

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** The level a value reaches; a value of null (nothing measured) is ok. Thresholds are strict (> / <). */
export function levelOf(value: number | null, thresholds: Thresholds, bad: 'below' | 'above'): AlertLevel {
  if (value === null) return 'ok';
  const beyond = (limit: number) => (bad === 'below' ? value < limit : value > limit);
  if (beyond(thresholds.critical)) return 'critical';
  if (beyond(thresholds.warning)) return 'warning';
  return 'ok';
}

/** A rule's observation: the value and its context, or why it could not be measured. */
type Measurement = { value: number | null; context: string; conditionSince: Date | null } | { error: string };

function formatValue(value: number, unit: RuleDefinition['unit']): string {
  return unit === '%' ? `${value}%` : unit === 'ms' ? `${value} ms` : `${value} minutes`;
}

function measure(
  rule: AlertRule,
  inputs: AlertInputs,
  previous: RuleState | undefined,
  config: AlertConfig,
): Measurement {
  const window = `over the last ${config.metricsWindowMinutes} minutes`;
  switch (rule) {
    case 'kafka_connection': {
      if (inputs.kafka.connected) return { value: 0, context: 'Kafka connected', conditionSince: null };
      // Remembered between evaluations: the outage is as old as the first evaluation that saw it.
      const since = previous?.condition_since ?? inputs.now;
      const minutes = round2(Math.max(0, inputs.now.getTime() - since.getTime()) / MINUTE_MS);
      return {
        value: minutes,
        context:
          `Kafka disconnected for ${minutes} minutes (since ${since.toISOString()})` +
          (inputs.kafka.error ? `; last error: ${inputs.kafka.error}` : ''),
        conditionSince: since,
      };
    }
    case 'success_rate':
    case 'latency_p99': {
      const m = inputs.metrics;
      if ('error' in m) return { error: `metrics store unreadable: ${m.error}` };
      if (m.total_messages === 0) return { value: null, context: `no messages sent ${window}`, conditionSince: null };
      const counts = `${m.total_messages} messages, ${m.failed_messages} failed`;
      return rule === 'success_rate'
        ? {
            value: m.success_rate,
            context: `Success rate ${m.success_rate}% ${window} (${counts})`,
            conditionSince: null,
          }
        : {
            value: m.p99_latency_ms,
            context: `Latency p99 ${m.p99_latency_ms} ms ${window} (${counts})`,
            conditionSince: null,
          };
    }
    case 'job_failure_rate': {
      const j = inputs.jobs;
      const span = `in the last ${config.jobFailureWindowHours} h`;
      if ('error' in j) return { error: `run history unreadable: ${j.error}` };
      if (j.closed === 0) return { value: null, context: `no export run closed ${span}`, conditionSince: null };
      const rate = round2((j.failed / j.closed) * 100);
      return {
        value: rate,
        context: `Job failure rate ${rate}% (${j.failed} of ${j.closed} closed runs ${span} failed)`,
        conditionSince: null,
      };
    }
  }
}

function verdict(level: AlertLevel, def: RuleDefinition, t: Thresholds): string {
  if (level === 'ok') {
    return `within thresholds (warning ${def.bad === 'below' ? 'below' : 'above'} ${formatValue(t.warning, def.unit)})`;
  }
  const limit = level === 'critical' ? t.critical : t.warning;
  return `${def.bad} the ${level} threshold of ${formatValue(limit, def.unit)}`;
}

/** One rule's new state after an evaluation, and the transition when its level changed. */
export function evaluateRule(
  rule: AlertRule,
  inputs: AlertInputs,
  previous: RuleState | undefined,
  config: AlertConfig,
): RuleOutcome {
  const def = RULES[rule];
  const thresholds = def.thresholds(config);
  const m = measure(rule, inputs, previous, config);
  const base = {
    rule,
    warning_threshold: thresholds.warning,
    critical_threshold: thresholds.critical,
    evaluated_at: inputs.now,
  };
  if ('error' in m) {
    // Nothing measured: the rule keeps its level (no e-mail), and says why it was not evaluated.
    return {
      state: {
        ...base,
        state: previous?.state ?? 'ok',
        since: previous?.since ?? inputs.now,
        value: previous?.value ?? null,
        message: `not evaluated: ${m.error}`,
        condition_since: previous?.condition_since ?? null,
      },
      transition: null,
    };
  }
  const level = levelOf(m.value, thresholds, def.bad);
  const before = previous?.state ?? 'ok';
  const message = `${m.context}: ${verdict(level, def, thresholds)}`;
  const changed = level !== before;
  const state: RuleState = {
    ...base,
    state: level,
    since: changed || !previous ? inputs.now : previous.since,
    value: m.value,
    message,
    condition_since: m.conditionSince,
  };
  if (!changed) return { state, transition: null };
  return {
    state,
    transition: {
      rule,
      previous_state: before,
      state: level,
      value: m.value,
      threshold: level === 'critical' ? thresholds.critical : thresholds.warning,
      message,
      at: inputs.now,
    },
  };
}

/** Every rule's outcome, in the order of `ALERT_RULES`. */
export function evaluateRules(
  inputs: AlertInputs,
  previous: ReadonlyMap<AlertRule, RuleState>,
  config: AlertConfig,
): RuleOutcome[] {
  return ALERT_RULES.map((rule) => evaluateRule(rule, inputs, previous.get(rule), config));
}
