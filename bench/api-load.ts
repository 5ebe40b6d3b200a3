import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { createApp } from '../api/app';
import { TokenRegistry } from '../api/auth';
import { KafkaHealth } from '../api/kafka-health';
import { createPrometheusRegistry } from '../api/prometheus';
import { schedulerDeps } from '../api/scheduler';
import { alertStoreOn } from '../core/alerts/create-alert-store';
import { loadRuntimeConfig } from '../core/config';
import { createKafka } from '../core/kafka/client';
import { KafkaProducer } from '../core/kafka/producer';
import type { MetricsSummary } from '../core/metrics/metrics-store';
import { closeStoreDb, openConfiguredStoreDb } from '../core/store/store-db';
import { connectTemporalClient } from '../core/temporal/client';
import { parseApiLoadOptions } from './api-load-options';
import { openBenchMetricsStore } from './bench-metrics-store';
import { formatLoadResults, runLoad, type LoadResult } from './load-run';
import { RECORDS_PER_MINUTE, SEED_DAYS, SENDS_PER_SECOND, seedMetrics } from './seed-metrics';

/**
 * `npm run bench:api [-- --store postgres --duration 10 --connections 20]`: the real API (real Kafka
 * health, real Temporal, the metrics store seeded with 30 days at 100 sends a second) under concurrent
 * load, one endpoint at a time so that they do not share the CPU.
 */
const MB = 1024 * 1024;
/** Every row is younger than this, so cleanup deletes nothing and only reports rows and size. */
const KEEP_ALL_DAYS = 3650;

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => resolve((server.address() as AddressInfo).port));
  });
}

async function main(): Promise<void> {
  const options = parseApiLoadOptions();
  const { app: config, sla, secrets } = loadRuntimeConfig(undefined, process.env, { secrets: ['kafka', 'metrics'] });
  const bench = openBenchMetricsStore(options.store);
  const { store } = bench;
  const kafka = createKafka(config.kafka, config.baseDir, secrets.kafkaSaslPassword);
  const producer = new KafkaProducer(kafka, {
    sendTimeoutMs: config.kafka.send_timeout_ms,
    observer: (r) => store.record(r),
  });
  const alertsDb = openConfiguredStoreDb(config, secrets.metricsPassword);
  const alerts = alertStoreOn(alertsDb);
  let temporal: Awaited<ReturnType<typeof connectTemporalClient>> | undefined;
  let server: Server | undefined;
  try {
    const cpu = os.cpus()[0]?.model ?? 'unknown';
    process.stdout.write(`machine: ${os.cpus().length} cores (${cpu}), node ${process.version}\n`);
    process.stdout.write(`store: ${options.store} (${bench.where})\n`);
    const seed = await seedMetrics(store, new Date());
    const stored = await store.cleanup(KEEP_ALL_DAYS);
    process.stdout.write(
      `seeded ${SEED_DAYS} days at ${SENDS_PER_SECOND} sends/s: ${seed.records.toLocaleString('en-US')} records ` +
        `(${RECORDS_PER_MINUTE}/min standing for ${seed.sends.toLocaleString('en-US')} sends) ` +
        `in ${seed.seconds.toFixed(1)} s; ` +
        `${stored.remaining.toLocaleString('en-US')} rows, ${(stored.store_bytes / MB).toFixed(1)} MB\n`,
    );

    // The API's own deps (api/api-deps.ts) around the seeded store instead of the configured one.
    await producer.connect();
    temporal = await connectTemporalClient(config.temporal);
    const scheduler = schedulerDeps(temporal, config);
    const token = randomBytes(24).toString('hex');
    const app = createApp({
      alerts,
      sla,
      auth: new TokenRegistry([{ name: 'bench-read', role: 'read', token }]),
      health: new KafkaHealth(kafka, producer, {
        degradedBy: () => (store.state().degraded ? `metrics store cannot write: ${store.state().lastError}` : null),
      }),
      producer,
      kafka,
      ...scheduler,
      metrics: store,
      prometheus: createPrometheusRegistry(store, scheduler.runs),
    });
    server = app.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${await listen(server)}`;
    const auth = { authorization: `Bearer ${token}` };

    // One call each first: a wrong answer would make the figures meaningless.
    const health = await fetch(`${base}/api/kafka/health`);
    process.stdout.write(`health: ${health.status} ${await health.text()}\n`);
    const summaryStarted = performance.now();
    const summaryRes = await fetch(`${base}/api/kafka/metrics/summary?period=30d`, { headers: auth });
    const summary = (await summaryRes.json()) as MetricsSummary;
    process.stdout.write(
      `summary?period=30d: ${summaryRes.status} in ${(performance.now() - summaryStarted).toFixed(1)} ms, ` +
        `${summary.total_messages.toLocaleString('en-US')} messages, success ${summary.success_rate}%, ` +
        `p50 ${summary.p50_latency_ms} ms, p99 ${summary.p99_latency_ms} ms\n`,
    );

    process.stdout.write(`load: ${options.duration} s per endpoint, ${options.connections} connections\n`);
    const targets = [
      { label: 'GET /api/kafka/health', url: `${base}/api/kafka/health` },
      {
        label: 'GET /api/kafka/metrics/summary?period=30d',
        url: `${base}/api/kafka/metrics/summary?period=30d`,
        headers: auth,
      },
    ];
    const results: LoadResult[] = [];
    for (const target of targets) results.push(await runLoad(target, options.duration, options.connections));
    process.stdout.write(`\n${formatLoadResults(results)}\n`);
  } finally {
    const open = server;
    if (open) await new Promise<void>((resolve) => open.close(() => resolve()));
    await producer.disconnect().catch(() => undefined);
    await temporal?.connection.close().catch(() => undefined);
    await alerts.close();
    await closeStoreDb(alertsDb);
    await bench.dispose();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
