import type { StoreDb } from '../store/store-db';
import { storeLocationOf, type StoreLocationOptions } from '../store/store-location';
import type { MetricsStore } from './metrics-store';
import { PostgresMetricsStore } from './postgres-metrics-store';
import type { RollupBufferOptions } from './rollup-buffer';
import { SqliteMetricsStore } from './sqlite-metrics-store';

/** Options of `createMetricsStore`, besides the URL. */
export interface CreateMetricsStoreOptions extends RollupBufferOptions, StoreLocationOptions {
  /** Table of the rollups. @default "send_metrics_minute" (SQLite), "pstt_send_metrics_minute" (PostgreSQL) */
  table?: string;
}

/**
 * Builds the metrics store of a URL (see `storeLocationOf`), on a connection of its own. Throws
 * `MetricsStoreUrlError` before connecting when the URL is unusable.
 */
export function createMetricsStore(url: string, options: CreateMetricsStoreOptions = {}): MetricsStore {
  const { baseDir, passwordEnv, env, ...rest } = options;
  const location = storeLocationOf(url, { baseDir, passwordEnv, env });
  return location.kind === 'sqlite'
    ? new SqliteMetricsStore({ ...rest, file: location.file })
    : new PostgresMetricsStore({ ...rest, url: location.url, password: location.password });
}

/** The metrics store on the process's open metrics database (the worker's, the API's); closing it leaves `store` open. */
export function metricsStoreOn(store: StoreDb): MetricsStore {
  return store.kind === 'sqlite'
    ? new SqliteMetricsStore({ on: store })
    : new PostgresMetricsStore({ url: store.url, pool: store.pool });
}
