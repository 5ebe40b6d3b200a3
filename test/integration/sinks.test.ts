import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { parse } from 'csv-parse/sync';
import Database from 'better-sqlite3';
import { ensureTopic } from '../../core/kafka/topics';
import { previewScheduling } from '../../core/preview/scheduling-preview';
import { SourceRegistry } from '../../core/sources';
import type { SinkManifest } from '../../core/sinks/manifest';
import type { SchedulingInput } from '../../core/scheduling';
import { ensureDemoDatabase } from '../../devstack/demo-data';
import { connectWorkerConnection, createExportWorker } from '../../worker/create-worker';
import { buildWorkerDeps } from '../../worker/worker-deps';
import { createExportHarness, type ExportHarness } from '../support/export-harness';
import { consumeMessages, deleteTopic, testKafka, type ConsumedMessage } from '../support/kafka';
import { uniqueName } from '../support/names';
import { quietWorkflowBundle } from '../support/quiet-runtime';
import { makeScheduling } from '../support/scheduling';
import { exportJob } from '../../workflows';
import { runtimeConfigOf } from '../support/runtime-config';

const ROWS = 3_000;
const QUERY = 'SELECT order_id, customer, amount, status, created_at FROM orders ORDER BY order_id';

/** The SHA-256 (hex) and size of message values concatenated in offset order, as a consumer computes them. */
function digestOf(messages: readonly ConsumedMessage[]): { sha256: string; bytes: number } {
  const hash = createHash('sha256');
  let bytes = 0;
  for (const m of [...messages].sort((a, b) => Number(BigInt(a.offset) - BigInt(b.offset)))) {
    hash.update(m.value!);
    bytes += m.value!.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

function sha256sum(file: string): string {
  return execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0]!;
}

describe('one query, several sinks (Kafka + CSV), through the workflow', () => {
  const kafka = testKafka();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sink-'));
  const dbFile = path.join(dir, 'orders.db');
  const topics: string[] = [];
  let harness: ExportHarness;
  let orderIds: number[];

  beforeAll(async () => {
    ensureDemoDatabase(dbFile, ROWS);
    const db = new Database(dbFile, { readonly: true });
    orderIds = (db.prepare('SELECT order_id FROM orders ORDER BY order_id').pluck().all() as number[]).map(Number);
    db.close();
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

  async function newTopic(configs: Record<string, string> = {}): Promise<string> {
    const topic = uniqueName('sink-topic');
    topics.push(topic);
    // One partition: a consumer reads the values in the order they were sent.
    await ensureTopic(kafka, topic, 1, configs);
    return topic;
  }

  function schedulingOf(sinks: SchedulingInput['sinks'], query = QUERY) {
    return makeScheduling({
      name: uniqueName('sink'),
      schedule: { every: '1h' },
      source: 'orders',
      query,
      export_format: 'kafka',
      timeout: 300,
      retry: { max_attempts: 2, initial_backoff: '1s' },
      sinks,
    });
  }

  it('every row reaches both sinks; the manifests match what a consumer and sha256sum compute', async () => {
    const topic = await newTopic();
    const outputDir = path.join(dir, 'both');
    const s = schedulingOf([
      { kafka_config: { topic, message_key_field: 'order_id', batch_size: 200 } },
      { format: 'csv', file_config: { output_dir: outputDir, file_name: 'sink_{yyyy}{MM}{dd}' } },
      { format: 'excel', file_config: { output_dir: path.join(dir, 'both-xlsx') } },
    ]);
    const { result } = await harness.runExport(s);
    expect(result).toMatchObject({ rows: ROWS, messages: ROWS, attempts: 1 });
    const [kafkaManifest, fileManifest, excelManifest] = result.sinks as [SinkManifest, SinkManifest, SinkManifest];
    expect(excelManifest).toMatchObject({
      sink: 2,
      format: 'excel',
      rows: ROWS,
      sha256: sha256sum(excelManifest.target),
    });
    expect(excelManifest.target.endsWith('.xlsx')).toBe(true);
    expect(JSON.parse(fs.readFileSync(`${excelManifest.target}.manifest.json`, 'utf8'))).toEqual(excelManifest);

    // Kafka: every row once, in the query's order, and the manifest is the consumer's own digest.
    const messages = await consumeMessages(kafka, topic, ROWS);
    expect(messages.map((m) => Number(m.key!.toString()))).toEqual(orderIds);
    expect(kafkaManifest).toEqual({
      sink: 0,
      format: 'kafka',
      target: topic,
      rows: ROWS,
      ...digestOf(messages),
      key_columns: ['order_id'],
      first_key: [orderIds[0]],
      last_key: [orderIds[ROWS - 1]],
    });

    // CSV: every row once, and the manifest beside the file is the run's and sha256sum's.
    const file = fileManifest.target;
    expect(result.file).toBe(file);
    expect(path.dirname(file)).toBe(fs.realpathSync(outputDir));
    const records = parse<Record<string, string>>(fs.readFileSync(file), { columns: true });
    expect(records.map((r) => Number(r.order_id))).toEqual(orderIds);
    expect(fileManifest).toEqual({
      sink: 1,
      format: 'csv',
      target: file,
      rows: ROWS,
      bytes: fs.statSync(file).size,
      sha256: sha256sum(file),
      key_columns: ['order_id'],
      first_key: [orderIds[0]],
      last_key: [orderIds[ROWS - 1]],
    });
    expect(JSON.parse(fs.readFileSync(`${file}.manifest.json`, 'utf8'))).toEqual(fileManifest);
    // Same rows in both: the Kafka values are the CSV's rows as JSON.
    const firstValue = JSON.parse(messages[0]!.value!.toString()) as Record<string, unknown>;
    expect(String(firstValue.customer)).toBe(records[0]!.customer);
    expect(fs.readdirSync(outputDir).sort()).toEqual([path.basename(file), `${path.basename(file)}.manifest.json`]);
  });

  it('a sink that fails mid-run fails the run, and the file sink publishes nothing', async () => {
    // Row 1,500's message is over the topic's limit: the Kafka sink fails after acknowledged sends.
    const topic = await newTopic({ 'max.message.bytes': '4096' });
    const outputDir = path.join(dir, 'failed');
    const big = QUERY.replace(
      'customer,',
      "CASE WHEN order_id = 1500 THEN printf('%.8000c', 'x') ELSE customer END AS customer,",
    );
    const s = schedulingOf(
      [
        { format: 'csv', file_config: { output_dir: outputDir } },
        { kafka_config: { topic, message_key_field: 'order_id', batch_size: 100 } },
      ],
      big,
    );
    const err = await harness.runExportExpectingFailure(s);
    expect(String(((err as Error).cause as Error | undefined)?.cause ?? err)).toMatch(
      /row with key "1500" makes a \d+-byte message, over the 4096-byte limit/,
    );
    const sent = await consumeMessages(kafka, topic, 1, 30_000);
    expect(Number(sent[0]!.key!.toString())).toBe(orderIds[0]);
    // Neither a final file nor a temporary one.
    expect(fs.readdirSync(outputDir)).toEqual([]);
  });

  it('the API model refuses a file sink outside the allowed roots, naming the field', async () => {
    const s = schedulingOf([
      { kafka_config: { topic: 'sink-unused' } },
      { format: 'csv', file_config: { output_dir: os.tmpdir() } },
    ]);
    const err = await harness.runExportExpectingFailure(s);
    expect(String((err as Error).cause ?? err)).toContain('sinks.1.file_config.output_dir');
  });

  it('replays a run recorded by the workflow code before sinks (no marker), and a run with sinks', async () => {
    const taskQueue = uniqueName('sink-v3-queue');
    const connection = await connectWorkerConnection(harness.config);
    const deps = await buildWorkerDeps(runtimeConfigOf(harness.config, { ...process.env, SMTP_HOST: '' }));
    const oldBundle = await quietWorkflowBundle(require.resolve('../fixtures/export-job-v3'));
    const workflowId = uniqueName('sink-v3');
    const csv = makeScheduling({
      name: uniqueName('sink-v3'),
      schedule: { every: '1h' },
      source: 'orders',
      query: QUERY,
      export_format: 'csv',
      file_config: { output_dir: path.join(dir, 'v3') },
    });
    try {
      const worker = await createExportWorker({
        connection,
        config: harness.config,
        deps,
        taskQueue,
        workflowBundle: oldBundle,
      });
      const result = await worker.runUntil(
        harness.client.workflow.execute(exportJob, { taskQueue, workflowId, args: [{ scheduling: csv }] }),
      );
      expect(result).toMatchObject({ rows: ROWS, attempts: 1 });
    } finally {
      await deps.close();
      await connection.close();
    }
    const bundle = await quietWorkflowBundle();
    const old = await harness.client.workflow.getHandle(workflowId).fetchHistory();
    await expect(
      Worker.runReplayHistory({ workflowBundle: bundle, replayName: 'v3' }, old, workflowId),
    ).resolves.toBeUndefined();

    const topic = await newTopic();
    const { workflowId: sinksRun } = await harness.runExport(
      schedulingOf([
        { kafka_config: { topic } },
        { format: 'csv', file_config: { output_dir: path.join(dir, 'replay') } },
      ]),
    );
    const history = await harness.client.workflow.getHandle(sinksRun).fetchHistory();
    const activities = (h: typeof history) =>
      (h.events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    expect(activities(old)).toEqual(['exportToFile']);
    expect(activities(history)).toEqual(['exportToSinks']);
    await expect(
      Worker.runReplayHistory({ workflowBundle: bundle, replayName: 'sinks' }, history, sinksRun),
    ).resolves.toBeUndefined();
  });

  it('previews a scheduling with sinks through the sink export_format names, its problems under that sink', async () => {
    const topic = await newTopic();
    const sources = new SourceRegistry(harness.config);
    try {
      const preview = await previewScheduling(
        schedulingOf([
          { format: 'csv', file_config: { output_dir: path.join(dir, 'preview') } },
          { kafka_config: { topic, message_key_field: 'nope' } },
        ]),
        { config: harness.config, sources, kafka },
        3,
      );
      expect(preview.messages).toHaveLength(3);
      expect(preview.problems.map((p) => p.field)).toEqual(['sinks.1.kafka_config.message_key_field']);
    } finally {
      await sources.end();
    }
    expect(fs.existsSync(path.join(dir, 'preview'))).toBe(false);
  });
});
