import { Pool } from 'pg';
import Cursor from 'pg-cursor';
import { InvalidQueryError, QueryTimeoutError, redactUrl } from '../errors';
import { logger } from '../logger';
import type { Row } from '../row-serializer';
import { assertUniqueColumns, rowBuilder, type ColumnInfo, type RowValues } from '../row-values';
import { bindNamedParams } from './named-params';
import { createPostgresTypes, postgresHint } from './postgres-types';
import {
  DEFAULT_POOL_SIZE,
  type OpenOptions,
  type ParamValue,
  type QueryCursor,
  type SourceCount,
  type SourceDriver,
} from './source';

/** Options of the PostgreSQL driver. */
export interface PostgresSourceOptions {
  /** Password of the URL's user (the URL itself never holds one). @default PGPASSWORD or ~/.pgpass, as libpq */
  password?: string;
  /** Connections of the pool: exports running at once on this source, per worker. @default DEFAULT_POOL_SIZE */
  maxConnections?: number;
  /** How long to wait for a connection before failing (a retryable error). @default 10000 */
  connectTimeoutMs?: number;
}

/** Rows fetched at open, to learn the columns and surface bad SQL and timeouts before the first `read()`. */
const FIRST_READ_ROWS = 1;
/** statement_timeout is a 32-bit count of milliseconds (about 24.8 days). */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/** How long `close()` waits for the server to close the portal before dropping the connection. */
const CLOSE_TIMEOUT_MS = 5_000;
/** SQLSTATE of a write attempted in a READ ONLY transaction. */
const READ_ONLY_VIOLATION = '25006';

interface PgError extends Error {
  code?: string;
  position?: string;
}

/** Maps the database's verdict on the query to a typed error; connection failures pass through, retryable. */
export function mapPostgresError(err: unknown, timeoutMs: number | undefined): Error {
  if (!(err instanceof Error)) return new Error(String(err));
  const { code, position } = err as PgError;
  if (typeof code !== 'string') return err;
  // Class 42: syntax error or access rule violation (42601 syntax, 42P01 table, 42703 column, 42501 privilege).
  if (code.startsWith('42')) {
    return new InvalidQueryError(position ? `${err.message} at character ${position}` : err.message, code);
  }
  // 25006 read_only_sql_transaction: the query tried to write (the server names the top statement,
  // SELECT for a DELETE inside WITH).
  if (code === READ_ONLY_VIOLATION) {
    return new InvalidQueryError(`${err.message}: source queries run read-only, and this one writes`, code);
  }
  // 57014 query_canceled: what the server reports when statement_timeout fires.
  if (code === '57014' && timeoutMs) return new QueryTimeoutError(timeoutMs, err.message);
  return err;
}

/**
 * Dates travel as ISO-8601 UTC text: pg would send them in the worker's local time zone. 64-bit
 * integers travel as text; the server casts them to the compared column's type.
 */
function toPostgresValue(value: ParamValue): string | number | boolean | null {
  if (typeof value === 'bigint') return value.toString();
  return value instanceof Date ? value.toISOString() : value;
}

/**
 * PostgreSQL source: one `pg` pool per driver (so per connection URL), created on first use, and a
 * `pg-cursor` per open query that fetches `maxRows` rows per round trip.
 *
 * `timeoutMs` becomes the session's `statement_timeout` (without it, the role's or server's default
 * applies). With a cursor the server applies it to each fetch (it restarts with every Execute
 * message), so it bounds the server's work per chunk, not the time the consumer spends between
 * chunks. Each query runs in its own `READ ONLY` transaction, open as long as its cursor (so a
 * data-modifying CTE fails with 25006 and nothing is written) and rolled back at `close()`; a
 * connection that failed is dropped, which ends it too. A server-side
 * `idle_in_transaction_session_timeout` shorter than the consumer's pauses would end it. With
 * `countSql` the transaction is REPEATABLE READ and the count runs first in it: count and rows come
 * from one snapshot, so rows deleted or inserted meanwhile by others change neither.
 *
 * PostgreSQL types a parameter where it is first used: write `:tag::text IS NULL` where that use
 * gives no type (`could not determine data type of parameter $1`).
 */
export class PostgresSource implements SourceDriver {
  readonly dialect = 'postgres';
  private pool: Pool | undefined;
  private readonly types = createPostgresTypes();
  private readonly cursors = new Set<QueryCursor>();

  /** @param url `postgres://user@host:5432/db` (or `postgresql://`), without a password */
  constructor(
    private readonly url: string,
    private readonly options: PostgresSourceOptions = {},
  ) {}

  private getPool(): Pool {
    if (!this.pool) {
      const pool = new Pool({
        connectionString: this.url,
        password: this.options.password,
        max: this.options.maxConnections ?? DEFAULT_POOL_SIZE,
        connectionTimeoutMillis: this.options.connectTimeoutMs ?? 10_000,
        idleTimeoutMillis: 30_000,
        keepAlive: true,
        application_name: 'pstt',
      });
      // An idle connection that the server drops emits here; without a listener it would crash the worker.
      pool.on('error', (err) => logger.warn({ err, source: redactUrl(this.url) }, 'idle PostgreSQL connection failed'));
      this.pool = pool;
    }
    return this.pool;
  }

  async open(sql: string, options: OpenOptions = {}): Promise<QueryCursor> {
    // Times are instants: timestamptz, whatever the first use of the parameter would infer.
    const casts = Object.fromEntries((options.timeParams ?? []).map((name) => [name, 'timestamptz']));
    const bound = bindNamedParams(sql, 'postgres', options.params, casts);
    const timeoutMs = options.timeoutMs;
    const client = await this.getPool().connect();
    let failure: Error | undefined;
    const onError = (err: Error) => {
      failure ??= err;
    };
    client.on('error', onError);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      client.removeListener('error', onError);
      // A connection that failed may be in any state: the pool drops it instead of reusing it.
      client.release(failure);
    };

    try {
      // Always set or reset, so that a value from the connection's previous user never applies here.
      // Inside the transaction, so the ROLLBACK at close undoes it; one round trip for both (the
      // simple protocol takes several statements).
      const timeout =
        timeoutMs === undefined
          ? 'RESET statement_timeout'
          : `SET statement_timeout = ${Math.min(MAX_TIMEOUT_MS, Math.max(1, Math.round(timeoutMs)))}`;
      // A count for reconciliation shares the cursor's snapshot: REPEATABLE READ takes it at the first
      // statement (the count) and holds it for the transaction, so both see the same rows.
      const isolation = options.countSql ? 'ISOLATION LEVEL REPEATABLE READ ' : '';
      await client.query(`BEGIN TRANSACTION ${isolation}READ ONLY; ${timeout}`);
      let counted: SourceCount | null = null;
      if (options.countSql) {
        const countBound = bindNamedParams(options.countSql, 'postgres', options.params, casts);
        const result = await client.query<{ n: string }>(countBound.text, countBound.values.map(toPostgresValue));
        counted = { count: Number(result.rows[0]?.n ?? 0), countAfter: null, sameSnapshot: true };
      }
      const values = bound.values.map(toPostgresValue);
      // Arrays, not objects: the cheap form; PostgresCursor.read() builds the objects.
      const cursor = client.query(new Cursor<RowValues>(bound.text, values, { types: this.types, rowMode: 'array' }));
      cursor.on('error', onError);
      const first = await readFirst(cursor);
      assertUniqueColumns(first.fields.map((f) => f.name));
      const done = () => {
        this.cursors.delete(open);
        release();
      };
      const rollback = async () => {
        await client.query('ROLLBACK');
      };
      const open = new PostgresCursor(
        first.fields,
        first.rows,
        cursor,
        () => failure,
        onError,
        rollback,
        done,
        timeoutMs,
        counted,
      );
      this.cursors.add(open);
      return open;
    } catch (err) {
      onError(err instanceof Error ? err : new Error(String(err)));
      release();
      throw mapPostgresError(err, timeoutMs);
    }
  }

  /**
   * `EXPLAIN (FORMAT JSON)` of the query with its parameters bound: the plan's top row estimate.
   * Nothing runs (EXPLAIN without ANALYZE only plans), inside a READ ONLY transaction rolled back,
   * under `SET LOCAL statement_timeout`.
   */
  async estimateRows(sql: string, options: OpenOptions = {}): Promise<number | null> {
    const casts = Object.fromEntries((options.timeParams ?? []).map((name) => [name, 'timestamptz']));
    const bound = bindNamedParams(sql, 'postgres', options.params, casts);
    const client = await this.getPool().connect();
    let failure: Error | undefined;
    try {
      const timeout =
        options.timeoutMs === undefined
          ? ''
          : `SET LOCAL statement_timeout = ${Math.min(MAX_TIMEOUT_MS, Math.max(1, Math.round(options.timeoutMs)))}`;
      await client.query(`BEGIN TRANSACTION READ ONLY; ${timeout}`);
      const result = await client.query<{ 'QUERY PLAN': Array<{ Plan?: { 'Plan Rows'?: number } }> }>(
        `EXPLAIN (FORMAT JSON) ${bound.text}`,
        bound.values.map(toPostgresValue),
      );
      const rows = result.rows[0]?.['QUERY PLAN']?.[0]?.Plan?.['Plan Rows'];
      await client.query('ROLLBACK');
      return typeof rows === 'number' && Number.isFinite(rows) ? rows : null;
    } catch (err) {
      failure = err instanceof Error ? err : new Error(String(err));
      throw mapPostgresError(err, options.timeoutMs);
    } finally {
      // A failed connection may be mid-transaction: the pool drops it rather than reuse it.
      client.release(failure);
    }
  }

  /** Closes the cursors still open (the pool would wait for their connections forever), then the pool. */
  async end(): Promise<void> {
    await Promise.all([...this.cursors].map((c) => c.close()));
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end();
  }
}

/** The first rows of a cursor and the result's columns, which only the callback form of `read()` reports. */
function readFirst(cursor: Cursor<RowValues>): Promise<{ fields: ColumnInfo[]; rows: RowValues[] }> {
  return new Promise((resolve, reject) => {
    cursor.read(FIRST_READ_ROWS, (err, rows, result) => {
      if (err) reject(err);
      else resolve({ fields: result.fields.map((f) => ({ name: f.name, hint: postgresHint(f.dataTypeID) })), rows });
    });
  });
}

class PostgresCursor implements QueryCursor {
  private closed = false;
  readonly columns: readonly string[];
  private readonly toRow: (values: RowValues) => Row;

  constructor(
    readonly fields: readonly ColumnInfo[],
    private buffered: RowValues[],
    private readonly cursor: Cursor<RowValues>,
    private readonly failure: () => Error | undefined,
    private readonly fail: (err: Error) => void,
    /** Ends the query's READ ONLY transaction. */
    private readonly rollback: () => Promise<void>,
    private readonly release: () => void,
    private readonly timeoutMs: number | undefined,
    private readonly count: SourceCount | null,
  ) {
    this.columns = fields.map((f) => f.name);
    this.toRow = rowBuilder(this.columns);
  }

  async read(maxRows: number): Promise<Row[]> {
    return (await this.readValues(maxRows)).map(this.toRow);
  }

  async readValues(maxRows: number): Promise<RowValues[]> {
    if (this.closed) return [];
    const rows = this.buffered.splice(0, maxRows);
    if (rows.length === maxRows) return rows;
    try {
      const more = await this.cursor.read(maxRows - rows.length);
      return rows.length ? rows.concat(more) : more;
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
      throw mapPostgresError(err, this.timeoutMs);
    }
  }

  async counted(): Promise<SourceCount | null> {
    return this.count;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.buffered = [];
    try {
      // After an error the portal is gone and the connection may be too: skip the round trips; the
      // pool drops such a connection, which ends its transaction.
      if (!this.failure()) await withTimeout(this.cursor.close(), CLOSE_TIMEOUT_MS);
      if (!this.failure()) await withTimeout(this.rollback(), CLOSE_TIMEOUT_MS);
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
    } finally {
      this.release();
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
