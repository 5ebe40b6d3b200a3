import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MetricsStoreUrlError } from '../../core/errors';
import { createMetricsStore } from '../../core/metrics/create-metrics-store';
import { PostgresMetricsStore } from '../../core/metrics/postgres-metrics-store';
import { SqliteMetricsStore } from '../../core/metrics/sqlite-metrics-store';

describe('createMetricsStore', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pstt-metrics-url-'));
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('opens sqlite: paths relative to baseDir, creating the folder', async () => {
    const store = createMetricsStore('sqlite:sub/m.db', { baseDir: dir });
    try {
      expect(store).toBeInstanceOf(SqliteMetricsStore);
      expect((store as SqliteMetricsStore).file).toBe(path.join(dir, 'sub', 'm.db'));
      expect(fs.existsSync(path.join(dir, 'sub', 'm.db'))).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('defaults sqlite: to metrics.db in the data folder', async () => {
    const previous = process.env.PSTT_DATA_DIR;
    process.env.PSTT_DATA_DIR = dir;
    try {
      const store = createMetricsStore('sqlite:');
      expect((store as SqliteMetricsStore).file).toBe(path.join(dir, 'metrics.db'));
      await store.close();
    } finally {
      if (previous === undefined) delete process.env.PSTT_DATA_DIR;
      else process.env.PSTT_DATA_DIR = previous;
    }
  });

  it('builds a PostgreSQL store with the password from password_env, without connecting', async () => {
    const store = createMetricsStore('postgres://pstt@127.0.0.1:1/x', {
      passwordEnv: 'METRICS_PW',
      env: { METRICS_PW: 'secret' },
    });
    expect(store).toBeInstanceOf(PostgresMetricsStore);
    await store.close();
  });

  it('rejects unusable URLs before connecting, never showing a password', () => {
    expect(() => createMetricsStore('mysql://x@h/db')).toThrow(MetricsStoreUrlError);
    expect(() => createMetricsStore('postgres://u:hunter2@h/db')).toThrow(/password_env/);
    expect(() => createMetricsStore('postgres://u:hunter2@h/db')).not.toThrow(/hunter2/);
    expect(() => createMetricsStore('postgres://u@h/db', { passwordEnv: 'NOPE', env: {} })).toThrow(
      'metrics store url "postgres://u@h/db": password_env names NOPE, which is not set in the environment',
    );
    expect(() => createMetricsStore('postgres://u@h/db', { table: 'Bad-Name' })).toThrow(/lowercase SQL name/);
  });
});
