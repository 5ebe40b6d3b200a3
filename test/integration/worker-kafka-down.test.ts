import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { loadConfig } from '../../core/config';
import type { ExportJobInput } from '../../core/job';
import { countMessages, ensureTopic } from '../../core/kafka/topics';
import { connectTemporalClient } from '../../core/temporal/client';
import { runningExports } from '../../core/temporal/running-exports';
import { ensureDemoDatabase } from '../../devstack/demo-data';
import { spawnWorkerProcess } from '../../worker/spawn-worker';
import { writeWorkerConfig } from '../support/worker-config';
import { deleteTopic, testKafka } from '../support/kafka';
import { uniqueName } from '../support/names';
import { makeScheduling } from '../support/scheduling';
import { TcpProxy } from '../support/tcp-proxy';
import { freePort } from '../support/ports';
import { exited } from '../support/child-process';
import { exportJob } from '../../workflows';

const ROWS = 2_000;

/**
 * The worker's only route to Kafka is a port that refuses connections at start, like a stopped
 * broker's; opening a proxy on it to the shared broker brings "Kafka" back without stopping the
 * broker other tests use. (Once bootstrapped, clients reach the broker at its advertised address;
 * what this exercises is the start with no broker and the first connection after it returns.)
 */
describe('a worker started while Kafka is down', () => {
  const kafka = testKafka();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wtc-kafka-down-'));
  const dbFile = path.join(dir, 'orders.db');
  const outputDir = path.join(dir, 'exports');
  const logFile = path.join(dir, 'worker.log');
  const topic = uniqueName('wtc-kafka-down');
  let client: Client;
  let proxy: TcpProxy;
  let worker: ChildProcess | undefined;

  beforeAll(async () => {
    ensureDemoDatabase(dbFile, ROWS);
    client = await connectTemporalClient(loadConfig().temporal);
    const [host, port] = loadConfig().kafka.bootstrap_servers[0]!.split(':');
    proxy = new TcpProxy(await freePort(), { host: host!, port: Number(port) });
    await ensureTopic(kafka, topic, 3);
  });

  afterAll(async () => {
    if (worker) {
      worker.kill('SIGKILL');
      await exited(worker);
    }
    await proxy.close();
    await client.connection.close();
    await deleteTopic(kafka, topic).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('starts and polls: a CSV export runs, and a Kafka export retries until the broker is back, then succeeds', async () => {
    const taskQueue = uniqueName('wtc-kafka-down-queue');
    const configFile = writeWorkerConfig(path.join(dir, 'config.yaml'), {
      taskQueue,
      kafka: { bootstrap_servers: [`127.0.0.1:${proxy.port}`], send_timeout_ms: 5_000 },
      sources: { orders: { url: `sqlite:${dbFile}` } },
      more: { files: { allowed_roots: [outputDir] } },
    });
    worker = spawnWorkerProcess(configFile, logFile);
    const common = {
      schedule: { every: '1h' as const },
      source: 'orders',
      query: 'SELECT order_id, customer, amount FROM orders ORDER BY order_id',
    };

    const csv = makeScheduling({
      ...common,
      name: uniqueName('wtc-down-csv'),
      export_format: 'csv',
      file_config: { output_dir: outputDir },
    });
    const csvInput: ExportJobInput = { scheduling: csv };
    const csvRun = await client.workflow.start(exportJob, {
      taskQueue,
      workflowId: uniqueName('wtc-down-csv'),
      args: [csvInput],
    });
    const csvResult = await csvRun.result();
    expect(csvResult.rows).toBe(ROWS);
    expect(worker.exitCode).toBeNull();

    const kafkaScheduling = makeScheduling({
      ...common,
      name: uniqueName('wtc-down-kafka'),
      export_format: 'kafka',
      retry: { max_attempts: 30, initial_backoff: '1s', max_backoff: '2s' },
      kafka_config: { topic, message_key_field: 'order_id', batch_size: 500 },
    });
    const kafkaInput: ExportJobInput = { scheduling: kafkaScheduling };
    const kafkaRun = await client.workflow.start(exportJob, {
      taskQueue,
      workflowId: uniqueName('wtc-down-kafka'),
      args: [kafkaInput],
    });
    // Failed attempts while the broker is unreachable, retried by Temporal.
    for (let i = 0; ; i++) {
      const [run] = await runningExports(client, taskQueue, [{ workflowId: kafkaRun.workflowId }]);
      if ((run?.attempt ?? 1) >= 2) break;
      if (i > 300) throw new Error(`the Kafka export never retried; see ${logFile}`);
      await sleep(100);
    }
    expect(await countMessages(kafka, topic)).toBe(0);

    await proxy.open();
    const result = await kafkaRun.result();
    expect(result.rows).toBe(ROWS);
    expect(result.attempts).toBeGreaterThanOrEqual(2);
    expect(await countMessages(kafka, topic)).toBe(ROWS);
    expect(worker.exitCode).toBeNull();
  });
});
