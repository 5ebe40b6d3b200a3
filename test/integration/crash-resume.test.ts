import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
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
  function testConfig(): { configFile: string; taskQueue: string } {
    const base = loadConfig();
    const taskQueue = uniqueName('pstt-crash-queue');
    const configFile = path.join(dir, `${taskQueue}.yaml`);
    fs.writeFileSync(
      configFile,
      stringify({
        temporal: { ...base.temporal, task_queue: taskQueue },
        kafka: { bootstrap_servers: base.kafka.bootstrap_servers },
        sources: { orders: { url: `sqlite:${dbFile}` } },
      }),
    );
    return { configFile, taskQueue };
  }

  function worker(configFile: string): ChildProcess {
    const child = spawnWorkerProcess(configFile, logFile);
    workers.push(child);
    return child;
  }

  async function startExport(taskQueue: string) {
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
      kafka_config: { topic, message_key_field: 'order_id', batch_size: BATCH },
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
    return { total: messages.length, unique: new Set(keys) };
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
