import { Pool, type PoolClient } from 'pg';
import { redactUrl } from '../errors';
import { logger } from '../logger';
import type { RuleState } from './alert-rules';
import {
  alertFromRow,
  alertTablesOf,
  alertValues,
  createAlertTablesSql,
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
  private schema: Promise<void> | undefined;

  constructor(options: PostgresAlertStoreOptions) {
    this.tables = alertTablesOf(options.tablePrefix ?? 'pstt_');
    this.pool = new Pool({
      connectionString: options.url,
      password: options.password,
      max: 2,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      application_name: 'pstt-alerts',
    });
    // An idle connection that the server drops emits here; without a listener it would crash the process.
    this.pool.on('error', (err) =>
      logger.warn({ err, store: redactUrl(options.url) }, 'idle PostgreSQL alert store connection failed'),
    );
  }

  /** Creates the tables once; a failure (server down) is retried by the next call. */
  private ensureSchema(): Promise<void> {
    this.schema ??= this.createSchema().catch((err: unknown) => {
      this.schema = undefined;
      throw err;
    });
    return this.schema;
  }

  private async createSchema(): Promise<void> {
    const dot = this.tables.state.indexOf('.');
    try {
      if (dot > 0) await this.pool.query(`CREATE SCHEMA IF NOT EXISTS ${this.tables.state.slice(0, dot)}`);
      for (const sql of createAlertTablesSql(this.tables, DIALECT)) await this.pool.query(sql);
    } catch (err) {
      // Two processes creating it at once: IF NOT EXISTS still races on the catalog (23505, 42P06, 42P07).
      const code = (err as { code?: unknown }).code;
      if (code !== '23505' && code !== '42P06' && code !== '42P07') throw err;
      // The other process may not have finished: the next call tries the remaining statements again.
      this.schema = undefined;
    }
  }

  async states(): Promise<RuleState[]> {
    await this.ensureSchema();
    const { rows } = await this.pool.query<Record<string, unknown>>(selectStatesSql(this.tables));
    return rows.map(stateFromRow);
  }

  async save(next: RuleState, previous: RuleState | null, alert: NewAlert | null): Promise<boolean> {
    await this.ensureSchema();
    const client: PoolClient = await this.pool.connect();
    let failure: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = previous
        ? await client.query(updateStateSql(this.tables, DIALECT), updateStateValues(next, previous))
        : await client.query(insertStateSql(this.tables, DIALECT), stateValues(next));
      if ((result.rowCount ?? 0) === 0) {
        await client.query('ROLLBACK');
        return false;
      }
      if (alert) await client.query(insertAlertSql(this.tables, DIALECT), alertValues(alert));
      await client.query('COMMIT');
      return true;
    } catch (err) {
      failure = err as Error;
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      // A connection that failed may be in any state: the pool drops it instead of reusing it.
      client.release(failure);
    }
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

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}
