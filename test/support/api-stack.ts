import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import type { Express } from 'express';
import { createApp } from '../../api/app';
import { TokenRegistry } from '../../api/auth';
import type { Role } from '../../api/contract';
import { KafkaHealth, type KafkaHealthOptions } from '../../api/kafka-health';
import { createPrometheusRegistry } from '../../api/prometheus';
import { schedulerDeps } from '../../api/scheduler';
import { testTargetPolicyOf } from '../../api/test-targets';
import type { AlertStore } from '../../core/alerts/alert-store';
import { createAlertStore } from '../../core/alerts/create-alert-store';
import { loadConfig, type AppConfig, type SlaThresholds } from '../../core/config';
import { createKafka } from '../../core/kafka/client';
import { KafkaProducer } from '../../core/kafka/producer';
import { SchedulingPreviewer } from '../../core/preview/previewer';
import { createMetricsStore } from '../../core/metrics/create-metrics-store';
import type { MetricsStore } from '../../core/metrics/metrics-store';
import { connectTemporalClient } from '../../core/temporal/client';
import { ensureDemoDatabase } from '../../devstack/demo-data';
import { connectWorkerConnection } from '../../worker/create-worker';
import { runExportWorker } from './export-harness';
import { uniqueName } from './names';
import { runtimeConfigOf } from './runtime-config';

/** One token per role, generated per run. */
export type StackTokens = Record<Role, string>;

export interface ApiStack {
  config: AppConfig;
  client: Client;
  app: Express;
  metrics: MetricsStore;
  alerts: AlertStore;
  /** The SLA thresholds the app sends in `/api/session` (the environment's ALERT_* variables). */
  sla: SlaThresholds;
  producer: KafkaProducer;
  tokens: StackTokens;
  /** `Authorization` header of a role's token. */
  bearer(role: Role): { Authorization: string };
  /** Serves the app on a free loopback port; the URL without a trailing slash. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/**
 * The API on real services, as `npm start` builds it, isolated for one test file: its own task
 * queue with a real worker in this process, an `orders` SQLite source of `rows` rows (plus any
 * `extraSources`), `files` (allowed output folders) and a SQLite metrics store in a temporary folder.
 */
export async function startApiStack(
  options: {
    rows?: number;
    health?: KafkaHealthOptions;
    extraSources?: AppConfig['sources'];
    files?: AppConfig['files'];
    /** Where the worker reads its SMTP and alert settings. @default process.env */
    workerEnv?: NodeJS.ProcessEnv;
  } = {},
): Promise<ApiStack> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pstt-api-'));
  const dbFile = path.join(dir, 'orders.db');
  ensureDemoDatabase(dbFile, options.rows ?? 100_000);
  const base = loadConfig();
  const metricsUrl = `sqlite:${path.join(dir, 'metrics.db')}`;
  // The worker records its sends where the API reads them, as with one PSTT_METRICS_URL in production.
  const config: AppConfig = {
    ...base,
    temporal: { ...base.temporal, task_queue: uniqueName('pstt-api-queue') },
    sources: { orders: { url: `sqlite:${dbFile}` }, ...options.extraSources },
    metrics: { ...base.metrics, url: metricsUrl },
    files: options.files ?? base.files,
  };
  const tokens: StackTokens = { read: uniqueName('read'), operate: uniqueName('operate'), admin: uniqueName('admin') };
  const client = await connectTemporalClient(config.temporal);
  const connection: NativeConnection = await connectWorkerConnection(config);
  const worker = await runExportWorker({ config, connection, env: options.workerEnv });
  const metrics = createMetricsStore(metricsUrl);
  const alerts = createAlertStore(metricsUrl);
  const producer = new KafkaProducer(createKafka(config.kafka), { observer: (r) => metrics.record(r) });
  await producer.connect();
  const scheduler = schedulerDeps(client, config);
  const preview = new SchedulingPreviewer(config, createKafka(config.kafka));
  const { sla } = runtimeConfigOf(config);
  const app = createApp({
    auth: new TokenRegistry((Object.keys(tokens) as Role[]).map((role) => ({ name: role, role, token: tokens[role] }))),
    health: new KafkaHealth(createKafka(config.kafka), producer, options.health ?? { cacheMs: 0 }),
    producer,
    kafka: createKafka(config.kafka),
    testTargets: testTargetPolicyOf(config),
    ...scheduler,
    preview,
    metrics,
    prometheus: createPrometheusRegistry(metrics, scheduler.runs),
    alerts,
    sla,
  });
  let server: Server | undefined;

  return {
    config,
    client,
    app,
    metrics,
    alerts,
    sla,
    producer,
    tokens,
    bearer: (role) => ({ Authorization: `Bearer ${tokens[role]}` }),
    listen: () =>
      new Promise((resolve) => {
        server = app.listen(0, '127.0.0.1', () =>
          resolve(`http://127.0.0.1:${(server!.address() as AddressInfo).port}`),
        );
      }),
    async close() {
      server?.closeAllConnections();
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
      await worker.stop();
      await preview.close();
      await producer.disconnect();
      await metrics.close();
      await alerts.close();
      await client.connection.close();
      await connection.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
