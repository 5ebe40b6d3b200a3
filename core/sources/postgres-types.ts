import { types, TypeOverrides } from 'pg';
import { compactJson, JsonText } from '../json-text';
import { MicroDate } from '../micro-date';
import type { ValueHint } from '../row-values';

/**
 * How PostgreSQL values leave the driver, per the value policy: NUMERIC and INT8 stay strings (pg's
 * default), in arrays too; timestamps keep their microseconds (`MicroDate`), and the types without a
 * time zone are read as UTC, where pg would read them in the worker's local time zone and shift them
 * by its offset; json and jsonb stay JSON text (`JsonText`), so that no number in them loses a digit.
 */

const TIMESTAMP = /^(\d{4,})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?)?$/;
// What the server writes for timestamptz with DateStyle ISO: an offset in hours, minutes, seconds.
const TIMESTAMPTZ =
  /^(\d{4,})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?([+-])(\d{2})(?::(\d{2}))?(?::(\d{2}))?$/;

/** Milliseconds since the epoch of a UTC date and time, or NaN; the fraction's digits past the third are left out. */
function utcMs(
  year: string,
  month: string,
  day: string,
  hour: string,
  minute: string,
  second: string,
  fraction: string,
): number {
  const date = new Date(0);
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  // Whole milliseconds: Date.UTC truncates a fraction toward zero, which is a millisecond late before 1970.
  return date.setUTCHours(Number(hour), Number(minute), Number(second), Number(fraction.padEnd(3, '0').slice(0, 3)));
}

/** The microseconds past the millisecond in a fraction's digits. */
function microsOf(fraction: string): number {
  return Number(fraction.padEnd(6, '0').slice(3, 6));
}

/** Days from 1970-01-01 to a proleptic Gregorian date, as Date counts them (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return DAYS_IN_MONTH[month - 1]!;
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
}

/** The number written by `text`'s digits from `start` to `end`, or -1 if one is not a digit. */
function digitsAt(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Where the fraction's '.' stands in the server's timestamp text, and the most digits it writes there. */
const FRACTION_AT = 19;
const MAX_FRACTION_DIGITS = 6;

/** A canonical timestamp's time: milliseconds since the epoch and the microseconds past them. */
interface Parts {
  ms: number;
  micros: number;
}

/**
 * The common case of the timestamp parsers: `text` up to `end` as the server writes a timestamp of
 * years 0-9999 with DateStyle ISO, `YYYY-MM-DD HH:MM:SS[.ffffff]` with every field in range, read by
 * character codes and counted without a Date (the same time as the general path). Undefined for
 * anything else, which the general path reads.
 */
function canonicalParts(text: string, end: number): Parts | undefined {
  if (end !== FRACTION_AT && (end < FRACTION_AT + 2 || end > FRACTION_AT + 1 + MAX_FRACTION_DIGITS)) return undefined;
  // '-', '-', ' ', ':', ':' and, with a fraction, '.'.
  if (
    text.charCodeAt(4) !== 45 ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 32 ||
    text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58 ||
    (end > FRACTION_AT && text.charCodeAt(FRACTION_AT) !== 46)
  ) {
    return undefined;
  }
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 7);
  const day = digitsAt(text, 8, 10);
  const hour = digitsAt(text, 11, 13);
  const minute = digitsAt(text, 14, 16);
  const second = digitsAt(text, 17, 19);
  const fraction = end > FRACTION_AT ? digitsAt(text, FRACTION_AT + 1, end) : 0;
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || fraction < 0) return undefined;
  // The fraction as microseconds: its digits padded to six.
  const micros = end > FRACTION_AT ? fraction * 10 ** (FRACTION_AT + 1 + MAX_FRACTION_DIGITS - end) : 0;
  const ms = daysFromCivil(year, month, day) * 86_400_000 + ((hour * 60 + minute) * 60 + second) * 1000;
  return { ms: ms + Math.floor(micros / 1000), micros: micros % 1000 };
}

/** `MicroDate.toISOString()` of a canonical UTC text up to `end`, from the server's own digits (Date's takes ~0.5 µs). */
function isoOf(text: string, end: number): string {
  const digits = end > FRACTION_AT ? text.slice(FRACTION_AT + 1, end).padEnd(MAX_FRACTION_DIGITS, '0') : '000000';
  return `${text.slice(0, 10)}T${text.slice(11, FRACTION_AT)}.${digits}Z`;
}

/** Where a timestamptz text's offset sign stands when the rest is canonical (after the fraction, if any), or -1. */
function offsetAt(text: string): number {
  let i = FRACTION_AT;
  if (text.charCodeAt(i) === 46) {
    i++;
    while (i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
  }
  const c = text.charCodeAt(i);
  return c === 43 || c === 45 ? i : -1;
}

/** The offset `+HH[:MM[:SS]]` from `at` to the end, in milliseconds east of UTC, or NaN. */
function offsetMsAt(text: string, at: number): number {
  const n = text.length - at;
  if (n !== 3 && n !== 6 && n !== 9) return NaN;
  if ((n > 3 && text.charCodeAt(at + 3) !== 58) || (n > 6 && text.charCodeAt(at + 6) !== 58)) return NaN;
  const hours = digitsAt(text, at + 1, at + 3);
  const minutes = n > 3 ? digitsAt(text, at + 4, at + 6) : 0;
  const seconds = n > 6 ? digitsAt(text, at + 7, at + 9) : 0;
  if (hours < 0 || minutes < 0 || seconds < 0) return NaN;
  return (text.charCodeAt(at) === 45 ? -1 : 1) * (hours * 3600 + minutes * 60 + seconds) * 1000;
}

/**
 * Parses a `timestamp without time zone` text as UTC: a `MicroDate`, or the text itself when a Date
 * cannot hold it (`infinity`, BC dates).
 */
export function parseTimestampAsUtc(text: string): Date | string {
  const parts = canonicalParts(text, text.length);
  if (parts) return new MicroDate(parts.ms, parts.micros, isoOf(text, text.length));
  const m = TIMESTAMP.exec(text);
  if (!m) return text;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = ''] = m;
  const ms = utcMs(year as string, month as string, day as string, hour, minute, second, fraction);
  return Number.isNaN(ms) ? text : new MicroDate(ms, microsOf(fraction));
}

/** Parses a `date` text as midnight UTC: a Date, or the text itself when a Date cannot hold it. */
export function parseDateAsUtc(text: string): Date | string {
  const m = TIMESTAMP.exec(text);
  if (!m) return text;
  const [, year, month, day] = m;
  const ms = utcMs(year as string, month as string, day as string, '0', '0', '0', '');
  return Number.isNaN(ms) ? text : new Date(ms);
}

const defaultTimestamptz = types.getTypeParser(1184, 'text') as (text: string) => unknown;

/**
 * Parses a `timestamp with time zone` text: a `MicroDate`; what pg gives for the rest (`infinity`,
 * BC dates), which a Date cuts to milliseconds.
 */
export function parseTimestamptz(text: string): unknown {
  const at = offsetAt(text);
  const parts = at < 0 ? undefined : canonicalParts(text, at);
  const east = parts ? offsetMsAt(text, at) : NaN;
  if (parts && !Number.isNaN(east)) {
    // At offset zero (a server in UTC) the text is already the instant's ISO text.
    return new MicroDate(parts.ms - east, parts.micros, east === 0 ? isoOf(text, at) : undefined);
  }
  const m = TIMESTAMPTZ.exec(text);
  if (!m) return defaultTimestamptz(text);
  const [, year, month, day, hour, minute, second, fraction = '', sign, oh, om = '0', os = '0'] = m;
  const ms = utcMs(
    year as string,
    month as string,
    day as string,
    hour as string,
    minute as string,
    second as string,
    fraction,
  );
  if (Number.isNaN(ms)) return defaultTimestamptz(text);
  const offsetMs = (sign === '-' ? -1 : 1) * (Number(oh) * 3600 + Number(om) * 60 + Number(os)) * 1000;
  return new MicroDate(ms - offsetMs, microsOf(fraction));
}

/** json and jsonb as compact JSON text, every digit kept. */
function parseJson(text: string): JsonText {
  return new JsonText(compactJson(text));
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
  JSON: 114,
  JSON_ARRAY: 199,
  JSONB: 3802,
  JSONB_ARRAY: 3807,
  DATE: 1082,
  TIMESTAMP: 1114,
  TIMESTAMPTZ: 1184,
  INTERVAL: 1186,
  TIMESTAMP_ARRAY: 1115,
  TIMESTAMPTZ_ARRAY: 1185,
  DATE_ARRAY: 1182,
  NUMERIC_ARRAY: 1231,
} as const;

/** An array of JSON values as one JSON text: `[{"a":1},null]`, nested arrays kept. */
function jsonArrayText(values: unknown[]): string {
  return `[${values.map((v) => (Array.isArray(v) ? jsonArrayText(v) : v === null ? 'null' : (v as JsonText).json)).join(',')}]`;
}

/** Type parsers for one pool, on top of pg's defaults; the global `pg.types` is left alone. */
export function createPostgresTypes(): TypeOverrides {
  const overrides = new TypeOverrides();
  overrides.setTypeParser(OID.TIMESTAMP, 'text', parseTimestampAsUtc);
  overrides.setTypeParser(OID.TIMESTAMPTZ, 'text', parseTimestamptz);
  overrides.setTypeParser(OID.DATE, 'text', parseDateAsUtc);
  overrides.setTypeParser(OID.TIMESTAMP_ARRAY, 'text', (text) => parseArray(text, parseTimestampAsUtc));
  overrides.setTypeParser(OID.TIMESTAMPTZ_ARRAY, 'text', (text) => parseArray(text, parseTimestamptz));
  overrides.setTypeParser(OID.DATE_ARRAY, 'text', (text) => parseArray(text, parseDateAsUtc));
  // pg reads numeric[] as floats, losing digits: its entries stay text, as a numeric does.
  overrides.setTypeParser(OID.NUMERIC_ARRAY, 'text', (text) => parseArray(text, (entry) => entry));
  overrides.setTypeParser(OID.JSON, 'text', parseJson);
  overrides.setTypeParser(OID.JSONB, 'text', parseJson);
  // A json[] is one JSON array: its text is built from the entries' texts.
  for (const oid of [OID.JSON_ARRAY, OID.JSONB_ARRAY]) {
    overrides.setTypeParser(oid, 'text', (text) => new JsonText(jsonArrayText(parseArray(text, parseJson))));
  }
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
