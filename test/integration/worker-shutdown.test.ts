import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { loadConfig } from '../../core/config';
import type { ExportJobInput } from '../../core/job';
import { ensureTopic } from '../../core/kafka/topics';
import { connectTemporalClient } from '../../core/temporal/client';
import { devPostgresUrl } from '../../devstack/postgres-server';
import { spawnWorkerProcess } from '../../worker/spawn-worker';
import { writeWorkerConfig } from '../support/worker-config';
import { deleteTopic, testKafka } from '../support/kafka';
import { uniqueName } from '../support/names';
import { makeScheduling } from '../support/scheduling';
import { exited } from '../support/child-process';
import { exportJob } from '../../workflows';

const POSTGRES_URL = process.env.PSTT_TEST_POSTGRES_URL ?? devPostgresUrl('pstt_test');

/**
 * Issue 11 item 7: SIGTERM never hangs a worker. Its export is stuck in a source read that ignores
 * cancellation (a query waiting for a lock the test holds); the worker still exits, with code 1, once
 * its shutdown force time has passed. Without it the process waits for the read forever.
 */
describe('worker stop with an export blocked in a read (real worker process, Temporal, PostgreSQL)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bnd-shutdown-'));
  const logFile = path.join(dir, 'worker.log');
  const kafka = testKafka();
  const topic = uniqueName('bnd-shutdown');
  let client: Client;
  let locker: PgClient;

  beforeAll(async () => {
    client = await connectTemporalClient(loadConfig().temporal);
    locker = new PgClient({ connectionString: POSTGRES_URL });
    await locker.connect();
    await ensureTopic(kafka, topic, 1);
  });

  afterAll(async () => {
    await locker.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
    await locker.end();
    await client.connection.close();
    await deleteTopic(kafka, topic).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('exits 1 after its force time instead of waiting for the read', async () => {
    const taskQueue = uniqueName('bnd-shutdown-queue');
    const configFile = writeWorkerConfig(path.join(dir, 'temporal.yaml'), {
      taskQueue,
      sources: { pg: { url: POSTGRES_URL } },
      more: { metrics: { url: `sqlite:${path.join(dir, 'metrics.db')}` } },
    });
    const key = 2_000_000 + Math.floor(Math.random() * 1_000_000);
    await locker.query('SELECT pg_advisory_lock($1)', [key]);
    const worker = spawnWorkerProcess(configFile, logFile, 'w');
    const workflowId = uniqueName('bnd-shutdown-run');
    try {
      const input: ExportJobInput = {
        scheduling: makeScheduling({
          name: uniqueName('bnd-shutdown'),
          schedule: { every: '1h' },
          source: 'pg',
          query: `WITH gate AS (SELECT pg_advisory_xact_lock_shared(${key})) SELECT g AS id FROM gate, generate_series(1, 5) g ORDER BY g`,
          export_format: 'kafka',
          kafka_config: { topic },
        }),
      };
      await client.workflow.start(exportJob, { taskQueue, workflowId, args: [input] });
      for (let i = 0; ; i++) {
        const { rows } = await locker.query<{ n: string }>(
          "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = $1 AND NOT granted",
          [key],
        );
        if (Number(rows[0]!.n) === 1) break;
        if (i > 600 || worker.exitCode !== null) throw new Error(`the export never reached its read; see ${logFile}`);
        await sleep(100);
      }
      worker.kill('SIGTERM');
      await exited(worker);
      expect({ code: worker.exitCode, signal: worker.signalCode }).toEqual({ code: 1, signal: null });
      expect(fs.readFileSync(logFile, 'utf8')).toMatch(/GracefulShutdownPeriodExpiredError/);
    } finally {
      if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
      await locker.query('SELECT pg_advisory_unlock_all()');
      await client.workflow
        .getHandle(workflowId)
        .terminate('test over')
        .catch(() => undefined);
    }
  });
});
