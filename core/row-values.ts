import { DuplicateColumnError } from './errors';
import type { Row } from './row-serializer';

/**
 * Rows as arrays: the drivers' cheap form (better-sqlite3 `.raw()`, pg `rowMode: 'array'`, mssql
 * `arrayRowMode`), one value per result column in the query's order, and the column metadata a
 * serialiser compiled per query needs.
 */

/** One row's values, in the order of the cursor's columns. */
export type RowValues = readonly unknown[];

/**
 * The JavaScript type a column's values arrive as, as far as the driver's declared type tells;
 * `unknown` where it cannot (SQLite's dynamic typing, JSON, arrays). A hint only: values of another
 * type still serialise exactly (the compiled serialiser checks each value before its fast path).
 */
export type ValueHint = 'string' | 'number' | 'bigint' | 'boolean' | 'date' | 'binary' | 'unknown';

/** A result column: its name as the query returns it, and its value hint. */
export interface ColumnInfo {
  readonly name: string;
  readonly hint: ValueHint;
}

/**
 * Makes the function that turns a row's values into the row object the drivers used to return:
 * keys in first-occurrence order (integer-like names first, as for any JS object), the last value of
 * a repeated name, `__proto__` an own key. Built as pg builds its rows: a null-prototype template
 * spread into a plain object, then assigned.
 */
export function rowBuilder(columns: readonly string[]): (values: RowValues) => Row {
  const template: Row = Object.create(null) as Row;
  for (const name of columns) template[name] = null;
  const empty = { ...template };
  return (values) => {
    const row: Row = { ...empty };
    for (let i = 0; i < columns.length; i++) row[columns[i] as string] = values[i];
    return row;
  };
}

/**
 * Throws `DuplicateColumnError` listing every name the columns repeat: the drivers check at open,
 * before a row is read, since a row object, a JSON message or a CSV line keeps one value per name.
 */
export function assertUniqueColumns(columns: readonly string[]): void {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const name of columns) (seen.has(name) ? repeated : seen).add(name);
  if (repeated.size) throw new DuplicateColumnError([...repeated]);
}
