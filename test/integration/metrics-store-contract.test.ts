import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { devPostgresUrl, dropPostgresTable } from '../../devstack/postgres-server';
import { InvalidMetricsArgumentError } from '../../core/errors';
import { latencyBucket } from '../../core/metrics/latency-histogram';
import type { MetricsStore } from '../../core/metrics/metrics-store';
import { PostgresMetricsStore } from '../../core/metrics/postgres-metrics-store';
import type { RollupBufferOptions } from '../../core/metrics/rollup-buffer';
import type { SendRecord } from '../../core/metrics/send-record';
import { SqliteMetricsStore } from '../../core/metrics/sqlite-metrics-store';
import { storesPerTest, tempMetricsFile, type StoreLocation } from '../support/store-contract';

/**
 * One contract, both metrics stores: SQLite (a temp file) and PostgreSQL (the devstack's `pstt_test`, a
 * table per test, dropped after). Times come from `now` and the records' `at`: nothing sleeps.
 */

const POSTGRES_URL = process.env.PSTT_TEST_POSTGRES_URL ?? devPostgresUrl('pstt_test');
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** 10:30 UTC: 'today' started 10.5 hours ago. */
const NOW = new Date(Date.UTC(2026, 2, 15, 10, 30));
/** No background write during a test unless it asks for one. */
const MANUAL: RollupBufferOptions = { flushIntervalMs: 3_600_000, retryIntervalMs: 3_600_000 };

function send(at: number, over: Partial<SendRecord> = {}): SendRecord {
  return {
    at: new Date(at),
    topic: 'orders',
    scheduling: 'nightly',
    messages: 1,
    bytes: 100,
    latencyMs: 10,
    success: true,
    error: null,
    ...over,
  };
}

/** A store location, plus a way to run SQL on it (to make a table of an older release). */
type Location = StoreLocation<[RollupBufferOptions?], MetricsStore> & {
  exec(sql: (table: string) => string): Promise<void>;
};

const backends: Array<{ name: string; create(): Location }> = [
  {
    name: 'sqlite',
    create() {
      const { file, drop } = tempMetricsFile('pstt-metrics-');
      return {
        open: (options = MANUAL) => new SqliteMetricsStore({ ...options, file }),
        drop,
        async exec(sql) {
          const db = new Database(file);
          try {
            db.exec(sql('send_metrics_minute'));
          } finally {
            db.close();
          }
        },
      };
    },
  },
  {
    name: 'postgres',
    create() {
      const table = `pstt_metrics_test_${randomBytes(4).toString('hex')}`;
      return {
        open: (options = MANUAL) => new PostgresMetricsStore({ ...options, url: POSTGRES_URL, table }),
        async drop() {
          await dropPostgresTable(POSTGRES_URL, table);
        },
        async exec(sql) {
          const client = new Client({ connectionString: POSTGRES_URL });
          await client.connect();
          try {
            await client.query(sql(table));
          } finally {
            await client.end();
          }
        },
      };
    },
  },
];

/** The nearest-rank percentile of raw samples: what the histogram estimates. */
function trueRank(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] as number;
}

describe.each(backends)('metrics store contract: $name', (backend) => {
  let location: Location;
  const open = storesPerTest(() => (location = backend.create()));

  it('sums counts, bytes and success rate, and estimates latencies within one histogram bucket', async () => {
    const store = open();
    const latencies = Array.from({ length: 100 }, (_, i) => ((i + 1) * (i + 1)) / 10 + (i % 7));
    latencies.forEach((latencyMs, i) => {
      const failed = (i + 1) % 20 === 0;
      store.record(
        send(NOW.getTime() - i * 30_000, {
          messages: 10,
          bytes: 1000 + i,
          latencyMs,
          success: !failed,
          error: failed ? 'broker down' : null,
          scheduling: i % 2 ? null : 'nightly',
          topic: i % 3 ? 'orders' : 'invoices',
        }),
      );
    });
    await store.flush();
    const s = await store.summary('today', NOW);
    expect(s).toEqual({
      period: 'today',
      total_messages: 1000,
      successful_messages: 950,
      failed_messages: 50,
      success_rate: 95,
      total_bytes: 100 * 1000 + (99 * 100) / 2,
      avg_latency_ms: expect.any(Number) as number,
      p50_latency_ms: expect.any(Number) as number,
      p95_latency_ms: expect.any(Number) as number,
      p99_latency_ms: expect.any(Number) as number,
      avg_failed_latency_ms: expect.any(Number) as number,
    });
    expect(Object.keys(s)).toEqual([
      'period',
      'total_messages',
      'successful_messages',
      'failed_messages',
      'success_rate',
      'total_bytes',
      'avg_latency_ms',
      'p50_latency_ms',
      'p95_latency_ms',
      'p99_latency_ms',
      'avg_failed_latency_ms',
    ]);
    // Latencies are of deliveries; the failed sends' own average is apart.
    const delivered = latencies.filter((_, i) => (i + 1) % 20 !== 0);
    const failedLatencies = latencies.filter((_, i) => (i + 1) % 20 === 0);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(s.avg_latency_ms).toBeCloseTo(mean(delivered), 2);
    expect(s.avg_failed_latency_ms).toBeCloseTo(mean(failedLatencies), 2);
    for (const [q, value] of [
      [0.5, s.p50_latency_ms],
      [0.95, s.p95_latency_ms],
      [0.99, s.p99_latency_ms],
    ] as const) {
      expect(latencyBucket(value)).toBe(latencyBucket(trueRank(delivered, q)));
    }
  });

  it('reports 100% success, zero latencies and zero counts when nothing was sent', async () => {
    const store = open();
    expect(await store.summary('7d', NOW)).toEqual({
      period: '7d',
      total_messages: 0,
      successful_messages: 0,
      failed_messages: 0,
      success_rate: 100,
      total_bytes: 0,
      avg_latency_ms: 0,
      p50_latency_ms: 0,
      p95_latency_ms: 0,
      p99_latency_ms: 0,
      avg_failed_latency_ms: 0,
    });
  });

  it('a failed send counts as a failure with its real latency and never moves the delivery latencies', async () => {
    const store = open();
    const t = NOW.getTime();
    // Written in three flushes to the same row (minute, topic, scheduling): the upsert merges a row of
    // failures only with rows of deliveries, both ways round; another minute holds only a failure.
    for (let i = 0; i < 50; i++) store.record(send(t, { latencyMs: 5 }));
    await store.flush();
    store.record(send(t, { latencyMs: 8500, success: false, error: 'UNKNOWN_TOPIC_OR_PARTITION' }));
    await store.flush();
    for (let i = 0; i < 49; i++) store.record(send(t, { latencyMs: 5 }));
    store.record(send(t - MINUTE, { latencyMs: 9500, success: false, error: 'timeout' }));
    await store.flush();
    const s = await store.summary('today', NOW);
    expect(s).toMatchObject({
      total_messages: 101,
      failed_messages: 2,
      avg_latency_ms: 5,
      p50_latency_ms: 5,
      p95_latency_ms: 5,
      p99_latency_ms: 5,
      avg_failed_latency_ms: 9000,
    });
    expect((await store.recentSummary(1, NOW)).p99_latency_ms).toBe(5);
    const [hour] = (await store.hourly(1, NOW)).slice(-1);
    expect(hour).toMatchObject({ messages: 101, failed: 2, avg_latency_ms: 5, p99_latency_ms: 5 });
  });

  it('adds the failed-latency column to a table of an older release and keeps its rows', async () => {
    const first = open();
    first.record(send(NOW.getTime(), { latencyMs: 7 }));
    await first.flush();
    await first.close();
    await location.exec((table) => `ALTER TABLE ${table} DROP COLUMN failed_latency_sum_ms`);
    const store = open();
    store.record(send(NOW.getTime(), { latencyMs: 300, success: false, error: 'x' }));
    await store.flush();
    expect(await store.summary('today', NOW)).toMatchObject({
      total_messages: 2,
      failed_messages: 1,
      avg_latency_ms: 7,
      avg_failed_latency_ms: 300,
    });
  });

  it('counts in each period only the sends since its start, up to now', async () => {
    const store = open();
    const t = NOW.getTime();
    // Distinct powers of two: each period's total names exactly the sends it includes.
    store.record(send(t - MINUTE, { messages: 1 }));
    store.record(send(t - 11 * HOUR, { messages: 2 })); // yesterday 23:30: in 24h, not today
    store.record(send(t - 3 * DAY, { messages: 4 }));
    store.record(send(t - 20 * DAY, { messages: 8 }));
    store.record(send(t - 40 * DAY, { messages: 16 }));
    store.record(send(t + 2 * MINUTE, { messages: 32 })); // after now
    await store.flush();
    const totals = await Promise.all(
      (['today', '24h', '7d', '30d'] as const).map(async (p) => (await store.summary(p, NOW)).total_messages),
    );
    expect(totals).toEqual([1, 3, 7, 15]);
    await expect(store.summary('1y' as 'today', NOW)).rejects.toBeInstanceOf(InvalidMetricsArgumentError);
  });

  it('sums the last N minutes, the current one included, for the threshold alerts', async () => {
    const store = open();
    const t = NOW.getTime();
    store.record(send(t, { messages: 1, latencyMs: 2000, success: false, error: 'timeout' }));
    store.record(send(t - 14 * MINUTE, { messages: 2 }));
    store.record(send(t - 15 * MINUTE, { messages: 4 })); // just outside 15 minutes
    store.record(send(t + MINUTE, { messages: 8 })); // after now
    await store.flush();
    const recent = await store.recentSummary(15, NOW);
    expect(recent).toMatchObject({
      minutes: 15,
      total_messages: 3,
      failed_messages: 1,
      success_rate: 66.67,
      avg_failed_latency_ms: 2000,
    });
    // The failure's 2 s is not a delivery latency: the p99 is the delivery's.
    expect(latencyBucket(recent.p99_latency_ms)).toBe(latencyBucket(10));
    expect((await store.recentSummary(16, NOW)).total_messages).toBe(7);
    expect(await store.recentSummary(1, new Date(t - 60 * MINUTE))).toMatchObject({
      total_messages: 0,
      success_rate: 100,
    });
    await expect(store.recentSummary(0, NOW)).rejects.toBeInstanceOf(InvalidMetricsArgumentError);
  });

  it('gives exactly `hours` hourly points, oldest first, empty hours as zeros', async () => {
    const store = open();
    const t = NOW.getTime(); // 10:30
    store.record(send(t - 25 * MINUTE, { messages: 5, bytes: 50, latencyMs: 20 })); // 10:05
    store.record(send(t - 20 * MINUTE, { messages: 7, bytes: 70, latencyMs: 40, success: false, error: 'x' }));
    store.record(send(t - 91 * MINUTE, { messages: 3, bytes: 30, latencyMs: 8 })); // 08:59
    store.record(send(t - 331 * MINUTE, { messages: 100 })); // 04:59: before the first hour
    store.record(send(t + 31 * MINUTE, { messages: 100 })); // 11:01: after the current hour
    await store.flush();
    const points = await store.hourly(6, NOW);
    expect(points.map((p) => p.hour)).toEqual(
      [5, 6, 7, 8, 9, 10].map((h) => new Date(Date.UTC(2026, 2, 15, h)).toISOString()),
    );
    const zero = { messages: 0, failed: 0, bytes: 0, avg_latency_ms: 0, p99_latency_ms: 0 };
    expect(points.map(({ hour: _hour, ...rest }) => rest)).toEqual([
      zero,
      zero,
      zero,
      { messages: 3, failed: 0, bytes: 30, avg_latency_ms: 8, p99_latency_ms: 8 },
      zero,
      { messages: 12, failed: 7, bytes: 120, avg_latency_ms: 20, p99_latency_ms: 20 },
    ]);
    expect(await store.hourly(1, NOW)).toHaveLength(1);
    await expect(store.hourly(0, NOW)).rejects.toBeInstanceOf(InvalidMetricsArgumentError);
  });

  it('cleanup deletes only the minutes older than the given days and reports what is left', async () => {
    const store = open();
    const t = NOW.getTime();
    store.record(send(t - DAY, { topic: 'a', messages: 1 }));
    store.record(send(t - 10 * DAY, { topic: 'b', messages: 2 }));
    store.record(send(t - 40 * DAY, { topic: 'c', messages: 4 }));
    store.record(send(t - 41 * DAY, { topic: 'c', messages: 8 }));
    await store.flush();
    const result = await store.cleanup(30, NOW);
    expect(result).toEqual({ deleted: 2, remaining: 2, store_bytes: expect.any(Number) as number });
    expect(result.store_bytes).toBeGreaterThan(0);
    expect((await store.summary('30d', NOW)).total_messages).toBe(3);
    expect((await store.cleanup(30, NOW)).deleted).toBe(0);
    expect(await store.cleanup(0, NOW)).toMatchObject({ deleted: 2, remaining: 0 });
  });

  it('adds up the writes of two store instances on the same store (API and worker)', async () => {
    const api = open();
    const worker = open();
    const t = NOW.getTime() - MINUTE;
    for (let i = 0; i < 50; i++) {
      api.record(send(t, { messages: 1, bytes: 10, scheduling: null, topic: 'adhoc' }));
      worker.record(send(t, { messages: 2, bytes: 20 }));
      // Same minute, topic and scheduling from both: the upserts must add, not overwrite.
      api.record(send(t, { messages: 3, bytes: 30, topic: 'shared', scheduling: 's' }));
      worker.record(send(t, { messages: 4, bytes: 40, topic: 'shared', scheduling: 's' }));
    }
    await Promise.all([api.flush(), worker.flush()]);
    api.record(send(t, { messages: 5, bytes: 50, topic: 'shared', scheduling: 's' }));
    await api.flush();
    const fromApi = await api.summary('24h', NOW);
    const fromWorker = await worker.summary('24h', NOW);
    expect(fromApi).toEqual(fromWorker);
    expect(fromApi).toMatchObject({ total_messages: 50 * 10 + 5, total_bytes: 50 * 100 + 50 });
  });

  it('buffers records until they are written and shows them after flush', async () => {
    const store = open();
    store.record(send(NOW.getTime() - MINUTE, { messages: 4 }));
    store.record(send(NOW.getTime() - MINUTE, { messages: 6 }));
    expect(store.state()).toEqual({ degraded: false, lastError: null, buffered: 2, dropped: 0 });
    expect((await store.summary('today', NOW)).total_messages).toBe(0);
    await store.flush();
    expect(store.state()).toEqual({ degraded: false, lastError: null, buffered: 0, dropped: 0 });
    expect((await store.summary('today', NOW)).total_messages).toBe(10);
  });

  it('writes in the background, without flush()', async () => {
    const store = open({ flushIntervalMs: 10 });
    const reader = open();
    store.record(send(Date.now(), { messages: 9 }));
    const deadline = Date.now() + 10_000;
    let seen = 0;
    while (Date.now() < deadline) {
      seen = (await reader.summary('24h')).total_messages;
      if (seen === 9) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(seen).toBe(9);
    expect(store.state().buffered).toBe(0);
  });
});

describe('sqlite metrics store under a real fault', () => {
  let dir: string;
  let file: string;
  let locker: Database.Database | undefined;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pstt-metrics-fault-'));
    file = path.join(dir, 'metrics.db');
  });

  afterEach(() => {
    locker?.close();
    locker = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Another connection holds the write lock past the store's busy timeout, as a stuck process would. */
  function lock(): Database.Database {
    locker = new Database(file);
    locker.exec('BEGIN EXCLUSIVE');
    return locker;
  }

  it('keeps records while the database is locked, reports degraded, and writes them all once it is free', async () => {
    const store = new SqliteMetricsStore({ file, busyTimeoutMs: 20, ...MANUAL });
    try {
      const db = lock();
      for (let i = 0; i < 20; i++) {
        expect(() => store.record(send(NOW.getTime() - i * MINUTE, { messages: 2 }))).not.toThrow();
      }
      await expect(store.flush()).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
      expect(store.state()).toEqual({
        degraded: true,
        lastError: expect.stringMatching(/locked/) as string,
        buffered: 20,
        dropped: 0,
      });
      // Records keep arriving while degraded.
      store.record(send(NOW.getTime(), { messages: 2 }));
      await expect(store.flush()).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
      expect(store.state()).toMatchObject({ degraded: true, buffered: 21 });

      db.exec('COMMIT');
      await store.flush();
      expect(store.state()).toEqual({ degraded: false, lastError: null, buffered: 0, dropped: 0 });
      expect((await store.summary('today', NOW)).total_messages).toBe(42);
    } finally {
      await store.close();
    }
  });

  it('retries by itself after the fault ends', async () => {
    const store = new SqliteMetricsStore({ file, busyTimeoutMs: 20, flushIntervalMs: 10, retryIntervalMs: 30 });
    try {
      const db = lock();
      store.record(send(NOW.getTime(), { messages: 3 }));
      await expect(store.flush()).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
      expect(store.state().degraded).toBe(true);
      db.exec('COMMIT');
      const deadline = Date.now() + 10_000;
      while (store.state().degraded && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(store.state()).toEqual({ degraded: false, lastError: null, buffered: 0, dropped: 0 });
      expect((await store.summary('today', NOW)).total_messages).toBe(3);
    } finally {
      await store.close();
    }
  });

  it('drops the oldest minutes beyond its cap while writes fail, and counts them', async () => {
    const store = new SqliteMetricsStore({ file, busyTimeoutMs: 20, maxBufferedRows: 10, ...MANUAL });
    try {
      const db = lock();
      // 20 distinct minutes, oldest first: over the cap of 10 rows the store keeps the newest 9.
      for (let i = 19; i >= 0; i--) store.record(send(NOW.getTime() - i * MINUTE, { messages: 1 }));
      await expect(store.flush()).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
      const { buffered, dropped } = store.state();
      expect(buffered + dropped).toBe(20);
      expect(buffered).toBeLessThanOrEqual(10);
      db.exec('COMMIT');
      await store.flush();
      const hours = await store.hourly(1, NOW);
      expect(hours[0]?.messages).toBe(buffered);
      expect(store.state()).toMatchObject({ degraded: false, buffered: 0, dropped });
    } finally {
      await store.close();
    }
  });
});
