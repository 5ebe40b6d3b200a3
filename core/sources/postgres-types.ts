import { types, TypeOverrides } from 'pg';
import type { ValueHint } from '../row-values';

/**
 * How PostgreSQL values leave the driver, per the value policy: NUMERIC and INT8 stay strings (pg's
 * default), and the types without a time zone are read as UTC, where pg would read them in the
 * worker's local time zone and shift them by its offset.
 */

const TIMESTAMP = /^(\d{4,})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?)?$/;

/**
 * Parses a `timestamp without time zone` or `date` text as UTC: a `Date` with millisecond precision,
 * or the text itself when a `Date` cannot hold it (`infinity`, BC dates).
 */
export function parseTimestampAsUtc(text: string): Date | string {
  const m = TIMESTAMP.exec(text);
  if (!m) return text;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = ''] = m;
  const date = new Date(0);
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  date.setUTCHours(Number(hour), Number(minute), Number(second), Number(fraction.padEnd(3, '0').slice(0, 3)));
  return Number.isNaN(date.getTime()) ? text : date;
}

// pg-types' runtime arrayParser is `{ create(source, transform).parse() }`, not the function its typings declare.
const arrayParser = types.arrayParser as unknown as {
  create(source: string, transform: (entry: string) => unknown): { parse(): unknown[] };
};

function parseArray(text: string, parse: (entry: string) => unknown): unknown[] {
  // NULL entries stay null: the transform only sees the others.
  return arrayParser.create(text, parse).parse();
}

const OID = {
  DATE: 1082,
  TIMESTAMP: 1114,
  INTERVAL: 1186,
  TIMESTAMP_ARRAY: 1115,
  DATE_ARRAY: 1182,
} as const;

/** Type parsers for one pool, on top of pg's defaults; the global `pg.types` is left alone. */
export function createPostgresTypes(): TypeOverrides {
  const overrides = new TypeOverrides();
  overrides.setTypeParser(OID.TIMESTAMP, 'text', parseTimestampAsUtc);
  overrides.setTypeParser(OID.DATE, 'text', parseTimestampAsUtc);
  overrides.setTypeParser(OID.TIMESTAMP_ARRAY, 'text', (text) => parseArray(text, parseTimestampAsUtc));
  overrides.setTypeParser(OID.DATE_ARRAY, 'text', (text) => parseArray(text, parseTimestampAsUtc));
  // pg's interval object serialises to {"hours":1}; its own text ("1 day 02:00:00") is what operators know.
  overrides.setTypeParser(OID.INTERVAL, 'text', (text) => text);
  return overrides;
}

/**
 * The JS type of a column's values by its type OID, with pg's default parsers and the overrides above
 * (INT8 and NUMERIC as text); `unknown` for the rest (JSON, arrays, timestamps read as text when a
 * Date cannot hold them).
 */
const HINTS: ReadonlyMap<number, ValueHint> = new Map<number, ValueHint>([
  [16, 'boolean'], // bool
  [17, 'binary'], // bytea
  [19, 'string'], // name
  [20, 'string'], // int8
  [21, 'number'], // int2
  [23, 'number'], // int4
  [25, 'string'], // text
  [26, 'number'], // oid
  [700, 'number'], // float4
  [701, 'number'], // float8
  [1042, 'string'], // bpchar
  [1043, 'string'], // varchar
  [1083, 'string'], // time
  [1186, 'string'], // interval, as text (above)
  [1082, 'date'], // date
  [1114, 'date'], // timestamp
  [1184, 'date'], // timestamptz
  [1700, 'string'], // numeric
  [2950, 'string'], // uuid
]);

export function postgresHint(oid: number): ValueHint {
  return HINTS.get(oid) ?? 'unknown';
}
