import { RowSerializationError } from './errors';
import { jsonTextOf } from './json-text';

/**
 * The value policy for rows leaving PSTT: one row = one JSON object, column names as the
 * query returns them; DECIMAL/NUMERIC and 64-bit integers arrive from the drivers as strings
 * and stay strings; dates as ISO-8601 UTC (PostgreSQL timestamps with six fractional digits: see
 * micro-date.ts); binary as base64; NULL as null; JSON columns as their JSON text (`JsonText`).
 * JSON.stringify alone throws on BigInt and turns a Buffer into {type, data}.
 */

export type Row = Record<string, unknown>;

/** Converts one column value to its JSON form; throws on values that have none. */
export function toJsonValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      // SQLite integers arrive as BigInt: beyond 2^53 they would lose digits as JSON numbers.
      return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
        ? Number(value)
        : value.toString();
    case 'object':
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) throw new TypeError('invalid date');
        return value.toISOString();
      }
      if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Buffer.from(value).toString('base64');
      // JSON columns: PostgreSQL json/jsonb arrive as `JsonText`, already JSON; other drivers' arrays and
      // objects (pg arrays of other types, SQL Server JSON) are written by JSON.stringify.
      return value;
    default:
      throw new TypeError(`a ${typeof value} has no JSON form`);
  }
}

/**
 * Serialises a row to the JSON text of its message; `key` only names the row in errors. Written
 * column by column rather than by one JSON.stringify of an object: a `JsonText` goes in verbatim, and a
 * column named `__proto__` is a column like any other (an object would take it for its prototype).
 */
export function rowToJson(row: Row, key: string | null = null): string {
  let text = '{';
  let column = '';
  try {
    for (column of Object.keys(row)) {
      const json = jsonTextOf(toJsonValue(row[column]));
      // JSON.stringify leaves such a property out (a value whose toJSON returns undefined).
      if (json === undefined) continue;
      text += `${text.length > 1 ? ',' : ''}${JSON.stringify(column)}:${json}`;
    }
    return `${text}}`;
  } catch (err) {
    throw new RowSerializationError(column, key, (err as Error).message);
  }
}

/** The message key of a row: the key field's value as text, or null when no key field is set or the value is NULL. */
export function messageKeyOf(row: Row, keyField: string | undefined): string | null {
  if (!keyField) return null;
  return keyText(row[keyField]);
}

/** A key column's value as message key text: its JSON form, unquoted when that is a string; null for NULL. */
export function keyText(raw: unknown): string | null {
  const value = toJsonValue(raw);
  return value === null ? null : typeof value === 'string' ? value : (jsonTextOf(value) as string);
}
