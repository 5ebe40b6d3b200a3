import type { AppConfig } from '../config';
import { storeLocationOf, type StoreLocationOptions } from '../metrics/store-location';
import type { AlertStore } from './alert-store';
import { PostgresAlertStore } from './postgres-alert-store';
import { SqliteAlertStore } from './sqlite-alert-store';

export interface CreateAlertStoreOptions extends StoreLocationOptions {
  /** Prefix of the table names. @default "" (SQLite), "pstt_" (PostgreSQL) */
  tablePrefix?: string;
}

/** The alert store in the metrics database that `url` names (see `storeLocationOf`); never connects here. */
export function createAlertStore(url: string, options: CreateAlertStoreOptions = {}): AlertStore {
  const { tablePrefix, ...where } = options;
  const location = storeLocationOf(url, where);
  return location.kind === 'sqlite'
    ? new SqliteAlertStore({ file: location.file, tablePrefix })
    : new PostgresAlertStore({ url: location.url, password: location.password, tablePrefix });
}

/** The alert store of the configured metrics database (`metrics.url`), for the worker and the API. */
export function openAlertStore(config: Pick<AppConfig, 'metrics' | 'baseDir'>): AlertStore {
  return createAlertStore(config.metrics.url, { baseDir: config.baseDir, passwordEnv: config.metrics.password_env });
}
