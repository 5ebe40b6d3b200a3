import type { config as MssqlConfig } from 'mssql';
import { ConfigError, redactUrl } from '../errors';
import { DEFAULT_POOL_SIZE } from './source';

/** Query options of an `mssql://` URL, each a boolean, text or number of the mssql/tedious config. */
const URL_OPTIONS = {
  encrypt: 'boolean',
  trustServerCertificate: 'boolean',
  instanceName: 'text',
  applicationName: 'text',
  connectTimeout: 'number',
} as const;

type UrlOption = keyof typeof URL_OPTIONS;

function isUrlOption(key: string): key is UrlOption {
  return Object.hasOwn(URL_OPTIONS, key);
}

function parseBoolean(url: string, key: string, value: string): boolean {
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  throw new ConfigError(`source url "${redactUrl(url)}": ${key} expects true or false, got "${value}"`);
}

/**
 * Reads `mssql://user@host:1433/db?encrypt=true&trustServerCertificate=true` into an `mssql` pool
 * config. A `DOMAIN\user` (written `DOMAIN%5Cuser`) logs in with NTLM. The password never comes
 * from the URL. Other options: `instanceName`, `applicationName`, `connectTimeout` (ms).
 */
export function mssqlConfigFromUrl(url: string, password?: string, maxConnections = DEFAULT_POOL_SIZE): MssqlConfig {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`source url "${redactUrl(url)}": not a valid mssql://user@host:port/database URL`);
  }
  if (parsed.protocol !== 'mssql:' || !parsed.hostname) {
    throw new ConfigError(`source url "${redactUrl(url)}": expected mssql://user@host:port/database`);
  }
  const options: NonNullable<MssqlConfig['options']> = { encrypt: true, trustServerCertificate: false };
  let applicationName = 'pstt';
  let connectTimeout: number | undefined;
  for (const [key, value] of parsed.searchParams) {
    if (!isUrlOption(key)) {
      const known = Object.keys(URL_OPTIONS).join(', ');
      throw new ConfigError(`source url "${redactUrl(url)}": unknown option "${key}"; known options: ${known}`);
    }
    if (key === 'encrypt' || key === 'trustServerCertificate') options[key] = parseBoolean(url, key, value);
    else if (key === 'instanceName') options.instanceName = value;
    else if (key === 'applicationName') applicationName = value;
    else {
      connectTimeout = Number(value);
      if (!Number.isInteger(connectTimeout) || connectTimeout <= 0) {
        throw new ConfigError(`source url "${redactUrl(url)}": connectTimeout expects milliseconds, got "${value}"`);
      }
    }
  }
  options.appName = applicationName;

  const user = decodeURIComponent(parsed.username);
  const [domain, account] = user.includes('\\') ? user.split('\\', 2) : [undefined, user];
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  return {
    server: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port ? Number(parsed.port) : undefined,
    database: database || undefined,
    user: account || undefined,
    domain,
    password,
    options,
    connectionTimeout: connectTimeout,
    // Each request sets its own timeout; 0 here stops mssql's 15 s default from applying.
    requestTimeout: 0,
    pool: { min: 0, max: maxConnections, idleTimeoutMillis: 30_000 },
  };
}
