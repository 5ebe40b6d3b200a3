import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { dataDir, logsDir } from '../core/paths';
import { execFileAsync, onPath, runLogged } from './process';
import { ServiceError } from './service-error';
import type { ManagedService } from './service';

const NAME = 'postgres';
const PORT = 5432;
export const POSTGRES_USER = 'pstt';
/** Databases created in the cluster: the app's own and the tests'. */
export const POSTGRES_DATABASES = ['pstt', 'pstt_test'];

/** URL of a database in the devstack cluster. */
export function devPostgresUrl(database: string): string {
  return `postgres://${POSTGRES_USER}@127.0.0.1:${PORT}/${database}`;
}

async function findBinDir(): Promise<string | undefined> {
  const root = '/usr/lib/postgresql';
  if (fs.existsSync(root)) {
    const versions = fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')));
    versions.sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return path.join(root, versions[0], 'bin');
  }
  const initdb = await onPath('initdb');
  return initdb ? path.dirname(initdb) : undefined;
}

const isRoot = () => process.getuid?.() === 0;

/**
 * PostgreSQL refuses to run as root: as root the cluster lives in the postgres user's home,
 * in a folder named after this project's data folder; otherwise under the data folder.
 */
function clusterHome(): string {
  if (!isRoot()) return path.join(dataDir(), 'postgres');
  const tag = createHash('sha256').update(dataDir()).digest('hex').slice(0, 12);
  return path.join('/var/lib/postgresql', `pstt-${tag}`);
}

/** Runs a PostgreSQL binary as the postgres user when we are root. */
function asPostgres(bin: string, args: string[]): [string, string[]] {
  return isRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
}

/** A PostgreSQL cluster from Debian's packages on 127.0.0.1:5432 with trust auth on loopback only. */
export function postgresServer(): ManagedService {
  const logFile = path.join(logsDir(), 'postgres.log');
  const home = clusterHome();
  const cluster = path.join(home, 'cluster');
  const serverLog = isRoot() ? path.join(home, 'postgres.log') : logFile;
  const fix = 'read the log; free port 5432 or set PSTT_TEST_POSTGRES_URL to an existing server';
  const pgCtl = async (args: string[], timeoutMs: number) => {
    const bin = await findBinDir();
    if (!bin) throw new ServiceError(NAME, 'PostgreSQL binaries not found', undefined, 'apt-get install postgresql');
    const [cmd, cmdArgs] = asPostgres(path.join(bin, 'pg_ctl'), args);
    await runLogged(NAME, cmd, cmdArgs, logFile, fix, { timeoutMs });
  };
  return {
    name: NAME,
    ports: [PORT],
    logFile,
    externalReason: process.env.PSTT_TEST_POSTGRES_URL ? 'PSTT_TEST_POSTGRES_URL is set' : undefined,
    startDeadlineMs: 60_000,
    fix,
    async install() {
      if (await findBinDir()) return;
      if (!isRoot() || !(await onPath('apt-get'))) {
        throw new ServiceError(NAME, 'PostgreSQL is not installed', undefined, 'apt-get install postgresql');
      }
      process.stdout.write('postgres: installing PostgreSQL from Debian packages\n');
      const installLog = path.join(logsDir(), 'postgres-install.log');
      await runLogged(NAME, 'apt-get', ['update'], installLog, 'check that the Debian mirror is reachable', {
        timeoutMs: 10 * 60_000,
      });
      await runLogged(
        NAME,
        'apt-get',
        ['install', '-y', '--no-install-recommends', 'postgresql'],
        installLog,
        'apt-get install postgresql',
        { timeoutMs: 15 * 60_000, env: { DEBIAN_FRONTEND: 'noninteractive' } },
      );
    },
    async start() {
      const bin = await findBinDir();
      if (!bin) throw new ServiceError(NAME, 'PostgreSQL binaries not found', undefined, 'apt-get install postgresql');
      fs.mkdirSync(home, { recursive: true });
      if (isRoot()) await execFileAsync('chown', ['postgres:postgres', home]);
      if (!fs.existsSync(path.join(cluster, 'PG_VERSION'))) {
        const [cmd, args] = asPostgres(path.join(bin, 'initdb'), [
          '-D',
          cluster,
          '-U',
          POSTGRES_USER,
          '-A',
          'trust',
          '-E',
          'UTF8',
          '--no-sync',
        ]);
        await runLogged(NAME, cmd, args, logFile, `remove ${cluster} and retry`, { timeoutMs: 120_000 });
      }
      const options = `-c listen_addresses=127.0.0.1 -p ${PORT} -k ${home}`;
      await pgCtl(['-D', cluster, '-l', serverLog, '-o', options, '-w', '-t', '60', 'start'], 90_000);
      if (isRoot() && !fs.existsSync(logFile)) fs.symlinkSync(serverLog, logFile);
      const client = new Client({ connectionString: devPostgresUrl('postgres') });
      await client.connect();
      try {
        for (const db of POSTGRES_DATABASES) {
          const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [db]);
          if (!rowCount) await client.query(`CREATE DATABASE ${db}`);
        }
      } finally {
        await client.end();
      }
      return undefined;
    },
    async isReady() {
      const client = new Client({ connectionString: devPostgresUrl('pstt_test'), connectionTimeoutMillis: 2_000 });
      try {
        await client.connect();
        await client.query('SELECT 1');
        return true;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    async stop() {
      if (!fs.existsSync(path.join(cluster, 'postmaster.pid'))) return false;
      await pgCtl(['-D', cluster, '-m', 'fast', '-w', '-t', '60', 'stop'], 90_000);
      return true;
    },
  };
}

/** Drops a table that a test or a benchmark created in a devstack database. */
export async function dropPostgresTable(url: string, table: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP TABLE IF EXISTS ${table}`);
  } finally {
    await client.end();
  }
}
