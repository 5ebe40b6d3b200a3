import type { AppConfig } from '../config';
import type { MetricsStore } from './metrics-store';
import { PostgresMetricsStore } from './postgres-metrics-store';
import type { RollupBufferOptions } from './rollup-buffer';
import { SqliteMetricsStore } from './sqlite-metrics-store';
import { storeLocationOf, type StoreLocationOptions } from './store-location';

/** Options of `createMetricsStore`, besides the URL. */
export interface CreateMetricsStoreOptions extends RollupBufferOptions, StoreLocationOptions {
  /** Table of the rollups. @default "send_metrics_minute" (SQLite), "pstt_send_metrics_minute" (PostgreSQL) */
  table?: string;
}

/**
 * Builds the metrics store of a URL (see `storeLocationOf`). Throws `MetricsStoreUrlError` before
 * connecting when the URL is unusable.
 */
export function createMetricsStore(url: string, options: CreateMetricsStoreOptions = {}): MetricsStore {
  const { baseDir, passwordEnv, env, ...rest } = options;
  const location = storeLocationOf(url, { baseDir, passwordEnv, env });
  return location.kind === 'sqlite'
    ? new SqliteMetricsStore({ ...rest, file: location.file })
    : new PostgresMetricsStore({ ...rest, url: location.url, password: location.password });
}

/** The store the config names (`metrics.url`), for the worker and the API. */
export function openMetricsStore(config: Pick<AppConfig, 'metrics' | 'baseDir'>): MetricsStore {
  return createMetricsStore(config.metrics.url, { baseDir: config.baseDir, passwordEnv: config.metrics.password_env });
}
