import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import Database from 'better-sqlite3';
import { stringify } from 'yaml';
import { loadConfig } from '../../core/config';
import type { ExportJobInput, ExportResult } from '../../core/job';
import { countMessages, ensureTopic } from '../../core/kafka/topics';
import { connectTemporalClient } from '../../core/temporal/client';
import { runningExports } from '../../core/temporal/running-exports';
import { ensureDemoDatabase } from '../../devstack/demo-data';
import { consumeMessages, deleteTopic, testKafka } from '../support/kafka';
import { uniqueName } from '../support/names';
import { makeScheduling } from '../support/scheduling';
import { spawnWorkerProcess } from '../../worker/spawn-worker';
import { exited } from '../support/worker-process';

const ROWS = 100_000;
const BATCH = 100;

describe('crash-safe resume: a worker process dies in the middle of a 100,000-row export', () => {
  const kafka = testKafka();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pstt-crash-'));
  const dbFile = path.join(dir, 'orders.db');
  const logFile = path.join(dir, 'worker.log');
  const topics: string[] = [];
  const workers: ChildProcess[] = [];
  let client: Client;

  beforeAll(async () => {
    ensureDemoDatabase(dbFile, ROWS);
    client = await connectTemporalClient(loadConfig().temporal);
  });

  afterEach(async () => {
    for (const w of workers.splice(0)) {
      w.kill('SIGKILL');
      await exited(w);
    }
  });

  afterAll(async () => {
    await client.connection.close();
    for (const topic of topics) await deleteTopic(kafka, topic);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A config file of its own per test: its own task queue, so no other test's worker takes its tasks. */
  function testConfig(db = dbFile): { configFile: string; taskQueue: string } {
    const base = loadConfig();
    const taskQueue = uniqueName('pstt-crash-queue');
    const configFile = path.join(dir, `${taskQueue}.yaml`);
    fs.writeFileSync(
      configFile,
      stringify({
        temporal: { ...base.temporal, task_queue: taskQueue },
        kafka: { bootstrap_servers: base.kafka.bootstrap_servers },
        sources: { orders: { url: `sqlite:${db}` } },
      }),
    );
    return { configFile, taskQueue };
  }

  function worker(configFile: string): ChildProcess {
    const child = spawnWorkerProcess(configFile, logFile);
    workers.push(child);
    return child;
  }

  async function startExport(taskQueue: string, resumeKey?: string[]) {
    const topic = uniqueName('pstt-crash');
    topics.push(topic);
    await ensureTopic(kafka, topic, 3);
    const scheduling = makeScheduling({
      name: uniqueName('crash'),
      schedule: { every: '1h' },
      source: 'orders',
      query: 'SELECT order_id, customer, amount, status, created_at FROM orders ORDER BY order_id',
      export_format: 'kafka',
      retry: { max_attempts: 5, initial_backoff: '1s' },
      kafka_config: { topic, message_key_field: 'order_id', batch_size: BATCH, resume_key: resumeKey },
    });
    const input: ExportJobInput = { scheduling };
    const handle = await client.workflow.start('exportJob', { taskQueue, workflowId: uniqueName('crash-run'), args: [input] });
    return { topic, handle };
  }

  /** Waits until the topic holds at least `n` messages: the export is under way. */
  async function waitForMessages(topic: string, n: number): Promise<number> {
    for (let i = 0; i < 6_000; i++) {
      const count = await countMessages(kafka, topic);
      if (count >= n) return count;
      await sleep(20);
    }
    throw new Error(`${topic} never reached ${n} messages; see ${logFile}`);
  }

  /** Every message of the topic (duplicates included), read back. */
  async function keysIn(topic: string) {
    const messages = await consumeMessages(kafka, topic, await countMessages(kafka, topic), 120_000);
    const keys = messages.map((m) => Number(m.key!.toString()));
    return { total: messages.length, unique: new Set(keys), messages };
  }

  /** A database of its own for a test that changes rows between attempts. */
  function ownDatabase(): string {
    const file = path.join(dir, `${uniqueName('orders')}.db`);
    ensureDemoDatabase(file, ROWS);
    return file;
  }

  /** Starts an export, SIGKILLs its worker once 20,000 rows are in the topic; what was sent and checkpointed. */
  async function exportAndKill(db: string, resumeKey?: string[]) {
    const { configFile, taskQueue } = testConfig(db);
    const first = worker(configFile);
    const { topic, handle } = await startExport(taskQueue, resumeKey);
    await waitForMessages(topic, 20_000);
    first.kill('SIGKILL');
    await exited(first);
    const atKill = await countMessages(kafka, topic);
    const [run] = await runningExports(client, taskQueue, [{ workflowId: handle.workflowId }]);
    expect(run!.rows).toBeGreaterThan(0);
    expect(run!.rows).toBeLessThanOrEqual(atKill);
    expect(atKill).toBeLessThan(ROWS - 20_000);
    return { configFile, topic, handle, atKill, checkpointed: run!.rows };
  }

  /** Deletes and updates rows while no worker runs; the ids left in the table. */
  function changeRows(db: string, statements: string[]): number[] {
    const conn = new Database(db);
    try {
      for (const sql of statements) conn.exec(sql);
      return (conn.prepare('SELECT order_id FROM orders ORDER BY order_id').pluck().all() as number[]).map(Number);
    } finally {
      conn.close();
    }
  }

  it('SIGKILL: a new worker resumes from the last checkpoint; every row arrives, only what followed it twice', async () => {
    const { configFile, taskQueue } = testConfig();
    const first = worker(configFile);
    const { topic, handle } = await startExport(taskQueue);
    await waitForMessages(topic, 20_000);
    first.kill('SIGKILL');
    await exited(first);
    // What reached the topic, and the checkpoint the retry resumes from (recorded off the send path).
    const atKill = await countMessages(kafka, topic);
    const [run] = await runningExports(client, taskQueue, [{ workflowId: handle.workflowId }]);
    expect(atKill).toBeLessThan(ROWS);
    expect(run!.rows).toBeGreaterThan(0);
    expect(run!.rows).toBeLessThanOrEqual(atKill);

    worker(configFile);
    const result = (await handle.result()) as ExportResult;
    expect(result.attempts).toBeGreaterThanOrEqual(2);
    expect(result.rows).toBe(ROWS);

    const { total, unique } = await keysIn(topic);
    expect(unique.size).toBe(ROWS);
    for (let id = 1; id <= ROWS; id += 997) expect(unique.has(id)).toBe(true);
    // Exactly the sends acknowledged after the last checkpoint are sent twice: nothing before it.
    expect(total - ROWS).toBe(atKill - run!.rows);
  });

  it('resume_key: rows deleted and updated between attempts; the retry resumes after the last key, nothing missing', async () => {
    const db = ownDatabase();
    const { configFile, topic, handle, atKill, checkpointed } = await exportAndKill(db, ['order_id']);
    // order_id runs 1..ROWS: the checkpoint's key is its row count. Delete rows on both sides of it
    // (a count-based resume could not skip exactly) and update sent ones.
    const left = changeRows(db, [
      `DELETE FROM orders WHERE order_id <= ${Math.ceil(checkpointed / 2)}`,
      `DELETE FROM orders WHERE order_id BETWEEN ${atKill + 10_001} AND ${atKill + 15_000}`,
      "UPDATE orders SET status = 'changed' WHERE order_id <= 1000",
    ]);
    worker(configFile);
    const result = (await handle.result()) as ExportResult;
    expect(result.attempts).toBeGreaterThanOrEqual(2);
    expect(result.startedOver).toBeUndefined();
    const { total, unique, messages } = await keysIn(topic);
    // Every row still in the table arrived.
    expect(left.filter((id) => !unique.has(id))).toEqual([]);
    // After the kill, exactly the rows past the checkpointed key: nothing missing, nothing earlier again.
    const afterKey = left.filter((id) => id > checkpointed);
    expect(total - atKill).toBe(afterKey.length);
    expect(result.rows).toBe(checkpointed + afterKey.length);
    // Per partition the ids ascend, apart from the one step back where the re-sent window begins.
    const byPartition = new Map<number, number[]>();
    for (const m of messages) {
      const inPartition = byPartition.get(m.partition) ?? [];
      inPartition.push(Number(m.key!.toString()));
      byPartition.set(m.partition, inPartition);
    }
    for (const ids of byPartition.values()) {
      const stepsBack = ids.filter((id, i) => i > 0 && id <= ids[i - 1]!).length;
      expect(stepsBack).toBeLessThanOrEqual(1);
    }
  });

  it('no resume_key: sent rows deleted between attempts; the retry sees the shifted prefix and starts over', async () => {
    const db = ownDatabase();
    const { configFile, topic, handle, atKill, checkpointed } = await exportAndKill(db);
    // Rows inside the checkpointed prefix: skipping the checkpointed count would now skip unsent rows.
    const left = changeRows(db, [`DELETE FROM orders WHERE order_id <= ${Math.ceil(checkpointed / 2)}`]);
    worker(configFile);
    const result = (await handle.result()) as ExportResult;
    expect(result.startedOver).toBe(true);
    expect(result.rows).toBe(left.length);
    const { total, unique } = await keysIn(topic);
    expect(left.filter((id) => !unique.has(id))).toEqual([]);
    expect(total - atKill).toBe(left.length);
  });

  it('zombie: a worker frozen past the heartbeat timeout stops sending when it wakes; its retry ran elsewhere', async () => {
    const { configFile, taskQueue } = testConfig();
    const frozen = worker(configFile);
    const { topic, handle } = await startExport(taskQueue);
    await waitForMessages(topic, 10_000);
    frozen.kill('SIGSTOP');
    const atStop = await countMessages(kafka, topic);
    const [run] = await runningExports(client, taskQueue, [{ workflowId: handle.workflowId }]);
    // A second worker takes the retry once the frozen attempt's heartbeat timeout (20 s) has passed.
    worker(configFile);
    const result = (await handle.result()) as ExportResult;
    expect(result.attempts).toBeGreaterThanOrEqual(2);
    frozen.kill('SIGCONT');
    // Give the woken attempt time to do whatever it would do (assertions below are on counts, not time).
    await sleep(5_000);
    const { total, unique } = await keysIn(topic);
    expect(unique.size).toBe(ROWS);
    // Re-sent: what followed the checkpoint before the freeze, plus at most the one send the woken
    // attempt had on the wire or in hand; a zombie that kept going would re-send the rest of the table.
    expect(total - ROWS).toBeLessThanOrEqual(atStop - run!.rows + 2 * BATCH);
  });

  it('SIGTERM: the worker lets the running export finish; nothing is sent twice', async () => {
    const { configFile, taskQueue } = testConfig();
    const first = worker(configFile);
    const { topic, handle } = await startExport(taskQueue);
    // The only worker on this task queue: the export under way is running in it.
    await waitForMessages(topic, 5_000);
    first.kill('SIGTERM');
    // Another worker takes the workflow's remaining tasks while the first one drains.
    worker(configFile);
    const result = (await handle.result()) as ExportResult;
    await exited(first);
    expect(first.exitCode).toBe(0);
    expect(result).toMatchObject({ rows: ROWS, attempts: 1 });
    const { total, unique } = await keysIn(topic);
    expect(unique.size).toBe(ROWS);
    expect(total).toBe(ROWS);
  });
});
