import type { SourceCount } from './sources/source';

/**
 * A run's three numbers and their verdict, kept in its result and memo. `suspect` means they
 * disagree: a row may be missing or doubled, and someone should look.
 */
export interface Reconciliation {
  /** Rows the run read from the source (over its attempts: up to the resumed checkpoint, then the last attempt's); null when unknown. */
  rows_read: number | null;
  /** Rows Kafka acknowledged, or rows written to the file. */
  rows_delivered: number;
  /** The query's COUNT(*) with `reconcile: count`; null otherwise. */
  count: number | null;
  /** Where the dialect cannot count in the read's snapshot (SQL Server): the count again after the last row. */
  count_after: number | null;
  /** True when count and rows come from one snapshot; null without a count. */
  same_snapshot: boolean | null;
  suspect: boolean;
  /** Why the run is suspect, for history and the alert e-mail; null when it is not. */
  reason: string | null;
}

/** Compares what was counted, read and delivered. */
export function reconcile(rowsRead: number | null, rowsDelivered: number, counted: SourceCount | null): Reconciliation {
  const problems: string[] = [];
  if (counted) {
    if (counted.countAfter !== null && counted.countAfter !== counted.count) {
      problems.push(`the query counted ${counted.count} rows before the export and ${counted.countAfter} after it`);
    }
    if (rowsRead !== null && rowsRead !== counted.count) {
      problems.push(`the query counted ${counted.count} rows but the export read ${rowsRead}`);
    }
  }
  if (rowsRead !== null && rowsRead !== rowsDelivered) {
    problems.push(`the export read ${rowsRead} rows but delivered ${rowsDelivered}`);
  }
  return {
    rows_read: rowsRead,
    rows_delivered: rowsDelivered,
    count: counted?.count ?? null,
    count_after: counted?.countAfter ?? null,
    same_snapshot: counted ? counted.sameSnapshot : null,
    suspect: problems.length > 0,
    reason: problems.length ? problems.join('; ') : null,
  };
}
