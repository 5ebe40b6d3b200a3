import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import Database from 'better-sqlite3';
import { stringify } from 'yaml';
import { loadConfig } from '../../core/config';
import type { ExportJobInput } from '../../core/job';
import { countMessages, ensureTopic } from '../../core/kafka/topics';
import type { KafkaConfig } from '../../core/scheduling';
import { connectTemporalClient } from '../../core/temporal/client';
import { ensureDemoDatabase } from '../../devstack/demo-data';
import { spawnWorkerProcess } from '../../worker/spawn-worker';
import { consumeMessages, deleteTopic, testKafka, type ConsumedMessage } from './kafka';
import { uniqueName } from './names';
import { makeScheduling } from './scheduling';
import { exited } from './child-process';
import { exportJob } from '../../workflows';

/**
 * Kafka exports of the demo `orders` table run by real worker processes that a test can kill, freeze
 * or replace: a temporary folder with the database, one config file (and task queue) per test, the
 * workers started, the topics made. Call `setUp` in beforeAll, `killWorkers` in afterEach and
 * `tearDown` in afterAll.
 */
export class OrdersExportHarness {
  readonly kafka: ReturnType<typeof testKafka>;
  readonly dir: string;
  readonly dbFile: string;
  readonly logFile: string;
  client!: Client;
  private readonly topics: string[] = [];
  private readonly workers: ChildProcess[] = [];

  /** `bootstrap`: another cluster's brokers than the config's (the cluster drill's three nodes). */
  constructor(
    private readonly prefix: string,
    private readonly rows: number,
    private readonly bootstrap?: string[],
  ) {
    this.kafka = testKafka(bootstrap);
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
    this.dbFile = path.join(this.dir, 'orders.db');
    this.logFile = path.join(this.dir, 'worker.log');
  }

  async setUp(): Promise<void> {
    ensureDemoDatabase(this.dbFile, this.rows);
    this.client = await connectTemporalClient(loadConfig().temporal);
  }

  async killWorkers(): Promise<void> {
    for (const w of this.workers.splice(0)) {
      w.kill('SIGKILL');
      await exited(w);
    }
  }

  async tearDown(): Promise<void> {
    await this.client.connection.close();
    for (const topic of this.topics) await deleteTopic(this.kafka, topic);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** A database of its own, for a test that changes rows between attempts. */
  ownDatabase(): string {
    const file = path.join(this.dir, `${uniqueName('orders')}.db`);
    ensureDemoDatabase(file, this.rows);
    return file;
  }

  /**
   * A config file of its own per test: its own task queue, so no other test's worker takes its tasks
   * (or `more.taskQueue`, for a second worker of the same test), `more.sources` beside `orders`, and
   * `more.temporalAddress` to reach Temporal another way (through a proxy the test can cut), and
   * `more.sections` (such as `worker` or `metrics`) as they are.
   */
  config(
    db = this.dbFile,
    kafka: Record<string, unknown> = {},
    more: {
      taskQueue?: string;
      temporalAddress?: string;
      sources?: Record<string, { url: string }>;
      sections?: Record<string, unknown>;
    } = {},
  ): { configFile: string; taskQueue: string } {
    const base = loadConfig();
    const taskQueue = more.taskQueue ?? uniqueName(`${this.prefix}-queue`);
    const configFile = path.join(this.dir, `${uniqueName(taskQueue)}.yaml`);
    fs.writeFileSync(
      configFile,
      stringify({
        temporal: {
          ...base.temporal,
          task_queue: taskQueue,
          ...(more.temporalAddress ? { address: more.temporalAddress } : {}),
        },
        kafka: { bootstrap_servers: this.bootstrap ?? base.kafka.bootstrap_servers, ...kafka },
        sources: { orders: { url: `sqlite:${db}` }, ...more.sources },
        ...more.sections,
      }),
    );
    return { configFile, taskQueue };
  }

  worker(configFile: string): ChildProcess {
    const child = spawnWorkerProcess(configFile, this.logFile);
    this.workers.push(child);
    return child;
  }

  /** Starts an export of every order (or `from`'s query), keyed by order_id, into a new 3-partition topic. */
  async startExport(
    taskQueue: string,
    kafkaConfig: Partial<KafkaConfig> & { batch_size: number },
    from = {
      source: 'orders',
      query: 'SELECT order_id, customer, amount, status, created_at FROM orders ORDER BY order_id',
    },
  ) {
    const topic = uniqueName(this.prefix);
    this.topics.push(topic);
    await ensureTopic(this.kafka, topic, 3);
    const scheduling = makeScheduling({
      name: uniqueName(this.prefix),
      schedule: { every: '1h' },
      ...from,
      export_format: 'kafka',
      retry: { max_attempts: 10, initial_backoff: '1s' },
      kafka_config: { topic, message_key_field: 'order_id', ...kafkaConfig },
    });
    const input: ExportJobInput = { scheduling };
    const handle = await this.client.workflow.start(exportJob, {
      taskQueue,
      workflowId: uniqueName(`${this.prefix}-run`),
      args: [input],
    });
    return { topic, handle };
  }

  /** Waits until the topic's offsets pass `n` (messages, and transaction markers where there are any). */
  async waitForOffsets(topic: string, n: number): Promise<number> {
    for (let i = 0; i < 12_000; i++) {
      const count = await countMessages(this.kafka, topic);
      if (count >= n) return count;
      await sleep(20);
    }
    throw new Error(`${topic} never reached ${n} offsets; see ${this.logFile}`);
  }
}

/** What a topic holds against its source table, for the at-least-once oracle. */
export interface Delivered {
  /** Distinct order ids in the topic. */
  distinct: number;
  /** Messages beyond one per id. */
  duplicates: number;
  /** Ids whose message value is not the source row's JSON. */
  wrongValues: number[];
  /** The most steps back of any partition's ids (see stepsBack). */
  stepsBack: number;
}

/** Reads every message of `topic` and compares it with the rows of the harness's database `dbFile`. */
export async function delivered(h: OrdersExportHarness, topic: string, dbFile = h.dbFile): Promise<Delivered> {
  const messages = await consumeMessages(h.kafka, topic, await countMessages(h.kafka, topic), 120_000);
  const db = new Database(dbFile, { readonly: true });
  let expected: Map<number, string>;
  try {
    const rows = db
      .prepare('SELECT order_id, customer, amount, status, created_at FROM orders ORDER BY order_id')
      .all() as Array<{
      order_id: number;
    }>;
    expected = new Map(rows.map((r) => [r.order_id, JSON.stringify(r)]));
  } finally {
    db.close();
  }
  const seen = new Set<number>();
  const wrongValues: number[] = [];
  for (const m of messages) {
    const id = Number(m.key!.toString());
    seen.add(id);
    const value = m.value ? JSON.stringify(JSON.parse(m.value.toString())) : null;
    if (value !== expected.get(id)) wrongValues.push(id);
  }
  const back = [...idsByPartition(messages).values()].map(stepsBack);
  return { distinct: seen.size, duplicates: messages.length - seen.size, wrongValues, stepsBack: Math.max(0, ...back) };
}

/** The order ids of the messages, grouped by partition, in the order each partition holds them. */
export function idsByPartition(messages: readonly ConsumedMessage[]): Map<number, number[]> {
  const byPartition = new Map<number, number[]>();
  for (const m of messages) {
    const ids = byPartition.get(m.partition) ?? [];
    ids.push(Number(m.key!.toString()));
    byPartition.set(m.partition, ids);
  }
  return byPartition;
}

/** How many times a partition's ids step back (0 when they strictly ascend). */
export function stepsBack(ids: readonly number[]): number {
  return ids.filter((id, i) => i > 0 && id <= ids[i - 1]!).length;
}
