import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { alertStoreOn } from '../../core/alerts/create-alert-store';
import { SqliteAlertStore } from '../../core/alerts/sqlite-alert-store';
import { metricsStoreOn } from '../../core/metrics/create-metrics-store';
import { PostgresMetricsStore } from '../../core/metrics/postgres-metrics-store';
import { SqliteMetricsStore } from '../../core/metrics/sqlite-metrics-store';
import { withBusyTimeout } from '../../core/store/sqlite-db';
import { closeStoreDb, openConfiguredStoreDb, openStoreDb } from '../../core/store/store-db';

describe('the one metrics database of a process', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pstt-store-db-'));
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('builds the metrics and alert stores on one SQLite connection, which only closeStoreDb closes', async () => {
    const store = openConfiguredStoreDb({ metrics: { url: 'sqlite:m.db' }, baseDir: dir } as Parameters<
      typeof openConfiguredStoreDb
    >[0]);
    if (store.kind !== 'sqlite') throw new Error(`expected a SQLite store, got ${store.kind}`);
    const metrics = metricsStoreOn(store);
    const alerts = alertStoreOn(store);
    expect((metrics as SqliteMetricsStore).file).toBe(path.join(dir, 'm.db'));
    expect((alerts as SqliteAlertStore).file).toBe(path.join(dir, 'm.db'));
    // The alert store waits longer for a lock around its own statements, then gives the metrics writer's back.
    expect(await alerts.recent(5)).toEqual([]);
    expect(store.db.pragma('busy_timeout', { simple: true })).toBe(250);
    const tables = store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all();
    expect(tables.map((t) => (t as { name: string }).name)).toEqual(
      expect.arrayContaining(['alert_log', 'alert_state', 'send_metrics_minute']),
    );
    await alerts.close();
    await metrics.close();
    expect(store.db.open).toBe(true);
    await closeStoreDb(store);
    expect(store.db.open).toBe(false);
  });

  it('puts the busy timeout back even when the work throws', () => {
    const store = openStoreDb({ kind: 'sqlite', file: path.join(dir, 'b.db') });
    if (store.kind !== 'sqlite') throw new Error(`expected a SQLite store, got ${store.kind}`);
    try {
      expect(() =>
        withBusyTimeout(store.db, 2000, () => {
          expect(store.db.pragma('busy_timeout', { simple: true })).toBe(2000);
          throw new Error('boom');
        }),
      ).toThrow('boom');
      expect(store.db.pragma('busy_timeout', { simple: true })).toBe(250);
    } finally {
      void closeStoreDb(store);
    }
  });

  it('leaves a shared PostgreSQL pool open when a store on it closes, without connecting', async () => {
    const store = openStoreDb({ kind: 'postgres', url: 'postgres://pstt@127.0.0.1:1/x' });
    if (store.kind !== 'postgres') throw new Error(`expected a PostgreSQL store, got ${store.kind}`);
    const metrics = metricsStoreOn(store);
    const alerts = alertStoreOn(store);
    expect(metrics).toBeInstanceOf(PostgresMetricsStore);
    await alerts.close();
    await metrics.close();
    expect(store.pool.ended).toBe(false);
    await closeStoreDb(store);
    expect(store.pool.ended).toBe(true);
  });
});
