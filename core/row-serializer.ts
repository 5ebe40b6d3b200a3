/**
 * The value policy for rows leaving PSTT: one row = one JSON object, column names as the
 * query returns them. JSON.stringify alone throws on BigInt and turns a Buffer into {type, data}.
 */

export type Row = Record<string, unknown>;

/** Converts one column value to its JSON form. */
export function toJsonValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') {
    // 64-bit integers beyond 2^53 would lose digits as JSON numbers.
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}

/** Serialises a row to the JSON text of its Kafka message. */
export function rowToJson(row: Row): string {
  const out: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) out[column] = toJsonValue(value);
  return JSON.stringify(out);
}

/** The message key of a row: the key field's value as text, or null when no key field is set or the value is NULL. */
export function messageKeyOf(row: Row, keyField: string | undefined): string | null {
  if (!keyField) return null;
  const value = toJsonValue(row[keyField]);
  return value === null ? null : typeof value === 'string' ? value : JSON.stringify(value);
}
