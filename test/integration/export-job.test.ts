import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import Database from 'better-sqlite3';
import { ensureTopic } from '../../core/kafka/topics';
import type { KafkaConfig, Scheduling } from '../../core/scheduling';
import { ensureDemoDatabase } from '../../devstack/demo-data';
import { createExportHarness, type ExportHarness } from '../support/export-harness';
import { consumeMessages, deleteTopic, testKafka } from '../support/kafka';
import { uniqueName } from '../support/names';
import { makeScheduling } from '../support/scheduling';

describe('exportJob on the real Temporal dev server and Kafka broker', () => {
  const kafka = testKafka();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pstt-export-'));
  const dbFile = path.join(dir, 'orders.db');
  const topics: string[] = [];
  let harness: ExportHarness;

  beforeAll(async () => {
    ensureDemoDatabase(dbFile, 10_000);
    harness = await createExportHarness({
      sources: { orders: { url: `sqlite:${dbFile}` } },
      files: { allowed_roots: [dir] },
    });
  });

  afterAll(async () => {
    await harness.close();
    for (const topic of topics) await deleteTopic(kafka, topic);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function scheduling(overrides: Partial<KafkaConfig> = {}): Promise<Scheduling> {
    const topic = uniqueName('pstt-export');
    topics.push(topic);
    await ensureTopic(kafka, topic, 3);
    return makeScheduling({
      name: uniqueName('orders'),
      schedule: { every: '1h' },
      source: 'orders',
      query: 'SELECT order_id, customer, amount, status, created_at FROM orders ORDER BY order_id',
      export_format: 'kafka',
      timeout: 300,
      retry: { max_attempts: 2, initial_backoff: '1s' },
      kafka_config: { topic, message_key_field: 'order_id', batch_size: 500, ...overrides },
    });
  }

  it('runs an input stored by an older PSTT, without the retry and timeout fields, on their defaults', async () => {
    const older: Partial<Scheduling> = { ...(await scheduling()) };
    delete older.retry;
    delete older.timeout;
    const { result } = await harness.runExport(older as Scheduling);
    expect(result).toMatchObject({ rows: 10_000, messages: 10_000, attempts: 1 });
  });

  it('exports 10,000 rows as 10,000 keyed JSON messages, with only counts in workflow history', async () => {
    const s = await scheduling();
    const { result, workflowId } = await harness.runExport(s);
    expect(result).toMatchObject({ rows: 10_000, messages: 10_000, batches: 20, attempts: 1 });

    const messages = await consumeMessages(kafka, s.kafka_config!.topic, 10_000);
    expect(messages).toHaveLength(10_000);
    const db = new Database(dbFile, { readonly: true });
    const rows = db.prepare('SELECT * FROM orders').all() as Array<Record<string, unknown>>;
    db.close();
    const byKey = new Map(messages.map((m) => [m.key!.toString(), JSON.parse(m.value!.toString()) as unknown]));
    expect(byKey.size).toBe(10_000);
    for (const row of rows) expect(byKey.get(String(row.order_id))).toEqual(row);

    const history = JSON.stringify(await harness.client.workflow.getHandle(workflowId).fetchHistory());
    expect(history).not.toContain(String(rows[0]!.customer));
  });

  it.each(['csv', 'excel'] as const)('writes a %s file through the workflow, returning its path', async (format) => {
    const outputDir = path.join(dir, `out-${format}`);
    const s = makeScheduling({
      name: uniqueName('orders-file'),
      schedule: { cron: '0 6 * * *', timezone: 'Europe/Rome' },
      source: 'orders',
      query: 'SELECT order_id, customer, amount FROM orders ORDER BY order_id',
      export_format: format,
      file_config: { output_dir: outputDir, file_name: 'orders_{yyyy}{MM}{dd}' },
    });
    const { result } = await harness.runExport(s);
    expect(result).toMatchObject({ rows: 10_000, messages: 0, attempts: 1 });
    expect(path.dirname(result.file!)).toBe(outputDir);
    expect(path.basename(result.file!)).toMatch(format === 'csv' ? /^orders_\d{8}\.csv$/ : /^orders_\d{8}\.xlsx$/);
    expect(fs.statSync(result.file!).size).toBe(result.bytes);
    expect(fs.readdirSync(outputDir)).toEqual([path.basename(result.file!)]);
    if (format === 'csv') {
      const lines = fs.readFileSync(result.file!, 'utf8').trimEnd().split('\n');
      expect(lines).toHaveLength(10_001);
      expect(lines[0]).toBe('order_id,customer,amount');
    }
  });

  it('fails for good, naming the column, when message_key_field is not in the query', async () => {
    const error = await harness.runExportExpectingFailure(await scheduling({ message_key_field: 'order_number' }));
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause?.cause as Error & { type?: string; nonRetryable?: boolean };
    expect(cause.type).toBe('MissingKeyFieldError');
    expect(cause.nonRetryable).toBe(true);
    expect(cause.message).toBe(
      'message_key_field "order_number" is not a column of the query; columns: order_id, customer, amount, status, created_at',
    );
  });
});
