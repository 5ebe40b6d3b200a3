import type { Pool } from 'pg';
import type { AppConfig } from '../config';
import { openPostgresPool } from './postgres-db';
import { openSqliteDb, type SqliteDb } from './sqlite-db';
import { storeLocationOf, type StoreLocation } from './store-location';

/** The one open metrics database of a process, on which its metrics and alert stores are built. */
export type StoreDb = ({ kind: 'sqlite' } & SqliteDb) | { kind: 'postgres'; url: string; pool: Pool };

/**
 * The connection's busy timeout. The metrics writer's: better-sqlite3 blocks the event loop while it waits, and
 * a write that times out is buffered and retried. The alert store sets its longer wait around its own statements.
 */
const SQLITE_BUSY_TIMEOUT_MS = 250;
/** Two connections for the metrics writer and two for the alert store, as when each had its own pool. */
const POSTGRES_MAX_CONNECTIONS = 4;
const POSTGRES_CONNECT_TIMEOUT_MS = 5000;

/** Opens the database at `location`; never connects to PostgreSQL here. */
export function openStoreDb(location: StoreLocation): StoreDb {
  if (location.kind === 'sqlite') return { kind: 'sqlite', ...openSqliteDb(location.file, SQLITE_BUSY_TIMEOUT_MS) };
  const pool = openPostgresPool({
    url: location.url,
    password: location.password,
    max: POSTGRES_MAX_CONNECTIONS,
    connectTimeoutMs: POSTGRES_CONNECT_TIMEOUT_MS,
    applicationName: 'pstt-metrics',
  });
  return { kind: 'postgres', url: location.url, pool };
}

/**
 * The location the config names (`metrics.url`), with the password the runtime config resolved at start
 * (`secrets.metricsPassword`); throws `MetricsStoreUrlError`, never connects.
 */
export function configuredStoreLocation(
  config: Pick<AppConfig, 'metrics' | 'baseDir'>,
  password?: string,
): StoreLocation {
  return storeLocationOf(config.metrics.url, {
    baseDir: config.baseDir,
    passwordEnv: config.metrics.password_env,
    password,
  });
}

/** Opens the configured metrics database, once per process (the worker, the API). */
export function openConfiguredStoreDb(config: Pick<AppConfig, 'metrics' | 'baseDir'>, password?: string): StoreDb {
  return openStoreDb(configuredStoreLocation(config, password));
}

/** Closes the database; call it after the stores built on it are closed. */
export async function closeStoreDb(store: StoreDb): Promise<void> {
  if (store.kind === 'sqlite') {
    if (store.db.open) store.db.close();
  } else {
    await store.pool.end().catch(() => undefined);
  }
}
