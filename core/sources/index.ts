import type { AppConfig } from '../config';
import { MissingPasswordError, UnknownSourceError, UnsupportedSourceError } from '../errors';
import type { MssqlSource } from './mssql-source';
import { PostgresSource } from './postgres-source';
import type { SourceDriver } from './source';
import { SqliteSource } from './sqlite-source';

export {
  DEFAULT_POOL_SIZE,
  TIME_FORMATS,
  type TimeFormat,
  type OpenOptions,
  type ParamValue,
  type QueryCursor,
  type SourceDriver,
} from './source';

/**
 * Builds the driver for a connection URL: `sqlite:`, `postgres://` or `postgresql://`, `mssql://`.
 * The password comes apart from the URL (from the variable named by `password_env`); SQLite has none.
 */
export function createSource(url: string, baseDir: string, password?: string, poolSize?: number): SourceDriver {
  if (url.startsWith('sqlite:')) return new SqliteSource(url, baseDir);
  if (/^postgres(ql)?:\/\//.test(url)) return new PostgresSource(url, { password, maxConnections: poolSize });
  if (url.startsWith('mssql://')) return new (loadMssqlSource())(url, { password, maxConnections: poolSize });
  throw new UnsupportedSourceError(url);
}

/**
 * mssql (tedious) takes ~0.6 s to load, more than the rest of a worker thread's start: it is loaded
 * only when a SQL Server source is used.
 */
function loadMssqlSource(): typeof MssqlSource {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('./mssql-source') as typeof import('./mssql-source')).MssqlSource;
}

/** The worker's source drivers, one per declared connection, created on first use and kept. */
export class SourceRegistry {
  private readonly drivers = new Map<string, SourceDriver>();

  /**
   * @param passwords each source's password by name, resolved at start by the runtime config
   *   (`secrets.sourcePasswords`); a source with `password_env` and no password here cannot be opened
   */
  constructor(
    private readonly config: Pick<AppConfig, 'sources' | 'baseDir'>,
    readonly passwords: Readonly<Record<string, string>> = {},
  ) {}

  get(name: string): SourceDriver {
    const existing = this.drivers.get(name);
    if (existing) return existing;
    // Own keys only: "constructor" must not find Object's.
    const source = Object.hasOwn(this.config.sources, name) ? this.config.sources[name] : undefined;
    if (!source) throw new UnknownSourceError(name, Object.keys(this.config.sources));
    let password: string | undefined;
    if (source.password_env) {
      password = Object.hasOwn(this.passwords, name) ? this.passwords[name] : undefined;
      if (!password) throw new MissingPasswordError(name, source.password_env);
    }
    const driver = createSource(source.url, this.config.baseDir, password, source.pool_size);
    this.drivers.set(name, driver);
    return driver;
  }

  async end(): Promise<void> {
    await Promise.all([...this.drivers.values()].map((d) => d.end()));
    this.drivers.clear();
  }
}
