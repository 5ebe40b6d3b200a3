import type { AppConfig } from '../config';
import path from 'node:path';
import { MetricsStoreUrlError } from '../errors';
import { dataDir } from '../paths';
import type { MetricsStore } from './metrics-store';
import { PostgresMetricsStore } from './postgres-metrics-store';
import type { RollupBufferOptions } from './rollup-buffer';
import { SqliteMetricsStore } from './sqlite-metrics-store';

/** Options of `createMetricsStore`, besides the URL. */
export interface CreateMetricsStoreOptions extends RollupBufferOptions {
  /** Folder that a relative `sqlite:` path is resolved against (the config file's folder). @default process.cwd() */
  baseDir?: string;
  /** Name of the environment variable holding the PostgreSQL password, as the sources' `password_env`. */
  passwordEnv?: string;
  /** Where `passwordEnv` is read. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Table of the rollups. @default "send_metrics_minute" (SQLite), "pstt_send_metrics_minute" (PostgreSQL) */
  table?: string;
}

/**
 * Builds the metrics store of a URL: `sqlite:` (the default file `<dataDir>/metrics.db`), `sqlite:path`
 * (relative to `baseDir`), or `postgres://user@host:5432/db` / `postgresql://` with the password in the
 * variable that `passwordEnv` names. Throws `MetricsStoreUrlError` before connecting when the URL is unusable.
 */
export function createMetricsStore(url: string, options: CreateMetricsStoreOptions = {}): MetricsStore {
  const { baseDir, passwordEnv, env = process.env, ...rest } = options;
  if (url.startsWith('sqlite:')) {
    const file = url.replace(/^sqlite:(\/\/)?/, '');
    return new SqliteMetricsStore({
      ...rest,
      file: file ? path.resolve(baseDir ?? process.cwd(), file) : path.join(dataDir(), 'metrics.db'),
    });
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    if (/^\w+:\/\/[^/@]*:[^/@]*@/.test(url)) {
      throw new MetricsStoreUrlError(url, 'must not contain a password: name its variable in password_env');
    }
    let password: string | undefined;
    if (passwordEnv) {
      password = env[passwordEnv];
      if (password === undefined || password === '') {
        throw new MetricsStoreUrlError(url, `password_env names ${passwordEnv}, which is not set in the environment`);
      }
    }
    return new PostgresMetricsStore({ ...rest, url, password });
  }
  throw new MetricsStoreUrlError(url, 'unsupported scheme, expected sqlite: or postgres://');
}

/** The store the config names (`metrics.url`), for the worker and the API. */
export function openMetricsStore(config: Pick<AppConfig, 'metrics' | 'baseDir'>): MetricsStore {
  return createMetricsStore(config.metrics.url, { baseDir: config.baseDir, passwordEnv: config.metrics.password_env });
}
