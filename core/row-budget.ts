import v8 from 'node:v8';
import { RowTooLargeError } from './errors';

/**
 * The most one row may hold in a worker: a share of the process's heap limit (`--max-old-space-size`,
 * see worker/node-options.ts). A row's value is held as read, then as its JSON or CSV text (base64
 * makes a blob a third larger), then as the bytes sent or written, beside the other exports running:
 * a row over this budget would crash the worker (out of memory) on every attempt, so it fails the run
 * instead, naming the row.
 */
const HEAP_SHARE_PER_ROW = 8;

/** The per-row budget of this process, in bytes. */
export function rowBudgetBytes(): number {
  return Math.floor(v8.getHeapStatistics().heap_size_limit / HEAP_SHARE_PER_ROW);
}

/** Nesting followed when sizing a value (JSON documents, arrays); deeper parts count as nothing. */
const MAX_DEPTH = 8;

/** About how many bytes a value holds: text by its length, bytes by theirs, numbers and the like 8. */
export function valueBytes(value: unknown, depth = 0): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'string') return value.length;
  if (typeof value !== 'object') return 8;
  if (ArrayBuffer.isView(value)) return value.byteLength;
  if (value instanceof Date || depth >= MAX_DEPTH) return 8;
  let n = 0;
  for (const v of Array.isArray(value) ? value : Object.values(value)) n += valueBytes(v, depth + 1);
  return n;
}

/** The bytes of a row's values (an array in column order, or a row object). */
export function rowBytes(row: readonly unknown[] | Record<string, unknown>): number {
  let n = 0;
  for (const v of Array.isArray(row) ? row : Object.values(row)) n += valueBytes(v);
  return n;
}

/**
 * Checks a read's rows against the budget and returns their bytes. `keyOf` names a row for the error
 * (its message key, resume key...; null when it has none); `firstRow` is the 1-based number of rows[0].
 */
export function checkRowBudget<R extends readonly unknown[] | Record<string, unknown>>(
  rows: readonly R[],
  budget: number,
  firstRow: number,
  keyOf: (row: R) => string | null,
): number {
  let total = 0;
  for (let i = 0; i < rows.length; i++) {
    const bytes = rowBytes(rows[i]!);
    if (bytes > budget) throw new RowTooLargeError(keyOf(rows[i]!), firstRow + i, bytes, budget);
    total += bytes;
  }
  return total;
}
