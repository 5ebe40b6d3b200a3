import sql from 'mssql';
import { InvalidQueryError, NotAQueryError, QueryTimeoutError, redactUrl } from '../errors';
import { logger } from '../logger';
import type { Row } from '../row-serializer';
import { assertUniqueColumns, rowBuilder, type ColumnInfo, type RowValues } from '../row-values';
import { mssqlConfigFromUrl } from './mssql-config';
import { installExactDecimals } from './mssql-exact-decimals';
import { mssqlHint, mssqlValueMapper, type MssqlValueMapper } from './mssql-values';
import { bindNamedParams, singleStatementProblem } from './named-params';
import type { OpenOptions, ParamValue, QueryCursor, SourceCount, SourceDriver } from './source';

// DECIMAL, NUMERIC and MONEY as exact text, for every request of this process (or thread).
installExactDecimals();

/** Options of the SQL Server driver. */
export interface MssqlSourceOptions {
  /** Password of the URL's user (the URL itself never holds one). */
  password?: string;
  /** Connections of the pool: exports running at once on this source, per worker. @default DEFAULT_POOL_SIZE */
  maxConnections?: number;
}

/**
 * SQL Server error numbers that mean the query text itself is wrong: retrying cannot fix them.
 * 102/156 incorrect syntax, 105 unclosed quote, 137 undeclared variable, 195 unknown function,
 * 207 invalid column, 208 invalid object, 209 ambiguous column, 229/230 permission denied,
 * 2812 unknown procedure, 4104 multi-part identifier not bound, 8120 column not in GROUP BY.
 */
const QUERY_ERROR_NUMBERS = new Set([102, 105, 137, 156, 195, 207, 208, 209, 229, 230, 2812, 4104, 8120]);

/** Rows buffered before the stream is paused, until the first `read()` says how many it wants. */
const DEFAULT_HIGH_WATER = 1000;
/** How long `close()` waits for the server to acknowledge a cancel before giving up on it. */
const CLOSE_TIMEOUT_MS = 5_000;

interface MssqlErrorFields {
  code?: string;
  number?: number;
}

/** Maps the database's verdict on the query to a typed error; connection failures pass through, retryable. */
export function mapMssqlError(err: unknown, timeoutMs: number | undefined): Error {
  if (!(err instanceof Error)) return new Error(String(err));
  const { code, number } = err as MssqlErrorFields;
  if (typeof number === 'number' && QUERY_ERROR_NUMBERS.has(number)) {
    return new InvalidQueryError(err.message, String(number));
  }
  if (code === 'ETIMEOUT' && timeoutMs) return new QueryTimeoutError(timeoutMs, err.message);
  return err;
}

/**
 * Explicit parameter types: mssql would send a Date as DATETIME (3 ms steps) and guess the rest. A
 * time parameter is DATETIME2 even when null, so `COALESCE(@last_success_time, '1970-01-01')` is a
 * time too, not text.
 */
export function addInput(request: sql.Request, name: string, value: ParamValue, isTime = false): void {
  if (value instanceof Date || isTime) request.input(name, sql.DateTime2(7), value);
  else if (typeof value === 'boolean') request.input(name, sql.Bit, value);
  else if (typeof value === 'bigint') request.input(name, sql.BigInt, value.toString());
  else if (typeof value === 'number') {
    if (Number.isInteger(value) && Math.abs(value) <= 2 ** 31 - 1) request.input(name, sql.Int, value);
    else if (Number.isSafeInteger(value)) request.input(name, sql.BigInt, value);
    else request.input(name, sql.Float, value);
  } else request.input(name, sql.NVarChar(sql.MAX), value);
}

/** The column of an arrayRowMode `recordset` event, as much of it as the mapping needs. */
interface RecordsetColumn {
  name: string;
  type?: { declaration?: string };
  scale?: number;
}

/**
 * SQL Server source (`mssql` on tedious): one connection pool per driver (so per connection URL),
 * connected once, and a streaming request per open query, paused while its buffer is full.
 *
 * `timeoutMs` becomes tedious's request timeout, which runs until the server sends its first
 * answer: it bounds the wait for a slow query, not the time the consumer spends between chunks.
 * Only the query's first result set is read.
 */
export class MssqlSource implements SourceDriver {
  readonly dialect = 'mssql';
  private readonly config: sql.config;
  private pool: Promise<sql.ConnectionPool> | undefined;

  /** @param url `mssql://user@host:1433/db?encrypt=true&trustServerCertificate=true`, without a password */
  constructor(
    private readonly url: string,
    options: MssqlSourceOptions = {},
  ) {
    this.config = mssqlConfigFromUrl(url, options.password, options.maxConnections);
  }

  private connect(): Promise<sql.ConnectionPool> {
    if (!this.pool) {
      const pool = new sql.ConnectionPool(this.config);
      pool.on('error', (err: unknown) => logger.warn({ err, source: redactUrl(this.url) }, 'SQL Server pool error'));
      this.pool = pool.connect().catch(async (err: unknown) => {
        // Forget the failed pool, so that the next open (a retry) connects afresh.
        this.pool = undefined;
        await pool.close().catch(() => undefined);
        throw err;
      });
    }
    return this.pool;
  }

  async open(text: string, options: OpenOptions = {}): Promise<QueryCursor> {
    // SQL Server would run every statement of a batch; PostgreSQL and SQLite prepare one statement only.
    const problem = singleStatementProblem(text, 'mssql');
    if (problem) throw new NotAQueryError(problem);
    const bound = bindNamedParams(text, 'mssql', options.params);
    const pool = await this.connect();
    // mssql takes per-request overrides, which its type declarations do not show.
    const newRequest = pool.request.bind(pool) as (overrides: { requestTimeout: number }) => sql.Request;
    // 0 means none; Node timers cannot wait past 2^31 - 1 ms, and fire at once if asked to.
    const requestTimeout = Math.min(2 ** 31 - 1, Math.max(0, Math.round(options.timeoutMs ?? 0)));
    const request = newRequest({ requestTimeout });
    request.stream = true;
    request.arrayRowMode = true;
    const times = new Set(options.timeParams);
    bound.names.forEach((name, i) => addInput(request, name, bound.values[i] ?? null, times.has(name)));
    // No snapshot shared with the stream (see `countOf`): counted before the first row and again after the last.
    const countOnce = options.countSql
      ? () => this.countOf(options.countSql!, options, newRequest({ requestTimeout }))
      : null;
    const before = countOnce ? await countOnce() : null;
    const cursor = new MssqlCursor(request, options.timeoutMs);
    if (countOnce && before !== null) {
      cursor.counted = async () => ({ count: before, countAfter: await countOnce(), sameSnapshot: false });
    }
    request.query(bound.text, () => undefined);
    await cursor.opened;
    try {
      assertUniqueColumns(cursor.columns);
    } catch (err) {
      await cursor.close();
      throw err;
    }
    return cursor;
  }

  /**
   * The query's COUNT(*) on its own request: SQL Server runs it under the database's default isolation,
   * apart from the stream, so a reconciled run compares the rows read with a count before and after.
   */
  private async countOf(countSql: string, options: OpenOptions, request: sql.Request): Promise<number> {
    const bound = bindNamedParams(countSql, 'mssql', options.params);
    const times = new Set(options.timeParams);
    bound.names.forEach((name, i) => addInput(request, name, bound.values[i] ?? null, times.has(name)));
    try {
      const result = await request.query<{ n: number }>(bound.text);
      return Number(result.recordset[0]?.n ?? 0);
    } catch (err) {
      throw mapMssqlError(err, options.timeoutMs);
    }
  }

  async end(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (pool) await (await pool.catch(() => undefined))?.close();
  }
}

/** The cursor over a streaming request: buffers up to the last `read()`'s size, paused beyond. Exported for tests. */
export class MssqlCursor implements QueryCursor {
  columns: readonly string[] = [];
  fields: readonly ColumnInfo[] = [];
  /** Settles when the first result set's columns are known, the request ends without one, or fails. */
  readonly opened: Promise<void>;
  private mappers: MssqlValueMapper[] = [];
  private buffer: RowValues[] = [];
  private toRow: (values: RowValues) => Row = rowBuilder([]);
  private highWater = DEFAULT_HIGH_WATER;
  private recordsets = 0;
  private done = false;
  private error: unknown;
  private closed = false;
  private wake: (() => void) | undefined;
  /** Set by `MssqlSource.open` when it was asked for a count. */
  counted?: () => Promise<SourceCount | null>;

  constructor(
    private readonly request: sql.Request,
    private readonly timeoutMs: number | undefined,
  ) {
    let settle: (err?: unknown) => void = () => undefined;
    this.opened = new Promise<void>((resolve, reject) => {
      settle = (err) => (err === undefined ? resolve() : reject(mapMssqlError(err, timeoutMs)));
    });
    request.on('recordset', (columns: RecordsetColumn[]) => {
      this.recordsets += 1;
      if (this.recordsets > 1) return;
      this.fields = columns.map((c) => ({ name: c.name, hint: mssqlHint(c.type?.declaration) }));
      this.columns = this.fields.map((f) => f.name);
      this.toRow = rowBuilder(this.columns);
      this.mappers = columns.map((c) => mssqlValueMapper({ declaration: c.type?.declaration, scale: c.scale }));
      settle();
    });
    request.on('row', (values: unknown[]) => {
      if (this.recordsets !== 1 || this.closed) return;
      for (let i = 0; i < values.length; i++) values[i] = (this.mappers[i] as MssqlValueMapper)(values[i]);
      this.buffer.push(values);
      if (this.buffer.length >= this.highWater) request.pause();
      this.notify();
    });
    request.on('error', (err: unknown) => {
      this.error ??= err;
      settle(err);
      this.notify();
    });
    request.on('done', () => {
      this.done = true;
      settle(this.error);
      this.notify();
    });
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  async read(maxRows: number): Promise<Row[]> {
    return (await this.readValues(maxRows)).map(this.toRow);
  }

  async readValues(maxRows: number): Promise<RowValues[]> {
    if (this.closed) return [];
    this.highWater = Math.max(maxRows, 1);
    while (this.buffer.length < maxRows && !this.done && this.error === undefined) {
      this.request.resume();
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    if (this.error !== undefined) throw mapMssqlError(this.error, this.timeoutMs);
    const rows = this.buffer.splice(0, maxRows);
    // Fetch the next chunk while the caller works on this one.
    if (!this.done && this.buffer.length < this.highWater) this.request.resume();
    return rows;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.buffer = [];
    if (this.done) return;
    // Cancel rather than drain: the server stops, and the connection goes back to the pool once it acknowledges.
    const finished = new Promise<void>((resolve) => this.request.once('done', () => resolve()));
    this.request.cancel();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([finished, new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_TIMEOUT_MS)))]);
    clearTimeout(timer);
  }
}
