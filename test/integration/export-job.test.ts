import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Runtime, type NativeConnection, type WorkflowBundle } from '@temporalio/worker';
import Database from 'better-sqlite3';
import { loadConfig, type AppConfig } from '../../core/config';
import type { ExportJobInput, ExportResult } from '../../core/job';
import { ensureTopic } from '../../core/kafka/topics';
import type { Scheduling } from '../../core/scheduling';
import { connectTemporalClient } from '../../core/temporal/client';
import { ensureDemoDatabase } from '../../devstack/demo-data';
import { connectWorkerConnection, createExportWorker } from '../../worker/create-worker';
import { buildWorkerDeps } from '../../worker/worker-deps';
import { consumeMessages, deleteTopic, testKafka } from '../support/kafka';
import { uniqueName } from '../support/names';

describe('exportJob on the real Temporal dev server and Kafka broker', () => {
  const kafka = testKafka();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pstt-export-'));
  const dbFile = path.join(dir, 'orders.db');
  const taskQueue = uniqueName('pstt-test-queue');
  const topics: string[] = [];
  let config: AppConfig;
  let client: Client;
  let connection: NativeConnection;
  let bundle: WorkflowBundle;

  beforeAll(async () => {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    ensureDemoDatabase(dbFile, 10_000);
    const base = loadConfig();
    config = { ...base, sources: { orders: { url: `sqlite:${dbFile}` } } };
    client = await connectTemporalClient(config.temporal);
    connection = await connectWorkerConnection(config);
    bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: quietLogger });
  });

  afterAll(async () => {
    await client.connection.close();
    await connection.close();
    for (const topic of topics) await deleteTopic(kafka, topic);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function scheduling(overrides: Partial<Scheduling['kafka_config'] & object> = {}): Scheduling {
    const topic = uniqueName('pstt-export');
    topics.push(topic);
    return {
      name: 'orders-test',
      description: '',
      enabled: true,
      schedule: { every: '1h' },
      source: 'orders',
      query: 'SELECT order_id, customer, amount, status, created_at FROM orders ORDER BY order_id',
      export_format: 'kafka',
      timeout: 300,
      kafka_config: { topic, message_key_field: 'order_id', batch_size: 500, ...overrides },
    };
  }

  /** Runs one exportJob to completion with a worker of this test's own task queue. */
  async function runExport(s: Scheduling): Promise<{ result: Promise<ExportResult>; workflowId: string }> {
    await ensureTopic(kafka, s.kafka_config!.topic, 3);
    const deps = await buildWorkerDeps(config);
    const worker = await createExportWorker({ connection, config, deps, taskQueue, workflowBundle: bundle });
    const workflowId = uniqueName('export-test');
    const input: ExportJobInput = { scheduling: s };
    const result = worker
      .runUntil(client.workflow.execute('exportJob', { taskQueue, workflowId, args: [input] }))
      .finally(() => deps.close()) as Promise<ExportResult>;
    return { result, workflowId };
  }

  it('exports 10,000 rows as 10,000 keyed JSON messages, with only counts in workflow history', async () => {
    const s = scheduling();
    const { result, workflowId } = await runExport(s);
    await expect(result).resolves.toMatchObject({ rows: 10_000, messages: 10_000, batches: 20 });

    const messages = await consumeMessages(kafka, s.kafka_config!.topic, 10_000);
    expect(messages).toHaveLength(10_000);
    const db = new Database(dbFile, { readonly: true });
    const rows = db.prepare('SELECT * FROM orders').all() as Array<Record<string, unknown>>;
    db.close();
    const byKey = new Map(messages.map((m) => [m.key!.toString(), JSON.parse(m.value!.toString()) as unknown]));
    expect(byKey.size).toBe(10_000);
    for (const row of rows) expect(byKey.get(String(row.order_id))).toEqual(row);

    const history = JSON.stringify(await client.workflow.getHandle(workflowId).fetchHistory());
    expect(history).not.toContain(String(rows[0]!.customer));
  });

  it('fails for good, naming the column, when message_key_field is not in the query', async () => {
    const { result } = await runExport(scheduling({ message_key_field: 'order_number' }));
    const error = await result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause?.cause as Error & { type?: string; nonRetryable?: boolean };
    expect(cause.type).toBe('MissingKeyFieldError');
    expect(cause.nonRetryable).toBe(true);
    expect(cause.message).toBe(
      'message_key_field "order_number" is not a column of the query; columns: order_id, customer, amount, status, created_at',
    );
  });
});

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
