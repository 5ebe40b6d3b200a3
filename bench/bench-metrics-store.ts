import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createMetricsStore } from '../core/metrics/create-metrics-store';
import type { MetricsStore } from '../core/metrics/metrics-store';
import { devPostgresUrl, dropPostgresTable } from '../devstack/postgres-server';
import type { StoreKind } from './api-load-options';

/** A fresh, empty metrics store for one benchmark run, and how to get rid of it. */
export interface BenchMetricsStore {
  store: MetricsStore;
  /** Where it lives, for the report. */
  where: string;
  /** Closes the store and deletes its file or table. */
  dispose(): Promise<void>;
}

const POSTGRES_URL = process.env.PSTT_TEST_POSTGRES_URL ?? devPostgresUrl('pstt_test');

/**
 * SQLite in a temp folder, or a table of its own in `pstt_test` (lowercase, as the store's table names
 * must be), so that a run never sees nor leaves another run's rows. The store keeps its default buffer
 * options: the API reads it as it would in production.
 */
export function openBenchMetricsStore(kind: StoreKind): BenchMetricsStore {
  if (kind === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pstt-bench-api-'));
    const file = path.join(dir, 'metrics.db');
    const store = createMetricsStore(`sqlite:${file}`);
    return {
      store,
      where: file,
      async dispose() {
        await store.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const table = `bench_api_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const store = createMetricsStore(POSTGRES_URL, { table });
  return {
    store,
    where: `${POSTGRES_URL} table ${table}`,
    async dispose() {
      await store.close();
      await dropPostgresTable(POSTGRES_URL, table);
    },
  };
}
