import type { StoreDb } from '../store/store-db';
import { storeLocationOf, type StoreLocationOptions } from '../store/store-location';
import type { AlertStore } from './alert-store';
import { PostgresAlertStore } from './postgres-alert-store';
import { SqliteAlertStore } from './sqlite-alert-store';

export interface CreateAlertStoreOptions extends StoreLocationOptions {
  /** Prefix of the table names. @default "" (SQLite), "pstt_" (PostgreSQL) */
  tablePrefix?: string;
}

/** The alert store in the metrics database that `url` names (see `storeLocationOf`), on a connection of its own; never connects here. */
export function createAlertStore(url: string, options: CreateAlertStoreOptions = {}): AlertStore {
  const { tablePrefix, ...where } = options;
  const location = storeLocationOf(url, where);
  return location.kind === 'sqlite'
    ? new SqliteAlertStore({ file: location.file, tablePrefix })
    : new PostgresAlertStore({ url: location.url, password: location.password, tablePrefix });
}

/** The alert store on the process's open metrics database (the worker's, the API's); closing it leaves `store` open. */
export function alertStoreOn(store: StoreDb): AlertStore {
  return store.kind === 'sqlite'
    ? new SqliteAlertStore({ on: store })
    : new PostgresAlertStore({ url: store.url, pool: store.pool });
}
