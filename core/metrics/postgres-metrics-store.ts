import type { Pool } from 'pg';
import { InvalidMetricsArgumentError } from '../errors';
import type { MinuteRange } from './metrics-report';
import {
  ADDED_COLUMNS,
  addedColumnSql,
  createTableSql,
  hourlySql,
  rollupValues,
  ROLLUP_COLUMNS,
  TABLE_NAME,
  TABLE_NAME_EXPECTED,
  totalsFromRow,
  totalsSql,
  upsertSql,
  type SqlDialect,
} from './metrics-sql';
import { inTransaction, openPostgresPool, postgresSchemaOnce } from '../store/postgres-db';
import type { CleanupResult } from './metrics-store';
import { rollupKey, type MinuteRollup, type RollupTotals } from './minute-rollup';
import type { RollupBufferOptions } from './rollup-buffer';
import { RollupMetricsStore } from './rollup-metrics-store';

/** Options of the PostgreSQL metrics store. */
export interface PostgresMetricsStoreOptions extends RollupBufferOptions {
  /** `postgres://user@host:5432/db` (or `postgresql://`), without a password. */
  url: string;
  /** Password of the URL's user. @default PGPASSWORD or ~/.pgpass, as libpq */
  password?: string;
  /** Table of the rollups, `name` or `schema.name` (the schema is created when missing). @default "pstt_send_metrics_minute" */
  table?: string;
  /** The process's pool on the metrics database to use instead of opening one; the store never ends it. */
  pool?: Pool;
  /** Connections of the pool. @default 2 */
  maxConnections?: number;
  /** How long to wait for a connection; a write that times out is buffered and retried. @default 5000 */
  connectTimeoutMs?: number;
}

const DIALECT: SqlDialect = {
  integer: 'BIGINT',
  real: 'DOUBLE PRECISION',
  least: 'LEAST',
  greatest: 'GREATEST',
  param: (i) => `$${i}`,
};
/** Rows per INSERT: PostgreSQL allows 65535 parameters per statement. */
const ROWS_PER_INSERT = Math.floor(65_535 / ROLLUP_COLUMNS.length);

/**
 * Metrics in a PostgreSQL table, for workers and APIs on several hosts: every write is one transaction of
 * `INSERT ... ON CONFLICT DO UPDATE` that adds to the stored counts. Rows are written in key order so that
 * two writers never deadlock. A write whose COMMIT reached the server but whose answer was lost is retried
 * and counted twice: rare, and the price of never blocking a send.
 */
export class PostgresMetricsStore extends RollupMetricsStore {
  readonly table: string;
  private readonly pool: Pool;
  /** Whether the store opened the pool, and so ends it. */
  private readonly ownsPool: boolean;
  private readonly ensureSchema: () => Promise<void>;

  constructor(options: PostgresMetricsStoreOptions) {
    super(options);
    this.table = options.table ?? 'pstt_send_metrics_minute';
    if (!TABLE_NAME.test(this.table)) throw new InvalidMetricsArgumentError('table', TABLE_NAME_EXPECTED, this.table);
    this.ownsPool = !options.pool;
    this.pool =
      options.pool ??
      openPostgresPool({
        url: options.url,
        password: options.password,
        max: options.maxConnections ?? 2,
        connectTimeoutMs: options.connectTimeoutMs ?? 5000,
        applicationName: 'pstt-metrics',
      });
    this.ensureSchema = postgresSchemaOnce(this.pool, this.table, [
      createTableSql(this.table, DIALECT),
      // A table of an older release gets the columns it lacks.
      ...ADDED_COLUMNS.map((column) => addedColumnSql(this.table, DIALECT, column, true)),
    ]);
  }

  protected async writeRollups(rows: MinuteRollup[]): Promise<void> {
    await this.ensureSchema();
    if (rows.length === 0) {
      await this.pool.query('SELECT 1');
      return;
    }
    const sorted = [...rows].sort((a, b) => (rollupKey(a) < rollupKey(b) ? -1 : 1));
    await inTransaction(this.pool, async (client) => {
      for (let i = 0; i < sorted.length; i += ROWS_PER_INSERT) {
        const chunk = sorted.slice(i, i + ROWS_PER_INSERT);
        await client.query(upsertSql(this.table, DIALECT, chunk.length), chunk.flatMap(rollupValues));
      }
    });
  }

  protected async readTotals(range: MinuteRange): Promise<RollupTotals> {
    await this.ensureSchema();
    const { rows } = await this.pool.query<Record<string, unknown>>(totalsSql(this.table, DIALECT), [
      range.from,
      range.to,
    ]);
    return totalsFromRow(rows[0]);
  }

  protected async readHourly(range: MinuteRange): Promise<Map<number, RollupTotals>> {
    await this.ensureSchema();
    const { rows } = await this.pool.query<Record<string, unknown>>(hourlySql(this.table, DIALECT), [
      range.from,
      range.to,
    ]);
    return new Map(rows.map((r) => [Number(r.hour), totalsFromRow(r)]));
  }

  protected async deleteBefore(minute: number): Promise<CleanupResult> {
    await this.ensureSchema();
    const deleted = await this.pool.query(`DELETE FROM ${this.table} WHERE minute < $1`, [minute]);
    const { rows } = await this.pool.query<{ remaining: string; bytes: string }>(
      `SELECT (SELECT COUNT(*) FROM ${this.table}) AS remaining, pg_total_relation_size($1::regclass) AS bytes`,
      [this.table],
    );
    // Autovacuum reclaims the deleted rows' space later; store_bytes reports the table as it is now.
    return {
      deleted: deleted.rowCount ?? 0,
      remaining: Number(rows[0]?.remaining ?? 0),
      store_bytes: Number(rows[0]?.bytes ?? 0),
    };
  }

  async storeBytes(): Promise<number> {
    // to_regclass: a table not created yet is 0 bytes, not an error.
    const { rows } = await this.pool.query<{ bytes: string | null }>(
      'SELECT COALESCE(pg_total_relation_size(to_regclass($1)), 0) AS bytes',
      [this.table],
    );
    return Number(rows[0]?.bytes ?? 0);
  }

  protected async closeBackend(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }
}
