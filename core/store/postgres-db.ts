import { Pool, type PoolClient } from 'pg';
import { redactUrl } from '../errors';
import { logger } from '../logger';

export interface PostgresPoolOptions {
  /** `postgres://user@host:5432/db` (or `postgresql://`), without a password. */
  url: string;
  /** Password of the URL's user. @default PGPASSWORD or ~/.pgpass, as libpq */
  password?: string;
  /** Connections of the pool. */
  max: number;
  /** How long to wait for a connection. */
  connectTimeoutMs: number;
  /** `application_name` of the connections, as `pg_stat_activity` shows them. */
  applicationName: string;
}

/** A pool on the PostgreSQL metrics database, for the metrics and alert stores; never connects here. */
export function openPostgresPool(options: PostgresPoolOptions): Pool {
  const pool = new Pool({
    connectionString: options.url,
    password: options.password,
    max: options.max,
    connectionTimeoutMillis: options.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: options.applicationName,
  });
  // An idle connection that the server drops emits here; without a listener it would crash the process.
  pool.on('error', (err) =>
    logger.warn(
      { err, store: redactUrl(options.url), pool: options.applicationName },
      'idle PostgreSQL metrics database connection failed',
    ),
  );
  return pool;
}

/** Two processes creating the same objects at once: IF NOT EXISTS still races on the catalog. */
function isCatalogRace(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23505' || code === '42P06' || code === '42P07';
}

/**
 * A function that runs `statements` (CREATE ... IF NOT EXISTS) once, after creating the schema of `table` when
 * it is `schema.name`. A failure (server down) or a race with another process makes the next call run them again.
 */
export function postgresSchemaOnce(pool: Pool, table: string, statements: readonly string[]): () => Promise<void> {
  let created: Promise<void> | undefined;
  const create = async (): Promise<void> => {
    const dot = table.indexOf('.');
    try {
      if (dot > 0) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${table.slice(0, dot)}`);
      for (const sql of statements) await pool.query(sql);
    } catch (err) {
      if (!isCatalogRace(err)) throw err;
      // The other process may not have finished: the next call tries the remaining statements again.
      created = undefined;
    }
  };
  return () => {
    created ??= create().catch((err: unknown) => {
      created = undefined;
      throw err;
    });
    return created;
  };
}

/** Runs `work` in one transaction on one connection; on a failure it rolls back and the pool drops the connection. */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let failure: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    failure = err as Error;
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    // A connection that failed may be in any state: the pool drops it instead of reusing it.
    client.release(failure);
  }
}
