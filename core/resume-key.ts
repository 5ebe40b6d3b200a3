import { ResumeKeyError } from './errors';
import { MicroDate, parseIsoDate } from './micro-date';
import type { Row } from './row-serializer';
import type { ParamValue } from './sources/source';

/**
 * A resume key value as it travels in a checkpoint (JSON, through Temporal): the forms the drivers
 * return, with 64-bit integers and dates tagged so that they bind back exactly.
 */
export type KeyValue = string | number | boolean | { bigint: string } | { date: string };

/** The key tuple of a row, in checkpoint form; throws naming the column when a value cannot be a key. */
export function keyOf(row: Row, columns: readonly string[], scheduling: string): KeyValue[] {
  return columns.map((column) => encode(row[column], column, columns, scheduling));
}

function encode(value: unknown, column: string, columns: readonly string[], scheduling: string): KeyValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (Number.isFinite(value)) return value;
      break;
    case 'bigint':
      return { bigint: value.toString() };
    case 'object':
      if (value === null) throw nullKeyError(scheduling, columns, column);
      if (value instanceof Date && !Number.isNaN(value.getTime())) return { date: value.toISOString() };
      break;
  }
  throw new ResumeKeyError(
    scheduling,
    columns,
    `column "${column}" holds ${describe(value)}: a resume key must be text, a number or a date`,
  );
}

/** `k > NULL` is never true in SQL: resuming after a NULL would skip every remaining row. */
function nullKeyError(scheduling: string, columns: readonly string[], column: string, field?: string): ResumeKeyError {
  return new ResumeKeyError(
    scheduling,
    columns,
    `has NULL in column "${column}": a resume key must be NOT NULL`,
    field,
  );
}

function describe(value: unknown): string {
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return 'binary data';
  if (typeof value === 'number') return `the number ${value}`;
  return typeof value === 'object' ? 'JSON' : `a ${typeof value}`;
}

/** The values to bind for a checkpointed key tuple. */
export function keyParams(key: readonly KeyValue[]): ParamValue[] {
  return key.map((v) => {
    if (typeof v !== 'object') return v;
    // A PostgreSQL timestamp's microseconds come back too: a key cut to milliseconds would sort before
    // its own row, which a resumed read would then send again.
    return 'bigint' in v ? BigInt(v.bigint) : parseIsoDate(v.date);
  });
}

type RawKey = unknown[];

/**
 * Orders two raw key values where JavaScript agrees with every database (numbers, 64-bit integers,
 * dates): -1, 0 or 1; 0 for equal values of other types; null when it cannot tell (text order is
 * the column's collation, which JavaScript does not know).
 */
function compare(a: unknown, b: unknown): number | null {
  const na = comparable(a);
  const nb = comparable(b);
  if (na !== null && nb !== null) {
    if (na < nb) return -1;
    if (na > nb) return 1;
    const ma = micros(a);
    const mb = micros(b);
    return ma < mb ? -1 : ma > mb ? 1 : 0;
  }
  return a === b ? 0 : null;
}

function comparable(v: unknown): number | bigint | null {
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  return v instanceof Date ? v.getTime() : null;
}

/** The microseconds past the millisecond of a PostgreSQL timestamp; 0 for any other value. */
function micros(v: unknown): number {
  return v instanceof MicroDate ? v.micros : 0;
}

/**
 * Watches the key tuples of the rows an export reads, in order: each must differ from the one before
 * (a repeated tuple means the key is not unique, so resuming after it could skip its twin) and, where
 * JavaScript can order the values (numbers, dates), must not go backwards. Text columns are only
 * checked for repeats. Works on the driver's values; `keyOf` encodes only the rows checkpointed.
 */
export class ResumeKeyTracker {
  private previous: RawKey | null;

  constructor(
    private readonly columns: readonly string[],
    private readonly scheduling: string,
    /** The checkpointed key a resumed attempt starts after. */
    after: readonly KeyValue[] | null = null,
    /** The field that declared the columns, for errors. */
    private readonly field = 'resume_key',
  ) {
    this.previous = after ? keyParams(after) : null;
  }

  /** Checks the next row's key tuple; throws `ResumeKeyError` when it does not follow the previous one. */
  check(row: Row): void {
    const key: RawKey = new Array(this.columns.length);
    for (let i = 0; i < this.columns.length; i++) key[i] = row[this.columns[i] as string];
    this.checkKey(key);
  }

  /** `check()` for a row given as its key tuple: the values of the key columns, in their order. */
  checkKey(key: RawKey): void {
    for (let i = 0; i < key.length; i++) {
      if (key[i] === null || key[i] === undefined) {
        throw nullKeyError(this.scheduling, this.columns, this.columns[i] as string, this.field);
      }
    }
    const previous = this.previous;
    this.previous = key;
    if (!previous) return;
    let order: number | null = 0;
    for (let i = 0; i < key.length && order === 0; i++) order = compare(previous[i], key[i]);
    if (order === 0) throw this.error(`is not unique: two rows have ${this.show(key)}`);
    if (order !== null && order > 0) {
      throw this.error(
        `goes backwards: ${this.show(key)} comes after ${this.show(previous)}; a resume key must be unique and ascending`,
      );
    }
  }

  private show(key: RawKey): string {
    return `(${key.map((v) => (v instanceof Date ? v.toISOString() : typeof v === 'string' ? JSON.stringify(v) : String(v))).join(', ')})`;
  }

  private error(problem: string): ResumeKeyError {
    return new ResumeKeyError(this.scheduling, this.columns, problem, this.field);
  }
}
