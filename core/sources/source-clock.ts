import type { SqlDialect } from './named-params';
import type { TimeFormat } from './source';

/**
 * SQL for "the source database's clock, `lagMs` ago", evaluated by the database in the statement that
 * uses it (so on the connection and in the snapshot that read the rows), never by the worker's clock.
 * PostgreSQL's `now()` is the transaction's start and SQL Server's `SYSUTCDATETIME()` is read once per
 * statement; SQLite's `'now'` is the step's, so a long read may see a later bound, which only lets more
 * rows in. On SQLite the result has the form of the column (`time_format`), so that text compares as time.
 */
export function sourceClockMinus(dialect: SqlDialect, lagMs: number, timeFormat: TimeFormat): string {
  const ms = Math.max(0, Math.trunc(lagMs));
  switch (dialect) {
    case 'postgres':
      return `(now() - interval '${ms} milliseconds')`;
    case 'mssql':
      // DATEADD takes an int: whole seconds first, then the milliseconds left.
      return `DATEADD(millisecond, -${ms % 1000}, DATEADD(second, -${Math.floor(ms / 1000)}, SYSUTCDATETIME()))`;
    case 'sqlite': {
      const modifier = `'-${ms / 1000} seconds'`;
      if (timeFormat === 'epoch') return `((julianday('now', ${modifier}) - 2440587.5) * 86400.0)`;
      // %f is seconds with milliseconds: `06:00:00.000` sorts after `06:00:00` and before `06:00:00.5`.
      return timeFormat === 'iso'
        ? `strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ${modifier})`
        : `strftime('%Y-%m-%d %H:%M:%f', 'now', ${modifier})`;
    }
  }
}
