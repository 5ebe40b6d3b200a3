import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { ExportJobInput } from '../../core/job';
import { countMessages, ensureTopic } from '../../core/kafka/topics';
import type { SinkManifest } from '../../core/sinks/manifest';
import { consumeMessages } from '../support/kafka';
import { uniqueName } from '../support/names';
import { OrdersExportHarness } from '../support/orders-export';
import { makeScheduling } from '../support/scheduling';
import { exited } from '../support/child-process';
import { exportJob } from '../../workflows';

const ROWS = 40_000;

describe('several sinks: a worker dies mid-run, after Kafka acknowledged a prefix and before the file was published', () => {
  const h = new OrdersExportHarness('sink-resume', ROWS);
  const { kafka } = h;

  beforeAll(() => h.setUp());
  afterEach(() => h.killWorkers());
  afterAll(() => h.tearDown());

  it('the retry rewrites the file from the first row and resumes Kafka after its checkpoint; the manifests hold the whole run', async () => {
    const outputDir = path.join(h.dir, 'out');
    const { configFile, taskQueue } = h.config(h.dbFile, {}, { sections: { files: { allowed_roots: [h.dir] } } });
    const topic = uniqueName('sink-resume');
    // One partition: the consumer reads the values in the order they were sent.
    await ensureTopic(kafka, topic, 1);
    const scheduling = makeScheduling({
      name: uniqueName('sink-resume'),
      schedule: { every: '1h' },
      source: 'orders',
      query: 'SELECT order_id, customer, amount, status, created_at FROM orders ORDER BY order_id',
      export_format: 'kafka',
      retry: { max_attempts: 5, initial_backoff: '1s' },
      sinks: [
        { kafka_config: { topic, message_key_field: 'order_id', resume_key: ['order_id'], batch_size: 100 } },
        { format: 'csv', file_config: { output_dir: outputDir, file_name: 'sink_resume' } },
      ],
    });
    const first = h.worker(configFile);
    const input: ExportJobInput = { scheduling };
    const handle = await h.client.workflow.start(exportJob, {
      taskQueue,
      workflowId: uniqueName('sink-resume-run'),
      args: [input],
    });
    await h.waitForOffsets(topic, 10_000);
    first.kill('SIGKILL');
    await exited(first);
    const atKill = await countMessages(kafka, topic);
    expect(atKill).toBeLessThan(ROWS);
    // Nothing published yet: only the dead attempt's temporary file.
    expect(fs.readdirSync(outputDir).filter((f) => !f.endsWith('.partial'))).toEqual([]);

    h.worker(configFile);
    const result = await handle.result();
    expect(result).toMatchObject({ rows: ROWS, attempts: 2 });
    const [kafkaManifest, fileManifest] = result.sinks as [SinkManifest, SinkManifest];

    // Kafka: every row, and only what followed the checkpoint twice (not the whole prefix again).
    const total = await countMessages(kafka, topic);
    const messages = await consumeMessages(kafka, topic, total, 120_000);
    const firstOfEach = new Map<number, Buffer>();
    for (const m of [...messages].sort((a, b) => Number(BigInt(a.offset) - BigInt(b.offset)))) {
      const id = Number(m.key!.toString());
      if (!firstOfEach.has(id)) firstOfEach.set(id, m.value!);
    }
    expect(firstOfEach.size).toBe(ROWS);
    expect(total - ROWS).toBeLessThan(atKill);
    // The manifest describes the run's stream without the at-least-once repeats, in the query's order.
    const ordered = [...firstOfEach.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
    const joined = Buffer.concat(ordered);
    expect(kafkaManifest).toMatchObject({
      rows: ROWS,
      bytes: joined.length,
      sha256: createHash('sha256').update(joined).digest('hex'),
      first_key: [1],
      last_key: [ROWS],
    });

    // The file: every row exactly once, its manifest sha256sum's.
    const file = fileManifest.target;
    const records = parse<Record<string, string>>(fs.readFileSync(file), { columns: true });
    expect(records).toHaveLength(ROWS);
    expect(new Set(records.map((r) => r.order_id)).size).toBe(ROWS);
    expect(fileManifest).toMatchObject({
      rows: ROWS,
      sha256: execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0],
    });
    expect(JSON.parse(fs.readFileSync(`${file}.manifest.json`, 'utf8'))).toEqual(fileManifest);
    expect(
      fs
        .readdirSync(outputDir)
        .filter((f) => !f.endsWith('.partial'))
        .sort(),
    ).toEqual(['sink_resume.csv', 'sink_resume.csv.manifest.json']);
  });
});
