import { LATENCY_BUCKETS } from './latency-histogram';
import { emptyTotals, type MinuteRollup, type RollupTotals } from './minute-rollup';

/**
 * The rollup table, as both backends store it: one row per (minute, topic, scheduling), counts, latency sum
 * and extremes, and one integer column per latency bucket (h0..h34), so that SUM() adds histograms in SQL.
 */

export const BUCKET_COLUMNS: readonly string[] = Array.from({ length: LATENCY_BUCKETS }, (_, i) => `h${i}`);

/** Columns in the order `rollupValues` gives them. */
export const ROLLUP_COLUMNS: readonly string[] = [
  'minute',
  'topic',
  'scheduling',
  'sends',
  'failed_sends',
  'messages',
  'failed_messages',
  'bytes',
  'latency_sum_ms',
  'latency_min_ms',
  'latency_max_ms',
  ...BUCKET_COLUMNS,
  'failed_latency_sum_ms',
];

const SUMMED = [
  'sends',
  'failed_sends',
  'messages',
  'failed_messages',
  'bytes',
  'latency_sum_ms',
  ...BUCKET_COLUMNS,
  'failed_latency_sum_ms',
];

/** Columns added after the table's first release: stores add them to an existing table (`addedColumnSql`). */
export const ADDED_COLUMNS: readonly string[] = ['failed_latency_sum_ms'];

/** `ALTER TABLE` adding one of ADDED_COLUMNS (the caller checks it is missing where the dialect has no IF NOT EXISTS). */
export function addedColumnSql(table: string, d: SqlDialect, column: string, ifNotExists: boolean): string {
  return `ALTER TABLE ${table} ADD COLUMN ${ifNotExists ? 'IF NOT EXISTS ' : ''}${column} ${d.real} NOT NULL DEFAULT 0`;
}

/** Table names: `name` or `schema.name`, lowercase, so they need no quoting. */
export const TABLE_NAME = /^[a-z_][a-z0-9_]{0,62}(\.[a-z_][a-z0-9_]{0,62})?$/;
export const TABLE_NAME_EXPECTED = 'a lowercase SQL name (letters, digits, _), optionally schema.name';

export interface SqlDialect {
  integer: string;
  real: string;
  least: string;
  greatest: string;
  /** The placeholder of the i-th parameter, from 1. */
  param(i: number): string;
}

export function createTableSql(table: string, d: SqlDialect): string {
  return `CREATE TABLE IF NOT EXISTS ${table} (
    minute ${d.integer} NOT NULL,
    topic TEXT NOT NULL,
    scheduling TEXT NOT NULL,
    sends ${d.integer} NOT NULL,
    failed_sends ${d.integer} NOT NULL,
    messages ${d.integer} NOT NULL,
    failed_messages ${d.integer} NOT NULL,
    bytes ${d.integer} NOT NULL,
    latency_sum_ms ${d.real} NOT NULL,
    latency_min_ms ${d.real} NOT NULL,
    latency_max_ms ${d.real} NOT NULL,
    ${BUCKET_COLUMNS.map((c) => `${c} ${d.integer} NOT NULL DEFAULT 0`).join(',\n    ')},
    failed_latency_sum_ms ${d.real} NOT NULL DEFAULT 0,
    PRIMARY KEY (minute, topic, scheduling)
  )`;
}

/** INSERT of `rows` rows that adds to the rows already stored under the same key. */
export function upsertSql(table: string, d: SqlDialect, rows: number): string {
  const width = ROLLUP_COLUMNS.length;
  const values = Array.from(
    { length: rows },
    (_, r) => `(${ROLLUP_COLUMNS.map((_c, c) => d.param(r * width + c + 1)).join(', ')})`,
  );
  // The extremes are of deliveries: a side without any (only failures) keeps the other side's.
  const extreme = (column: string, fn: string) =>
    `${column} = CASE WHEN excluded.sends = excluded.failed_sends THEN cur.${column} ` +
    `WHEN cur.sends = cur.failed_sends THEN excluded.${column} ` +
    `ELSE ${fn}(cur.${column}, excluded.${column}) END`;
  const updates = [
    ...SUMMED.map((c) => `${c} = cur.${c} + excluded.${c}`),
    extreme('latency_min_ms', d.least),
    extreme('latency_max_ms', d.greatest),
  ];
  return (
    `INSERT INTO ${table} AS cur (${ROLLUP_COLUMNS.join(', ')}) VALUES ${values.join(', ')} ` +
    `ON CONFLICT (minute, topic, scheduling) DO UPDATE SET ${updates.join(', ')}`
  );
}

export function rollupValues(row: MinuteRollup): Array<string | number> {
  return [
    row.minute,
    row.topic,
    row.scheduling,
    row.sends,
    row.failedSends,
    row.messages,
    row.failedMessages,
    row.bytes,
    row.latencySumMs,
    row.latencyMinMs,
    row.latencyMaxMs,
    ...row.buckets,
    row.failedLatencySumMs,
  ];
}

const TOTALS_SELECT = [
  ...SUMMED.map((c) => `SUM(${c}) AS ${c}`),
  // Rows of failures only carry no delivery extremes (NULL is skipped by MIN and MAX).
  'MIN(CASE WHEN sends > failed_sends THEN latency_min_ms END) AS latency_min_ms',
  'MAX(CASE WHEN sends > failed_sends THEN latency_max_ms END) AS latency_max_ms',
].join(', ');

/** Totals of the minutes [$1, $2). */
export function totalsSql(table: string, d: SqlDialect): string {
  return `SELECT ${TOTALS_SELECT} FROM ${table} WHERE minute >= ${d.param(1)} AND minute < ${d.param(2)}`;
}

/** Totals per epoch hour of the minutes [$1, $2). */
export function hourlySql(table: string, d: SqlDialect): string {
  return (
    `SELECT minute / 60 AS hour, ${TOTALS_SELECT} FROM ${table} ` +
    `WHERE minute >= ${d.param(1)} AND minute < ${d.param(2)} GROUP BY minute / 60 ORDER BY 1`
  );
}

/** A row of `totalsSql`/`hourlySql` as totals; drivers return sums as numbers, strings (pg) or null. */
export function totalsFromRow(row: Record<string, unknown> | undefined): RollupTotals {
  const t = emptyTotals();
  if (!row) return t;
  const num = (key: string): number => {
    const v = row[key];
    return v === null || v === undefined ? 0 : Number(v);
  };
  t.sends = num('sends');
  t.failedSends = num('failed_sends');
  t.messages = num('messages');
  t.failedMessages = num('failed_messages');
  t.bytes = num('bytes');
  t.latencySumMs = num('latency_sum_ms');
  t.latencyMinMs = num('latency_min_ms');
  t.latencyMaxMs = num('latency_max_ms');
  t.buckets = BUCKET_COLUMNS.map(num);
  t.failedLatencySumMs = num('failed_latency_sum_ms');
  return t;
}
