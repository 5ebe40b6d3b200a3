import type { Row } from '../row-serializer';
import type { ColumnInfo, RowValues } from '../row-values';
import type { SqlDialect } from './named-params';

/** Connections of a PostgreSQL or SQL Server source's pool, per worker process, unless `pool_size` says. */
export const DEFAULT_POOL_SIZE = 4;

/** A value bound to a named query parameter (`:name` in the SQL text). */
export type ParamValue = string | number | bigint | boolean | null | Date;

/**
 * How a time is bound where the database has no time type (SQLite): `sql` is the text SQLite's own
 * `CURRENT_TIMESTAMP`/`datetime()` write (`2024-01-01 06:00:00`, `.fff` only when the milliseconds
 * are not zero), `iso` is ISO-8601 UTC text (`2024-01-01T06:00:00.000Z`), `epoch` whole unix seconds
 * (an INTEGER). Text only compares right with text of the same form (`' ' < 'T'`), so the
 * scheduling says which form its column holds.
 */
export const TIME_FORMATS = ['sql', 'iso', 'epoch'] as const;
export type TimeFormat = (typeof TIME_FORMATS)[number];

export interface OpenOptions {
  /** Values of the named parameters the query uses; a name the query uses but this lacks is an error. */
  params?: Record<string, ParamValue>;
  /**
   * Names among `params` that are times, even when null: PostgreSQL casts them to `timestamptz`,
   * SQL Server types them `datetime2`, SQLite binds them in `timeFormat`.
   */
  timeParams?: readonly string[];
  /** How SQLite binds a time. @default "sql" */
  timeFormat?: TimeFormat;
  /** Statement timeout enforced by the database where it can be. */
  timeoutMs?: number;
}

/** An open query whose rows are read in bounded chunks: memory never grows with the result set. */
export interface QueryCursor {
  /** Column names in the order the query returns them. */
  readonly columns: readonly string[];
  /** The columns with the value type the driver declares for each: what a compiled serialiser needs. */
  readonly fields: readonly ColumnInfo[];
  /** Reads up to `maxRows` rows; an empty array means the result set is exhausted. */
  read(maxRows: number): Promise<Row[]>;
  /**
   * Reads like `read()`, each row as its values in column order: no object per row. Both reads may be
   * mixed on one cursor; they consume the same rows.
   */
  readValues(maxRows: number): Promise<RowValues[]>;
  /** Releases the cursor and its connection; safe to call twice. */
  close(): Promise<void>;
}

/** A source database reachable by URL. */
export interface SourceDriver {
  /** The SQL dialect its queries are written in. */
  readonly dialect: SqlDialect;
  /**
   * Runs `sql`, read-only, and returns a cursor over its rows. Throws `DuplicateColumnError` when two
   * result columns share a name, and a non-retryable error for a query that writes.
   */
  open(sql: string, options?: OpenOptions): Promise<QueryCursor>;
  /**
   * The planner's estimate of the rows `sql` returns, without running it (read-only, under the
   * statement timeout); absent where the dialect offers no estimate.
   */
  estimateRows?(sql: string, options?: OpenOptions): Promise<number | null>;
  /** Closes pools and handles. */
  end(): Promise<void>;
}
