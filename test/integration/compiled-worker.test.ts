import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { loadConfig } from '../../core/config';
import type { ExportJobInput } from '../../core/job';
import { countMessages, ensureTopic } from '../../core/kafka/topics';
import { WORKFLOW_BUNDLE_FILE } from '../../core/paths';
import { connectTemporalClient } from '../../core/temporal/client';
import { ensureDemoDatabase } from '../../devstack/demo-data';
import { ensureBuilt, staleReason } from '../../scripts/build';
import { spawnWorkerProcess } from '../../worker/spawn-worker';
import { consumeMessages, deleteTopic, testKafka } from '../support/kafka';
import { uniqueName } from '../support/names';
import { makeScheduling } from '../support/scheduling';
import { writeWorkerConfig } from '../support/worker-config';
import { exited } from '../support/child-process';
import { exportJob } from '../../workflows';

const ROWS = 3_000;

/**
 * Issue 13 item 3: what `npm start`, the Docker image and the service units run. `npm run build`
 * (built here when dist/ is stale) compiles the app and bundles the workflows once; the compiled
 * worker (`node dist/worker/main.js`, no tsx) loads that bundle and runs a real export, through its
 * row thread (dist/activities/row-thread.js), from SQLite to Kafka.
 */
describe('the compiled worker and its prebuilt workflow bundle (real worker process, Temporal, Kafka)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'build-compiled-'));
  const logFile = path.join(dir, 'worker.log');
  const dbFile = path.join(dir, 'orders.db');
  const kafka = testKafka();
  const topic = uniqueName('build-compiled');
  let client: Client;
  let worker: ChildProcess | undefined;

  beforeAll(async () => {
    await ensureBuilt(() => undefined);
    ensureDemoDatabase(dbFile, ROWS);
    client = await connectTemporalClient(loadConfig().temporal);
    await ensureTopic(kafka, topic, 3);
  }, 300_000);

  afterAll(async () => {
    if (worker) {
      worker.kill('SIGKILL');
      await exited(worker);
    }
    await client.connection.close();
    await deleteTopic(kafka, topic).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the build is current: its recorded source hash is that of the sources, and another hash is stale', () => {
    expect(staleReason()).toBeNull();
    expect(fs.statSync(WORKFLOW_BUNDLE_FILE).size).toBeGreaterThan(0);
    expect(staleReason('0'.repeat(64))).toBe('sources changed since the last build');
  });

  it('exports every row through dist/worker/main.js with the prebuilt bundle, and runs no TypeScript', async () => {
    const taskQueue = uniqueName('build-compiled-queue');
    const configFile = writeWorkerConfig(path.join(dir, 'temporal.yaml'), {
      taskQueue,
      sources: { orders: { url: `sqlite:${dbFile}` } },
      kafka: { row_thread: true },
      more: { metrics: { url: `sqlite:${path.join(dir, 'metrics.db')}` } },
    });
    // At info, 'worker started' says where its workflows came from.
    worker = spawnWorkerProcess(configFile, logFile, 'w', { mode: 'compiled', env: { LOG_LEVEL: 'info' } });
    const cmdline = fs.readFileSync(`/proc/${worker.pid}/cmdline`, 'utf8').split('\0');
    expect(cmdline).toContain(path.join(path.dirname(WORKFLOW_BUNDLE_FILE), 'worker', 'main.js'));
    expect(cmdline.join(' ')).not.toMatch(/tsx|\.ts\b/);

    const input: ExportJobInput = {
      scheduling: makeScheduling({
        name: uniqueName('build-compiled'),
        schedule: { every: '1h' },
        source: 'orders',
        query: 'SELECT order_id, customer, amount, status, created_at FROM orders ORDER BY order_id',
        export_format: 'kafka',
        retry: { max_attempts: 1 },
        kafka_config: { topic, message_key_field: 'order_id', resume_key: ['order_id'], batch_size: 200 },
      }),
    };
    const handle = await client.workflow.start(exportJob, {
      taskQueue,
      workflowId: uniqueName('build-compiled-run'),
      args: [input],
    });
    const result = await handle.result();

    expect(result).toMatchObject({ rows: ROWS, messages: ROWS });
    expect(await countMessages(kafka, topic)).toBe(ROWS);
    const keys = (await consumeMessages(kafka, topic, ROWS)).map((m) => Number(m.key!.toString()));
    expect(new Set(keys).size).toBe(ROWS);
    expect(Math.min(...keys)).toBe(1);
    expect(Math.max(...keys)).toBe(ROWS);

    worker.kill('SIGTERM');
    await exited(worker);
    expect(worker.exitCode).toBe(0);
    const started = fs
      .readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'worker started');
    expect(started).toMatchObject({ taskQueue, workflows: 'prebuilt bundle' });
  });
});
