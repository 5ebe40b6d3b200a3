import path from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { InvalidQueryError } from '../errors';
import { assertUniqueColumns, rowBuilder, type ColumnInfo, type RowValues, type ValueHint } from '../row-values';
import { bindNamedParams } from './named-params';
import type { OpenOptions, ParamValue, QueryCursor, SourceCount, SourceDriver, TimeFormat } from './source';

type SqliteValue = string | number | bigint | null;

/** A time in SQLite's storage form `format` (see `TimeFormat`). */
export function sqliteTime(value: Date, format: TimeFormat): string | bigint {
  if (format === 'epoch') return BigInt(Math.floor(value.getTime() / 1000));
  const iso = value.toISOString();
  if (format === 'iso') return iso;
  // CURRENT_TIMESTAMP writes whole seconds: a time on the second binds equal to it, not after it.
  return `${iso.slice(0, 10)} ${iso.slice(11, value.getUTCMilliseconds() ? 23 : 19)}`;
}

/**
 * SQLite has no date or boolean type: dates travel as text or epoch seconds (`format`), booleans
 * as 1/0.
 */
export function toSqliteValue(value: ParamValue, format: TimeFormat = 'sql'): SqliteValue {
  if (value instanceof Date) return sqliteTime(value, format);
  if (typeof value === 'boolean') return value ? 1 : 0;
  // better-sqlite3 binds every JS number as REAL; whole numbers bind as INTEGER, as SQL expects.
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  return value;
}

/**
 * What a declared column type says of its values, by SQLite's affinity rules (section 3.1 of its
 * datatype page). Only a hint: SQLite stores any value in any column, and expressions have no type.
 */
export function sqliteHint(declared: string | null): ValueHint {
  const type = (declared ?? '').toUpperCase();
  if (type.includes('INT')) return 'bigint'; // safeIntegers: INTEGER values arrive as BigInt
  if (/CHAR|CLOB|TEXT/.test(type)) return 'string';
  if (/REAL|FLOA|DOUB/.test(type)) return 'number';
  return 'unknown';
}

/**
 * SQLite source (better-sqlite3): one read-only connection per cursor, since `iterate()` locks it.
 *
 * SQLite has no statement timeout: `OpenOptions.timeoutMs` is ignored here, and the export's own
 * deadline (the activity's timeout) is what bounds a slow query. With `countSql` the count and the
 * rows are read in one read transaction of the cursor's connection (one snapshot).
 */
export class SqliteSource implements SourceDriver {
  readonly dialect = 'sqlite';
  readonly file: string;
  private readonly cursors = new Set<QueryCursor>();

  /** @param url `sqlite:path/to/file.db`, relative to `baseDir` */
  constructor(url: string, baseDir: string) {
    this.file = path.resolve(baseDir, url.replace(/^sqlite:(\/\/)?/, ''));
  }

  async open(sql: string, options: OpenOptions = {}): Promise<QueryCursor> {
    const bound = bindNamedParams(sql, 'sqlite', options.params);
    const db = new Database(this.file, { readonly: true, fileMustExist: true });
    try {
      let statement: Database.Statement;
      try {
        statement = db.prepare(bound.text);
      } catch (err) {
        // At prepare time SQLITE_ERROR is the query text's fault: syntax, unknown table or column.
        // Checked by shape: the native addon keeps the SqliteError class (and realm) of the first module
        // instance that loaded it, so instanceof fails under test runners that isolate modules.
        const { code, message } = err as { code?: unknown; message?: unknown };
        if (code === 'SQLITE_ERROR' && typeof message === 'string') throw new InvalidQueryError(message, code);
        throw err;
      }
      if (!statement.reader) throw new InvalidQueryError('the statement returns no rows', undefined);
      // The connection is read-only anyway (a write would fail at the first read, as SQLITE_READONLY):
      // say so before anything runs.
      if (!statement.readonly)
        throw new InvalidQueryError('the statement writes: a source query may only read', 'SQLITE_READONLY');
      statement.safeIntegers(true);
      // Arrays, not objects: the cheap form; read() builds the objects.
      statement.raw(true);
      const fields: ColumnInfo[] = statement.columns().map((c) => ({ name: c.name, hint: sqliteHint(c.type) }));
      const columns = fields.map((f) => f.name);
      assertUniqueColumns(columns);
      const toRow = rowBuilder(columns);
      const bindings = Object.fromEntries(
        bound.names.map((name, i) => [name, toSqliteValue(bound.values[i] ?? null, options.timeFormat)]),
      );
      let counted: SourceCount | null = null;
      if (options.countSql) {
        // One read transaction on this connection holds the count and the rows: a writer's commit in
        // between is not seen (WAL) or waits for it to end (rollback journal).
        db.exec('BEGIN');
        const countBound = bindNamedParams(options.countSql, 'sqlite', options.params);
        const count = db.prepare(countBound.text).pluck().safeIntegers(true);
        const countBindings = Object.fromEntries(
          countBound.names.map((name, i) => [name, toSqliteValue(countBound.values[i] ?? null, options.timeFormat)]),
        );
        const n = (countBound.names.length ? count.get(countBindings) : count.get()) as bigint;
        counted = { count: Number(n), countAfter: null, sameSnapshot: true };
      }
      const rows = (
        bound.names.length ? statement.iterate(bindings) : statement.iterate()
      ) as IterableIterator<RowValues>;
      let closed = false;
      const cursors = this.cursors;
      const readValues = async (maxRows: number): Promise<RowValues[]> => {
        const batch: RowValues[] = [];
        if (closed) return batch;
        while (batch.length < maxRows) {
          const next = rows.next();
          if (next.done) break;
          batch.push(next.value);
        }
        // iterate() is synchronous: give other work a turn between chunks.
        await yieldToEventLoop();
        return batch;
      };
      const cursor: QueryCursor = {
        columns,
        fields,
        readValues,
        read: async (maxRows) => (await readValues(maxRows)).map(toRow),
        counted: async () => counted,
        async close(): Promise<void> {
          if (closed) return;
          closed = true;
          cursors.delete(cursor);
          rows.return?.();
          db.close();
        },
      };
      cursors.add(cursor);
      return cursor;
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** Closes the cursors still open. */
  async end(): Promise<void> {
    await Promise.all([...this.cursors].map((c) => c.close()));
  }
}
