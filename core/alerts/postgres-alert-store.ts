import type { Pool } from 'pg';
import { inTransaction, openPostgresPool, postgresSchemaOnce } from '../store/postgres-db';
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

export interface PostgresAlertStoreOptions {
  /** `postgres://user@host:5432/db` (or `postgresql://`), without a password: the metrics database. */
  url: string;
  /** Password of the URL's user. @default PGPASSWORD or ~/.pgpass, as libpq */
  password?: string;
  /** Prefix of the table names, `name_` or `schema.name_` (the schema is created when missing). @default "pstt_" */
  tablePrefix?: string;
  /** The process's pool on the metrics database to use instead of opening one; the store never ends it. */
  pool?: Pool;
  /** How long to wait for a connection. @default 5000 */
  connectTimeoutMs?: number;
}

const DIALECT: AlertSqlDialect = {
  integer: 'BIGINT',
  real: 'DOUBLE PRECISION',
  identity: 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY',
  param: (i) => `$${i}`,
};

/** Alert state and log in the PostgreSQL metrics database, for workers and APIs on several hosts. */
export class PostgresAlertStore implements AlertStore {
  private readonly tables: AlertTables;
  private readonly pool: Pool;
  /** Whether the store opened the pool, and so ends it. */
  private readonly ownsPool: boolean;
  private readonly ensureSchema: () => Promise<void>;

  constructor(options: PostgresAlertStoreOptions) {
    this.tables = alertTablesOf(options.tablePrefix ?? 'pstt_');
    this.ownsPool = !options.pool;
    this.pool =
      options.pool ??
      openPostgresPool({
        url: options.url,
        password: options.password,
        max: 2,
        connectTimeoutMs: options.connectTimeoutMs ?? 5000,
        applicationName: 'pstt-alerts',
      });
    this.ensureSchema = postgresSchemaOnce(this.pool, this.tables.state, createAlertTablesSql(this.tables, DIALECT));
  }

  async states(): Promise<RuleState[]> {
    await this.ensureSchema();
    const { rows } = await this.pool.query<Record<string, unknown>>(selectStatesSql(this.tables));
    return rows.map(stateFromRow);
  }

  async save(next: RuleState, previous: RuleState | null, alert: NewAlert | null): Promise<boolean> {
    await this.ensureSchema();
    return inTransaction(this.pool, async (client) => {
      const result = previous
        ? await client.query(updateStateSql(this.tables, DIALECT), updateStateValues(next, previous))
        : await client.query(insertStateSql(this.tables, DIALECT), stateValues(next));
      // Nothing written: another evaluation saved first, and committing the empty transaction changes nothing.
      if ((result.rowCount ?? 0) === 0) return false;
      if (alert) await client.query(insertAlertSql(this.tables, DIALECT), alertValues(alert));
      return true;
    });
  }

  async recent(limit: number): Promise<AlertLogEntry[]> {
    await this.ensureSchema();
    const { rows } = await this.pool.query<Record<string, unknown>>(recentAlertsSql(this.tables, DIALECT), [limit]);
    return rows.map(alertFromRow);
  }

  async undelivered(limit: number): Promise<AlertLogEntry[]> {
    await this.ensureSchema();
    const { rows } = await this.pool.query<Record<string, unknown>>(undeliveredAlertsSql(this.tables, DIALECT), [
      limit,
    ]);
    return rows.map(alertFromRow);
  }

  async recordDelivery(
    id: number,
    outcome: { delivered: true; at: Date } | { delivered: false; error: string },
  ): Promise<void> {
    await this.ensureSchema();
    const values = outcome.delivered ? [outcome.at.getTime(), null] : [null, outcome.error];
    await this.pool.query(recordDeliverySql(this.tables, DIALECT), [...values, id]);
  }

  async deleteBefore(before: Date): Promise<number> {
    await this.ensureSchema();
    const { rowCount } = await this.pool.query(deleteAlertsBeforeSql(this.tables, DIALECT), [before.getTime()]);
    return rowCount ?? 0;
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end().catch(() => undefined);
  }
}
