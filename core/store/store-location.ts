import path from 'node:path';
import { MetricsStoreUrlError } from '../errors';
import { dataDir } from '../paths';

/** Where the metrics database is: a SQLite file, or a PostgreSQL URL and its password. */
export type StoreLocation = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; password?: string };

export interface StoreLocationOptions {
  /** Folder that a relative `sqlite:` path is resolved against (the config file's folder). @default process.cwd() */
  baseDir?: string;
  /** Name of the environment variable holding the PostgreSQL password, as the sources' `password_env`. */
  passwordEnv?: string;
  /** Where `passwordEnv` is read. @default process.env */
  env?: NodeJS.ProcessEnv;
  /**
   * The password itself, resolved at start by the runtime config (`secrets.metricsPassword`). When the
   * key is present the environment is not read: `passwordEnv` only names the variable in an error.
   */
  password?: string;
}

/**
 * Reads a metrics URL: `sqlite:` (the default file `<dataDir>/metrics.db`), `sqlite:path` (relative to
 * `baseDir`), or `postgres://user@host:5432/db` / `postgresql://` with the password in the variable that
 * `passwordEnv` names. Throws `MetricsStoreUrlError` when the URL is unusable; never connects.
 */
export function storeLocationOf(url: string, options: StoreLocationOptions = {}): StoreLocation {
  const { baseDir, passwordEnv, env = process.env } = options;
  if (url.startsWith('sqlite:')) {
    const file = url.replace(/^sqlite:(\/\/)?/, '');
    return {
      kind: 'sqlite',
      file: file ? path.resolve(baseDir ?? process.cwd(), file) : path.join(dataDir(), 'metrics.db'),
    };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    if (/^\w+:\/\/[^/@]*:[^/@]*@/.test(url)) {
      throw new MetricsStoreUrlError(url, 'must not contain a password: name its variable in password_env');
    }
    let password: string | undefined;
    if (passwordEnv) {
      password = 'password' in options ? options.password : env[passwordEnv];
      if (password === undefined || password === '') {
        throw new MetricsStoreUrlError(url, `password_env names ${passwordEnv}, which is not set in the environment`);
      }
    }
    return { kind: 'postgres', url, password };
  }
  throw new MetricsStoreUrlError(url, 'unsupported scheme, expected sqlite: or postgres://');
}
