import type Database from 'better-sqlite3';
import { openSqliteDb, sqliteSchemaOnce, withBusyTimeout, type SqliteDb } from '../store/sqlite-db';
import type { RuleState } from './alert-rules';
import {
  alertFromRow,
  alertTablesOf,
  alertValues,
  createAlertTablesSql,
  deleteAlertsBeforeSql,
  insertAlertSql,
  insertStateSql,
  recentAlertsSql,
  recordDeliverySql,
  selectStatesSql,
  stateFromRow,
  stateValues,
  undeliveredAlertsSql,
  updateStateSql,
  updateStateValues,
  type AlertSqlDialect,
  type AlertTables,
} from './alert-sql';
import type { AlertLogEntry, AlertStore, NewAlert } from './alert-store';

export interface SqliteAlertStoreOptions {
  /** The metrics database file, created with its folder when missing. @default `<dataDir>/metrics.db` */
  file?: string;
  /** The process's open metrics database to use instead of opening `file`; the store never closes it. */
  on?: SqliteDb;
  /** Prefix of the table names. @default "" (alert_state, alert_log) */
  tablePrefix?: string;
  /** How long a statement waits for another process's lock, on a shared connection (`on`) too. @default 2000 */
  busyTimeoutMs?: number;
}

const DIALECT: AlertSqlDialect = {
  integer: 'INTEGER',
  real: 'REAL',
  identity: 'INTEGER PRIMARY KEY AUTOINCREMENT',
  param: () => '?',
};

/**
 * Alert state and log in the SQLite metrics file, next to the rollups (WAL, shared by the API and the worker
 * on one host). Alert writes are rare and small: a longer busy timeout than the metrics writer's is fine.
 */
export class SqliteAlertStore implements AlertStore {
  readonly file: string;
  private readonly tables: AlertTables;
  private readonly db: Database.Database;
  private readonly busyTimeoutMs: number;
  /** Whether the store opened the connection, and so closes it. */
  private readonly ownsDb: boolean;
  /** Created at first use, as the metrics table is, so opening the store never fails on a locked file. */
  private readonly ensureSchema: () => void;

  constructor(options: SqliteAlertStoreOptions = {}) {
    this.tables = alertTablesOf(options.tablePrefix ?? '');
    this.busyTimeoutMs = options.busyTimeoutMs ?? 2000;
    this.ownsDb = !options.on;
    ({ file: this.file, db: this.db } = options.on ?? openSqliteDb(options.file, this.busyTimeoutMs));
    this.ensureSchema = sqliteSchemaOnce(this.db, () =>
      this.db
        .transaction(() => {
          for (const sql of createAlertTablesSql(this.tables, DIALECT)) this.db.exec(sql);
        })
        .immediate(),
    );
  }

  async states(): Promise<RuleState[]> {
    return this.run(() => {
      const rows = this.db.prepare(selectStatesSql(this.tables)).all() as Array<Record<string, unknown>>;
      return rows.map(stateFromRow);
    });
  }

  async save(next: RuleState, previous: RuleState | null, alert: NewAlert | null): Promise<boolean> {
    return this.run(() => {
      const write = this.db.transaction((): boolean => {
        const { changes } = previous
          ? this.db.prepare(updateStateSql(this.tables, DIALECT)).run(...updateStateValues(next, previous))
          : this.db.prepare(insertStateSql(this.tables, DIALECT)).run(...stateValues(next));
        if (changes === 0) return false;
        if (alert) this.db.prepare(insertAlertSql(this.tables, DIALECT)).run(...alertValues(alert));
        return true;
      });
      return write.immediate();
    });
  }

  async recent(limit: number): Promise<AlertLogEntry[]> {
    return this.run(() => {
      const rows = this.db.prepare(recentAlertsSql(this.tables, DIALECT)).all(limit) as Array<Record<string, unknown>>;
      return rows.map(alertFromRow);
    });
  }

  async undelivered(limit: number): Promise<AlertLogEntry[]> {
    return this.run(() => {
      const rows = this.db.prepare(undeliveredAlertsSql(this.tables, DIALECT)).all(limit) as Array<
        Record<string, unknown>
      >;
      return rows.map(alertFromRow);
    });
  }

  async recordDelivery(
    id: number,
    outcome: { delivered: true; at: Date } | { delivered: false; error: string },
  ): Promise<void> {
    this.run(() => {
      const values = outcome.delivered ? [outcome.at.getTime(), null] : [null, outcome.error];
      this.db.prepare(recordDeliverySql(this.tables, DIALECT)).run(...values, id);
    });
  }

  async deleteBefore(before: Date): Promise<number> {
    return this.run(() => this.db.prepare(deleteAlertsBeforeSql(this.tables, DIALECT)).run(before.getTime()).changes);
  }

  async close(): Promise<void> {
    if (this.ownsDb && this.db.open) this.db.close();
  }

  /** Runs `work` on the created tables, waiting for another process's lock as long as this store's timeout says. */
  private run<T>(work: () => T): T {
    return withBusyTimeout(this.db, this.busyTimeoutMs, () => {
      this.ensureSchema();
      return work();
    });
  }
}
