import { RowSerializationError } from './errors';

/**
 * The value policy for rows leaving PSTT: one row = one JSON object, column names as the
 * query returns them; DECIMAL/NUMERIC and 64-bit integers arrive from the drivers as strings
 * and stay strings; dates as ISO-8601 UTC; binary as base64; NULL as null. JSON.stringify
 * alone throws on BigInt and turns a Buffer into {type, data}.
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
      // JSON columns (PostgreSQL json/jsonb) arrive as plain objects and arrays.
      return value;
    default:
      throw new TypeError(`a ${typeof value} has no JSON form`);
  }
}

/** Serialises a row to the JSON text of its message; `key` only names the row in errors. */
export function rowToJson(row: Row, key: string | null = null): string {
  const out: Record<string, unknown> = {};
  let column = '';
  try {
    for (column of Object.keys(row)) out[column] = toJsonValue(row[column]);
    column = '';
    return JSON.stringify(out);
  } catch (err) {
    // Stringify failed on a nested value: find the column that holds it.
    if (!column) column = Object.keys(out).find((c) => !canStringify(out[c])) ?? '?';
    throw new RowSerializationError(column, key, (err as Error).message);
  }
}

function canStringify(value: unknown): boolean {
  try {
    JSON.stringify(value);
    return true;
  } catch {
    return false;
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
  return value === null ? null : typeof value === 'string' ? value : JSON.stringify(value);
}
