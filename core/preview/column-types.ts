import { JsonText } from '../json-text';
import type { ColumnInfo, RowValues, ValueHint } from '../row-values';

/**
 * A column's type as the preview reports it: from the driver's declared type where it tells one,
 * else from the values sampled (SQLite expressions, JSON). `null` when every sampled value is NULL and
 * the driver declared nothing; `mixed` when the sampled values differ in type.
 */
export type PreviewColumnType =
  'text' | 'integer' | 'number' | 'boolean' | 'timestamp' | 'binary' | 'json' | 'null' | 'mixed' | 'unknown';

export interface PreviewColumn {
  name: string;
  type: PreviewColumnType;
}

const OF_HINT: Record<Exclude<ValueHint, 'unknown'>, PreviewColumnType> = {
  string: 'text',
  number: 'number',
  bigint: 'integer',
  boolean: 'boolean',
  date: 'timestamp',
  binary: 'binary',
};

function typeOfValue(value: unknown): PreviewColumnType | null {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
      return 'text';
    case 'bigint':
      return 'integer';
    case 'number':
      return Number.isInteger(value) ? 'integer' : 'number';
    case 'boolean':
      return 'boolean';
    case 'object':
      if (value instanceof Date) return 'timestamp';
      if (Buffer.isBuffer(value) || value instanceof Uint8Array) return 'binary';
      if (value instanceof JsonText) return 'json';
      return 'json';
    default:
      return 'unknown';
  }
}

/** The columns of a result with their types, from the driver's hints and the sampled rows. */
export function inferColumnTypes(fields: readonly ColumnInfo[], rows: readonly RowValues[]): PreviewColumn[] {
  return fields.map((field, index) => {
    if (field.hint !== 'unknown') return { name: field.name, type: OF_HINT[field.hint] };
    const seen = new Set<PreviewColumnType>();
    for (const row of rows) {
      const type = typeOfValue(row[index]);
      if (type) seen.add(type);
    }
    // Integers among decimals are numbers.
    if (seen.has('number')) seen.delete('integer');
    const [only] = seen;
    return { name: field.name, type: seen.size === 0 ? 'null' : seen.size === 1 && only ? only : 'mixed' };
  });
}
