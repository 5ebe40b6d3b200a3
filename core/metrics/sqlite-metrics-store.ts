import fs from 'node:fs';
import type Database from 'better-sqlite3';
import { InvalidMetricsArgumentError } from '../errors';
import type { MinuteRange } from './metrics-report';
import {
  ADDED_COLUMNS,
  addedColumnSql,
  createTableSql,
  hourlySql,
  rollupValues,
  TABLE_NAME,
  TABLE_NAME_EXPECTED,
  totalsFromRow,
  totalsSql,
  upsertSql,
  type SqlDialect,
} from './metrics-sql';
import { openSqliteDb, sqliteSchemaOnce, type SqliteDb } from '../store/sqlite-db';
import type { CleanupResult } from './metrics-store';
import type { MinuteRollup, RollupTotals } from './minute-rollup';
import type { RollupBufferOptions } from './rollup-buffer';
import { RollupMetricsStore } from './rollup-metrics-store';

/** Options of the SQLite metrics store. */
export interface SqliteMetricsStoreOptions extends RollupBufferOptions {
  /** The database file, created with its folder when missing. @default `<dataDir>/metrics.db` */
  file?: string;
  /** The process's open metrics database to use instead of opening `file`; the store never closes it. */
  on?: SqliteDb;
  /** Table of the rollups. @default "send_metrics_minute" */
  table?: string;
  /**
   * How long a statement waits for another process's lock. better-sqlite3 is synchronous: the wait blocks
   * this process's event loop, so keep it short; a write that times out is buffered and retried. Only when the
   * store opens `file`: a shared connection (`on`) keeps its own.
   * @default 250
   */
  busyTimeoutMs?: number;
}

const DIALECT: SqlDialect = { integer: 'INTEGER', real: 'REAL', least: 'min', greatest: 'max', param: () => '?' };
/** Rows per INSERT: SQLite allows 32766 parameters per statement. */
const ROWS_PER_INSERT = 500;

/** Error codes by shape: under jest the addon's SqliteError comes from another realm, so no instanceof. */
function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Metrics in a SQLite file, shared by the API and the worker on one host: WAL (readers never wait for the
 * writer), a busy timeout, and upserts that add to the stored counts, so any number of processes may write.
 * Deleted pages are given back to the file system (incremental auto-vacuum), so cleanup shrinks the file.
 */
export class SqliteMetricsStore extends RollupMetricsStore {
  readonly file: string;
  private readonly table: string;
  private readonly db: Database.Database;
  /** Whether the store opened the connection, and so closes it. */
  private readonly ownsDb: boolean;
  private readonly ensureSchema: () => void;

  constructor(options: SqliteMetricsStoreOptions = {}) {
    super(options);
    this.table = options.table ?? 'send_metrics_minute';
    if (!TABLE_NAME.test(this.table)) throw new InvalidMetricsArgumentError('table', TABLE_NAME_EXPECTED, this.table);
    this.ownsDb = !options.on;
    ({ file: this.file, db: this.db } = options.on ?? openSqliteDb(options.file, options.busyTimeoutMs ?? 250));
    this.ensureSchema = sqliteSchemaOnce(this.db, () => {
      this.db.exec(createTableSql(this.table, DIALECT));
      // SQLite has no ADD COLUMN IF NOT EXISTS: a table of an older release gets the columns it lacks.
      const present = new Set(
        this.db
          .prepare(`SELECT * FROM ${this.table} LIMIT 0`)
          .columns()
          .map((c) => c.name),
      );
      for (const column of ADDED_COLUMNS.filter((c) => !present.has(c)))
        this.db.exec(addedColumnSql(this.table, DIALECT, column, false));
    });
    try {
      this.ensureSchema();
    } catch (err) {
      // Another process holds the lock: the first write or read creates the schema instead.
      if (!/^SQLITE_(BUSY|LOCKED)/.test(sqliteCode(err) ?? '')) throw err;
    }
  }

  protected async writeRollups(rows: MinuteRollup[]): Promise<void> {
    this.ensureSchema();
    const write = this.db.transaction((batch: MinuteRollup[]) => {
      for (let i = 0; i < batch.length; i += ROWS_PER_INSERT) {
        const chunk = batch.slice(i, i + ROWS_PER_INSERT);
        this.db.prepare(upsertSql(this.table, DIALECT, chunk.length)).run(chunk.flatMap(rollupValues));
      }
    });
    // IMMEDIATE takes the write lock up front, so an empty batch still proves that writing works.
    write.immediate(rows);
  }

  protected async readTotals(range: MinuteRange): Promise<RollupTotals> {
    this.ensureSchema();
    const row = this.db.prepare(totalsSql(this.table, DIALECT)).get(range.from, range.to);
    return totalsFromRow(row as Record<string, unknown> | undefined);
  }

  protected async readHourly(range: MinuteRange): Promise<Map<number, RollupTotals>> {
    this.ensureSchema();
    const rows = this.db.prepare(hourlySql(this.table, DIALECT)).all(range.from, range.to) as Array<
      Record<string, unknown>
    >;
    return new Map(rows.map((r) => [Number(r.hour), totalsFromRow(r)]));
  }

  protected async deleteBefore(minute: number): Promise<CleanupResult> {
    this.ensureSchema();
    const { changes } = this.db.prepare(`DELETE FROM ${this.table} WHERE minute < ?`).run(minute);
    const { n } = this.db.prepare(`SELECT COUNT(*) AS n FROM ${this.table}`).get() as { n: number };
    if (changes > 0) {
      this.db.pragma('incremental_vacuum');
      // Copies the WAL into the file and truncates it when no reader needs it; otherwise it stays for later.
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    }
    return { deleted: changes, remaining: n, store_bytes: this.sizeBytes() };
  }

  async storeBytes(): Promise<number> {
    return this.sizeBytes();
  }

  private sizeBytes(): number {
    let bytes = 0;
    for (const f of [this.file, `${this.file}-wal`]) {
      try {
        bytes += fs.statSync(f).size;
      } catch {
        // No WAL file right now.
      }
    }
    return bytes;
  }

  protected async closeBackend(): Promise<void> {
    if (this.ownsDb) this.db.close();
  }
}
