import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import Database from 'better-sqlite3';
import { loadConfig } from '../../core/config';
import type { ExportJobInput, ExportResult } from '../../core/job';
import { ensureTopic } from '../../core/kafka/topics';
import { connectTemporalClient } from '../../core/temporal/client';
import { spawnWorkerProcess } from '../../worker/spawn-worker';
import { writeWorkerConfig } from '../support/worker-config';
import { deleteTopic, testKafka } from '../support/kafka';
import { uniqueName } from '../support/names';
import { makeScheduling } from '../support/scheduling';
import { exited } from '../support/child-process';
import { exportJob } from '../../workflows';

type Failure = Error & { type?: string; nonRetryable?: boolean; details?: unknown[] };

const BLOB_BYTES = 200 * 1024 * 1024;

/**
 * Issue 11 item 7: a 200 MB BLOB row in a worker with the default 256 MB heap. Writing it to a CSV file
 * runs the worker out of memory (SIGABRT) on every attempt, a crash loop; a Kafka export of it ended in
 * MessageTooLargeError only after serialising it. It must instead fail the run once, not retryably,
 * naming the row, before serialising it, and the worker (a real worker process) must carry on.
 */
describe('a row over the worker heap budget (real worker process, Temporal, Kafka, SQLite)', () => {
  const kafka = testKafka();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bnd-row-budget-'));
  const dbFile = path.join(dir, 'blobs.db');
  const logFile = path.join(dir, 'worker.log');
  const topic = uniqueName('bnd-row-budget');
  const taskQueue = uniqueName('bnd-row-budget-queue');
  let client: Client;
  let worker: ChildProcess;

  beforeAll(async () => {
    const db = new Database(dbFile);
    db.exec('CREATE TABLE blobs (id TEXT PRIMARY KEY, data BLOB)');
    db.prepare('INSERT INTO blobs VALUES (?, ?)').run('a', Buffer.from('small'));
    db.prepare('INSERT INTO blobs VALUES (?, zeroblob(?))').run('big', BLOB_BYTES);
    db.close();
    await ensureTopic(kafka, topic, 1);
    const base = loadConfig();
    const configFile = writeWorkerConfig(path.join(dir, 'temporal.yaml'), {
      taskQueue,
      sources: { blobs: { url: `sqlite:${dbFile}` } },
      more: {
        metrics: { url: `sqlite:${path.join(dir, 'metrics.db')}` },
        files: { allowed_roots: [path.join(dir, 'out')] },
      },
    });
    client = await connectTemporalClient(base.temporal);
    worker = spawnWorkerProcess(configFile, logFile, 'w');
  });

  afterAll(async () => {
    if (worker.exitCode === null && worker.signalCode === null) {
      worker.kill('SIGKILL');
      await exited(worker);
    }
    await client.connection.close();
    await deleteTopic(kafka, topic).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The run's outcome, or an error at once when the worker process dies meanwhile. */
  async function run(query: string, format: 'kafka' | 'csv' = 'kafka'): Promise<ExportResult> {
    const scheduling = makeScheduling({
      name: uniqueName('bnd-row-budget'),
      schedule: { every: '1h' },
      source: 'blobs',
      query,
      export_format: format,
      retry: { max_attempts: 3, initial_backoff: '1s' },
      ...(format === 'kafka'
        ? { kafka_config: { topic, message_key_field: 'id' } }
        : { file_config: { output_dir: path.join(dir, 'out') } }),
    });
    const input: ExportJobInput = { scheduling };
    const handle = await client.workflow.start(exportJob, {
      taskQueue,
      workflowId: uniqueName('bnd-row-budget-run'),
      args: [input],
    });
    const died = exited(worker).then(() => {
      throw new Error(`the worker exited (code ${worker.exitCode}, signal ${worker.signalCode}); see ${logFile}`);
    });
    return Promise.race([handle.result(), died]);
  }

  it('fails the run once, not retryably, naming the key and the size, and the worker carries on', async () => {
    const error = await run('SELECT id, data FROM blobs ORDER BY id').then(
      () => new Error('expected the export to fail'),
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause?.cause as Failure;
    expect(cause.type).toBe('RowTooLargeError');
    expect(cause.nonRetryable).toBe(true);
    expect(cause.message).toMatch(
      new RegExp(`^row 2 \\(key "big"\\) holds ${BLOB_BYTES + 3} bytes, over the \\d+-byte budget`),
    );
    expect(cause.details).toEqual([{ attempt: 1 }]);
    expect(worker.exitCode).toBeNull();
    expect(worker.signalCode).toBeNull();

    const result = await run("SELECT id, data FROM blobs WHERE id = 'a'");
    expect(result).toMatchObject({ rows: 1, attempts: 1 });
  });

  it('fails a CSV export of that row the same way, naming its number', async () => {
    const error = await run('SELECT id, data FROM blobs ORDER BY id', 'csv').then(
      () => new Error('expected the export to fail'),
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause?.cause as Failure;
    expect(cause).toMatchObject({ type: 'RowTooLargeError', nonRetryable: true, details: [{ attempt: 1 }] });
    expect(cause.message).toMatch(new RegExp(`^row 2 holds ${BLOB_BYTES + 3} bytes, over the \\d+-byte budget`));
    expect(worker.exitCode).toBeNull();
  });

  it('stops on SIGTERM and exits 0', async () => {
    worker.kill('SIGTERM');
    await exited(worker);
    expect({ code: worker.exitCode, signal: worker.signalCode }).toEqual({ code: 0, signal: null });
  });
});
