import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import Database from 'better-sqlite3';
import { Client as PgClient } from 'pg';
import { loadConfig, type AppConfig } from '../../core/config';
import type { ExportJobInput } from '../../core/job';
import { countMessages, ensureTopic } from '../../core/kafka/topics';
import type { SchedulingInput } from '../../core/scheduling';
import { connectTemporalClient } from '../../core/temporal/client';
import { devPostgresUrl } from '../../devstack/postgres-server';
import { deleteTopic, testKafka } from '../support/kafka';
import { uniqueName } from '../support/names';
import { createExportHarness, startQueueWorker, type QueueWorker } from '../support/export-harness';
import { makeScheduling } from '../support/scheduling';
import { exportJob } from '../../workflows';

const POSTGRES_URL = process.env.PSTT_TEST_POSTGRES_URL ?? devPostgresUrl('pstt_test');

/** Issue 11 item 7: a worker runs at most `worker.max_concurrent_exports` exports, and sends at most `max_batch_bytes`. */
describe('bounded work per worker (real Temporal, Kafka, PostgreSQL)', () => {
  const kafka = testKafka();
  const topics: string[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bnd-bounded-'));
  let base: AppConfig;
  let client: Client;
  let locker: PgClient;

  beforeAll(async () => {
    base = loadConfig();
    client = await connectTemporalClient(base.temporal);
    locker = new PgClient({ connectionString: POSTGRES_URL });
    await locker.connect();
  });

  afterAll(async () => {
    await locker.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
    await locker.end();
    await client.connection.close();
    for (const topic of topics) await deleteTopic(kafka, topic).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function newTopic(): Promise<string> {
    const topic = uniqueName('bnd-bounded');
    topics.push(topic);
    await ensureTopic(kafka, topic, 2);
    return topic;
  }

  const scheduling = (
    topic: string,
    query: string,
    kafkaConfig: Record<string, unknown> = {},
    more: Partial<SchedulingInput> = {},
  ) =>
    makeScheduling({
      name: uniqueName('bnd-bounded'),
      schedule: { every: '1h' },
      source: 'pg',
      query,
      export_format: 'kafka',
      retry: { max_attempts: 3, initial_backoff: '1s' },
      ...more,
      kafka_config: { topic, message_key_field: 'id', ...kafkaConfig },
    });

  /** Sessions waiting for the advisory lock `key` (which the test holds). */
  async function waiting(key: number): Promise<number> {
    const { rows } = await locker.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = $1 AND NOT granted",
      [key],
    );
    return Number(rows[0]!.n);
  }

  it('runs 8 exports of one PostgreSQL source 4 at a time, and all of them succeed', async () => {
    const key = 1_000_000 + Math.floor(Math.random() * 1_000_000);
    const topic = await newTopic();
    const config: AppConfig = {
      ...base,
      temporal: { ...base.temporal, task_queue: uniqueName('bnd-bounded-queue') },
      worker: { max_concurrent_exports: 4 },
      sources: { pg: { url: POSTGRES_URL, pool_size: 4 } },
    };
    // Each export waits at its first row until the test releases the lock: the waiting sessions are the
    // exports running. The shared lock lets them all go at once afterwards.
    const query = `WITH gate AS (SELECT pg_advisory_xact_lock_shared(${key})) SELECT g AS id FROM gate, generate_series(1, 50) g ORDER BY g`;
    await locker.query('SELECT pg_advisory_lock($1)', [key]);
    let worker: QueueWorker | undefined;
    try {
      worker = await startQueueWorker(config);
      const handles = await Promise.all(
        Array.from({ length: 8 }, async () => {
          const input: ExportJobInput = { scheduling: scheduling(topic, query, { batch_size: 10 }) };
          return client.workflow.start(exportJob, {
            taskQueue: config.temporal.task_queue,
            workflowId: uniqueName('bnd-bounded-run'),
            args: [input],
          });
        }),
      );
      for (let i = 0; (await waiting(key)) < 4; i++) {
        if (i > 600) throw new Error(`only ${await waiting(key)} exports reached the source`);
        await sleep(100);
      }
      // Every run has asked for its export by now; with no bound, all 8 would be reading.
      for (const h of handles) {
        for (let i = 0; ; i++) {
          const { raw } = await h.describe();
          if ((raw.pendingActivities ?? []).some((a) => a.activityType?.name === 'exportToKafka')) break;
          if (i > 300) throw new Error(`run ${h.workflowId} never scheduled its export`);
          await sleep(100);
        }
      }
      await sleep(2_000);
      expect(await waiting(key)).toBe(4);
      await locker.query('SELECT pg_advisory_unlock($1)', [key]);
      const results = await Promise.all(handles.map((h) => h.result()));
      expect(results.map((r) => [r.rows, r.attempts])).toEqual(Array(8).fill([50, 1]));
      expect(await countMessages(kafka, topic)).toBe(400);
    } finally {
      await locker.query('SELECT pg_advisory_unlock_all()');
      await worker?.stop();
    }
  });

  it('ends each send at max_batch_bytes (sends counted by the metrics store)', async () => {
    const metricsFile = path.join(dir, 'metrics.db');
    const harness = await createExportHarness({
      sources: { pg: { url: POSTGRES_URL } },
      metrics: { ...base.metrics, url: `sqlite:${metricsFile}` },
    });
    const query = "SELECT g AS id, repeat('x', 1000) AS pad FROM generate_series(1, 100) g ORDER BY g";
    const sendsOf = (name: string) => {
      const db = new Database(metricsFile, { readonly: true });
      try {
        return (
          db.prepare('SELECT SUM(sends) AS n FROM send_metrics_minute WHERE scheduling = ?').get(name) as { n: number }
        ).n;
      } finally {
        db.close();
      }
    };
    try {
      const whole = scheduling(await newTopic(), query, { batch_size: 500 });
      const split = scheduling(await newTopic(), query, { batch_size: 500, max_batch_bytes: 10_240 });
      const { result: one } = await harness.runExport(whole);
      const { result: many } = await harness.runExport(split);
      expect(one).toMatchObject({ rows: 100, batches: 1 });
      expect(sendsOf(whole.name)).toBe(1);
      // ~1.1 kB a message: 9 a send, 12 sends.
      expect(many).toMatchObject({ rows: 100, batches: 12 });
      expect(sendsOf(split.name)).toBe(12);
      expect(await countMessages(kafka, split.kafka_config!.topic)).toBe(100);
    } finally {
      await harness.close();
    }
  });
});
