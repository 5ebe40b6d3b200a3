import { InvalidMetricsArgumentError } from '../errors';
import { TABLE_NAME, TABLE_NAME_EXPECTED } from '../metrics/metrics-sql';
import { ALERT_LEVELS, type AlertLevel, type AlertRule, type RuleState } from './alert-rules';
import type { AlertLogEntry, NewAlert } from './alert-store';

/**
 * The alert tables, as both backends store them: `<prefix>alert_state` (one row per rule) and
 * `<prefix>alert_log` (one row per transition). Times are epoch milliseconds.
 */

export interface AlertSqlDialect {
  integer: string;
  real: string;
  /** An auto-numbered primary key column. */
  identity: string;
  /** The placeholder of the i-th parameter, from 1. */
  param(i: number): string;
}

export interface AlertTables {
  state: string;
  log: string;
  /** Unqualified name of the log's index of undelivered rows (an index takes its table's schema). */
  undeliveredIndex: string;
}

export function alertTablesOf(prefix: string): AlertTables {
  const tables = { state: `${prefix}alert_state`, log: `${prefix}alert_log` };
  for (const table of Object.values(tables)) {
    if (!TABLE_NAME.test(table)) throw new InvalidMetricsArgumentError('table prefix', TABLE_NAME_EXPECTED, prefix);
  }
  return { ...tables, undeliveredIndex: `${tables.log.slice(tables.log.indexOf('.') + 1)}_undelivered` };
}

export function createAlertTablesSql(t: AlertTables, d: AlertSqlDialect): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${t.state} (
      rule TEXT PRIMARY KEY,
      state TEXT NOT NULL,
      since_ms ${d.integer} NOT NULL,
      value ${d.real},
      warning_threshold ${d.real} NOT NULL,
      critical_threshold ${d.real} NOT NULL,
      message TEXT NOT NULL,
      evaluated_at_ms ${d.integer} NOT NULL,
      condition_since_ms ${d.integer}
    )`,
    `CREATE TABLE IF NOT EXISTS ${t.log} (
      id ${d.identity},
      rule TEXT NOT NULL,
      previous_state TEXT NOT NULL,
      state TEXT NOT NULL,
      value ${d.real},
      threshold ${d.real} NOT NULL,
      message TEXT NOT NULL,
      at_ms ${d.integer} NOT NULL,
      delivered_at_ms ${d.integer},
      delivery_attempts ${d.integer} NOT NULL DEFAULT 0,
      last_delivery_error TEXT
    )`,
    `CREATE INDEX IF NOT EXISTS ${t.undeliveredIndex} ON ${t.log} (id) WHERE delivered_at_ms IS NULL`,
  ];
}

const STATE_COLUMNS = [
  'rule',
  'state',
  'since_ms',
  'value',
  'warning_threshold',
  'critical_threshold',
  'message',
  'evaluated_at_ms',
  'condition_since_ms',
];

export function stateValues(s: RuleState): Array<string | number | null> {
  return [
    s.rule,
    s.state,
    s.since.getTime(),
    s.value,
    s.warning_threshold,
    s.critical_threshold,
    s.message,
    s.evaluated_at.getTime(),
    s.condition_since?.getTime() ?? null,
  ];
}

/** Inserts a rule's first state; a row already there (another evaluation) is left alone. */
export function insertStateSql(t: AlertTables, d: AlertSqlDialect): string {
  const params = STATE_COLUMNS.map((_c, i) => d.param(i + 1)).join(', ');
  return `INSERT INTO ${t.state} (${STATE_COLUMNS.join(', ')}) VALUES (${params}) ON CONFLICT (rule) DO NOTHING`;
}

/**
 * Updates a rule's state only if it is still the one read (same level since the same time). Placeholders are
 * numbered in the order they appear (SQLite's `?` binds by position): see `updateStateValues`.
 */
export function updateStateSql(t: AlertTables, d: AlertSqlDialect): string {
  const columns = STATE_COLUMNS.slice(1);
  const sets = columns.map((c, i) => `${c} = ${d.param(i + 1)}`);
  const n = columns.length;
  return (
    `UPDATE ${t.state} SET ${sets.join(', ')} ` +
    `WHERE rule = ${d.param(n + 1)} AND state = ${d.param(n + 2)} AND since_ms = ${d.param(n + 3)}`
  );
}

export function updateStateValues(next: RuleState, previous: RuleState): Array<string | number | null> {
  const [rule, ...rest] = stateValues(next);
  return [...rest, rule ?? next.rule, previous.state, previous.since.getTime()];
}

export function selectStatesSql(t: AlertTables): string {
  return `SELECT ${STATE_COLUMNS.join(', ')} FROM ${t.state}`;
}

const LOG_INSERT_COLUMNS = [
  'rule',
  'previous_state',
  'state',
  'value',
  'threshold',
  'message',
  'at_ms',
  'last_delivery_error',
];

export function insertAlertSql(t: AlertTables, d: AlertSqlDialect): string {
  const params = LOG_INSERT_COLUMNS.map((_c, i) => d.param(i + 1)).join(', ');
  return `INSERT INTO ${t.log} (${LOG_INSERT_COLUMNS.join(', ')}) VALUES (${params})`;
}

export function alertValues(a: NewAlert): Array<string | number | null> {
  return [a.rule, a.previous_state, a.state, a.value, a.threshold, a.message, a.at.getTime(), a.delivery_error];
}

const LOG_COLUMNS = `id, ${LOG_INSERT_COLUMNS.join(', ')}, delivered_at_ms, delivery_attempts`;

export function recentAlertsSql(t: AlertTables, d: AlertSqlDialect): string {
  return `SELECT ${LOG_COLUMNS} FROM ${t.log} ORDER BY id DESC LIMIT ${d.param(1)}`;
}

export function undeliveredAlertsSql(t: AlertTables, d: AlertSqlDialect): string {
  return `SELECT ${LOG_COLUMNS} FROM ${t.log} WHERE delivered_at_ms IS NULL ORDER BY id LIMIT ${d.param(1)}`;
}

/** Parameters: delivered_at_ms (or null), last_delivery_error (or null), id. */
export function recordDeliverySql(t: AlertTables, d: AlertSqlDialect): string {
  return (
    `UPDATE ${t.log} SET delivered_at_ms = ${d.param(1)}, last_delivery_error = ${d.param(2)}, ` +
    `delivery_attempts = delivery_attempts + 1 WHERE id = ${d.param(3)}`
  );
}

/** Deletes the transitions logged before a time (parameter: epoch ms); the rules' current states stay. */
export function deleteAlertsBeforeSql(t: AlertTables, d: AlertSqlDialect): string {
  return `DELETE FROM ${t.log} WHERE at_ms < ${d.param(1)}`;
}

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const dateOrNull = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(Number(v)));

// A rule this version does not know (written by a newer one) is kept as it is: the monitor ignores it.
const ruleOf = (v: unknown): AlertRule => String(v) as AlertRule;

function levelOf(v: unknown): AlertLevel {
  const level = String(v) as AlertLevel;
  // A level this version does not know (a newer writer) reads as the worst, never as ok.
  return ALERT_LEVELS.includes(level) ? level : 'critical';
}

/** A row of `selectStatesSql`; drivers return BIGINT as strings (pg) or numbers. */
export function stateFromRow(r: Record<string, unknown>): RuleState {
  return {
    rule: ruleOf(r.rule),
    state: levelOf(r.state),
    since: new Date(num(r.since_ms)),
    value: numOrNull(r.value),
    warning_threshold: num(r.warning_threshold),
    critical_threshold: num(r.critical_threshold),
    message: String(r.message),
    evaluated_at: new Date(num(r.evaluated_at_ms)),
    condition_since: dateOrNull(r.condition_since_ms),
  };
}

export function alertFromRow(r: Record<string, unknown>): AlertLogEntry {
  const deliveredAt = dateOrNull(r.delivered_at_ms);
  return {
    id: num(r.id),
    rule: ruleOf(r.rule),
    previous_state: levelOf(r.previous_state),
    state: levelOf(r.state),
    value: numOrNull(r.value),
    threshold: num(r.threshold),
    message: String(r.message),
    at: new Date(num(r.at_ms)),
    delivered: deliveredAt !== null,
    delivery_attempts: num(r.delivery_attempts),
    last_delivery_error: typeof r.last_delivery_error === 'string' ? r.last_delivery_error : null,
    delivered_at: deliveredAt,
  };
}
