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
import { spawnWorkerProcess } from '../../worker/spawn-worker';
import { consumeCommitted } from '../support/committed-reader';
import { deleteTopic, testKafka, type ConsumedMessage } from '../support/kafka';
import { uniqueName } from '../support/names';
import { makeScheduling } from '../support/scheduling';
import { exited } from '../support/worker-process';

const ROWS = 200_000;

/**
 * Exactly-once delivery under real faults, in the manner of Kafka's own
 * connect_distributed_test.py::test_exactly_once_source: worker processes are killed or frozen during
 * an export, and a read_committed consumer (Kafka's Java one) must see every row once, in order per
 * partition, with no gap.
 */
describe('exactly-once delivery: transactions, fencing and committed checkpoints', () => {
  const kafka = testKafka();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pstt-eos-'));
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

  function testConfig(): { configFile: string; taskQueue: string } {
    const base = loadConfig();
    const taskQueue = uniqueName('pstt-eos-queue');
    const configFile = path.join(dir, `${taskQueue}.yaml`);
    fs.writeFileSync(
      configFile,
      stringify({
        temporal: { ...base.temporal, task_queue: taskQueue },
        kafka: { bootstrap_servers: base.kafka.bootstrap_servers, checkpoint_topic: uniqueName('pstt-eos-checkpoints') },
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
    const topic = uniqueName('pstt-eos');
    topics.push(topic);
    await ensureTopic(kafka, topic, 3);
    const scheduling = makeScheduling({
      name: uniqueName('eos'),
      schedule: { every: '1h' },
      source: 'orders',
      query: 'SELECT order_id, customer, amount, status, created_at FROM orders',
      export_format: 'kafka',
      retry: { max_attempts: 10, initial_backoff: '1s' },
      // Small sends: slow enough for the test to kill it three times mid-way.
      kafka_config: { topic, message_key_field: 'order_id', batch_size: 100, resume_key: ['order_id'], delivery: 'exactly_once' },
    });
    const input: ExportJobInput = { scheduling };
    const handle = await client.workflow.start('exportJob', { taskQueue, workflowId: uniqueName('eos-run'), args: [input] });
    return { topic, handle };
  }

  /** Waits until the topic's offsets (committed, aborted and markers alike) pass `n`. */
  async function waitForOffsets(topic: string, n: number): Promise<number> {
    for (let i = 0; i < 12_000; i++) {
      const count = await countMessages(kafka, topic);
      if (count >= n) return count;
      await sleep(20);
    }
    throw new Error(`${topic} never reached ${n} offsets; see ${logFile}`);
  }

  /** Waits until the run's checkpoint (heartbeated after each commit) passes `rows`; the new figure. */
  async function waitForCommittedRows(taskQueue: string, workflowId: string, rows: number): Promise<number> {
    for (let i = 0; i < 3_000; i++) {
      const [run] = await runningExports(client, taskQueue, [{ workflowId }]);
      if (run && run.rows > rows) return run.rows;
      await sleep(100);
    }
    throw new Error(`the run never committed past ${rows} rows; see ${logFile}`);
  }

  /** Asks Kafka's Java consumer (read_committed) for more than ROWS messages: a duplicate would show as one too many. */
  async function committed(topic: string): Promise<ConsumedMessage[]> {
    return consumeCommitted(kafka, topic, ROWS + 1, 20_000, false);
  }

  function assertExactlyOnceInOrder(messages: ConsumedMessage[]): void {
    const ids = messages.map((m) => Number(m.key!.toString()));
    expect(messages.length).toBe(ROWS);
    expect(new Set(ids).size).toBe(ROWS);
    const byPartition = new Map<number, number[]>();
    for (const m of messages) {
      const inPartition = byPartition.get(m.partition) ?? [];
      inPartition.push(Number(m.key!.toString()));
      byPartition.set(m.partition, inPartition);
    }
    for (const partitionIds of byPartition.values()) {
      expect(partitionIds.filter((id, i) => i > 0 && id <= partitionIds[i - 1]!)).toEqual([]);
    }
  }

  it('SIGKILL three times during a 200,000-row export: read_committed sees every row once, in order, no gap', async () => {
    // Three heartbeat timeouts (20 s each) before the retries, and worker starts.
    const { configFile, taskQueue } = testConfig();
    let current = worker(configFile);
    const { topic, handle } = await startExport(taskQueue);
    let committedRows = 0;
    for (let kill = 1; kill <= 3; kill++) {
      // Kill once this attempt has committed transactions (its checkpoint reaches Temporal after each
      // commit) and has more under way: a resume that ignored the committed checkpoint would duplicate.
      committedRows = await waitForCommittedRows(taskQueue, handle.workflowId, Math.max(committedRows, (kill * ROWS) / 5));
      await waitForOffsets(topic, (await countMessages(kafka, topic)) + 1_000);
      current.kill('SIGKILL');
      await exited(current);
      current = worker(configFile);
    }
    const result = (await handle.result()) as ExportResult;
    expect(result.attempts).toBeGreaterThanOrEqual(4);
    expect(result.rows).toBe(ROWS);
    // Aborted transactions did reach the log: the kills cut transactions short.
    expect(await countMessages(kafka, topic)).toBeGreaterThan(ROWS);
    assertExactlyOnceInOrder(await committed(topic));
  }, 360_000);

  it('zombie: a worker frozen past the heartbeat timeout is fenced when it wakes; no duplicate is committed', async () => {
    const { configFile, taskQueue } = testConfig();
    const frozen = worker(configFile);
    const { topic, handle } = await startExport(taskQueue);
    await waitForOffsets(topic, 20_000);
    frozen.kill('SIGSTOP');
    worker(configFile);
    const result = (await handle.result()) as ExportResult;
    expect(result.attempts).toBeGreaterThanOrEqual(2);
    frozen.kill('SIGCONT');
    await sleep(5_000);
    assertExactlyOnceInOrder(await committed(topic));
  });
});
