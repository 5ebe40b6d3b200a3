/**
 * Gathers what the daily health check judges: the PSTT API (health, metrics, history, its own
 * memory from its Prometheus output), the workers polling the task queue (Temporal), this host's
 * disk and the metrics store. Pure Node: no shell tools, so it runs the same on Linux and Windows.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AppConfig } from '../../core/config';
import { PostgresMetricsStore } from '../../core/metrics/postgres-metrics-store';
import { storeLocationOf } from '../../core/store/store-location';
import { redactUrl } from '../../core/errors';
import { connectTemporalClient } from '../../core/temporal/client';
import { taskQueuePollers } from '../../core/temporal/task-queue-pollers';
import { ApiClient } from './api-client';
import type {
  DiskSeen,
  HealthObservations,
  KafkaHealthSeen,
  MetricsStoreSeen,
  ProcessMemorySeen,
  Probe,
  RunsSeen,
  SummarySeen,
  WorkersSeen,
} from './health-check';
import { parseWorkerIdentity, prometheusValue, readProcessRss } from './process-memory';

export interface HealthProbeOptions {
  config: Pick<AppConfig, 'temporal' | 'metrics' | 'baseDir'>;
  /** The metrics store's password, resolved by the runtime config (`secrets.metricsPassword`). */
  metricsPassword?: string;
  /** Base URL of the PSTT API. */
  apiUrl: string;
  /** A token with the read role; without one the protected endpoints are reported unavailable. */
  token?: string;
  /** Folder whose disk is checked (the data folder). */
  dataDir: string;
  /** Deadline of each HTTP request. @default 10000 */
  timeoutMs?: number;
  now?: Date;
}

interface RunSeen {
  status: string;
  export_format: string | null;
  scheduling_name: string | null;
}

const DAY_MS = 24 * 3600 * 1000;

async function probe<T>(work: () => Promise<T>): Promise<Probe<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

async function kafkaRuns(api: ApiClient, since: Date): Promise<RunsSeen> {
  const query = `since=${encodeURIComponent(since.toISOString())}&limit=1000`;
  const [failed, all] = await Promise.all([
    api.get<RunSeen[]>(`/api/scheduler/history?status=error&${query}`, { auth: true }),
    api.get<RunSeen[]>(`/api/scheduler/history?${query}`, { auth: true }),
  ]);
  // The runbook's check counts Kafka runs only; CSV and Excel failures are the alerts' business.
  const failedKafka = failed.filter((r) => r.export_format === 'kafka');
  return {
    failed: failedKafka.length,
    total: all.filter((r) => r.export_format === 'kafka' && r.status !== 'running').length,
    failedSchedulings: failedKafka.map((r) => r.scheduling_name ?? '(unknown)'),
  };
}

async function apiRss(api: ApiClient): Promise<number> {
  const text = await api.get<string>('/api/kafka/metrics/prometheus', { auth: true, text: true });
  const rss = prometheusValue(text, 'process_resident_memory_bytes');
  if (rss === null) throw new Error('process_resident_memory_bytes missing from the Prometheus output');
  return rss;
}

async function workers(config: HealthProbeOptions['config'], now: Date): Promise<WorkersSeen> {
  const client = await connectTemporalClient(config.temporal);
  try {
    return {
      taskQueue: config.temporal.task_queue,
      identities: await taskQueuePollers(client, config.temporal.task_queue, now),
    };
  } finally {
    await client.connection.close();
  }
}

/** Workers on this host are measured through their pid; others cannot be, and say where they run. */
function workerMemory(identity: string): ProcessMemorySeen {
  const label = `worker ${identity}`;
  const parsed = parseWorkerIdentity(identity);
  if (!parsed) return { label, rssBytes: null, reason: 'its identity names no process' };
  if (parsed.host !== os.hostname())
    return { label, rssBytes: null, reason: `runs on ${parsed.host}, not on this host` };
  const reading = readProcessRss(parsed.pid);
  return reading.rssBytes === null
    ? { label, rssBytes: null, reason: reading.reason }
    : { label, rssBytes: reading.rssBytes };
}

async function disk(dir: string): Promise<DiskSeen> {
  // The data folder may not exist yet: its disk is the one of its nearest existing parent.
  let at = path.resolve(dir);
  while (!fs.existsSync(at) && path.dirname(at) !== at) at = path.dirname(at);
  const s = await fs.promises.statfs(at);
  return { path: at, freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
}

async function metricsStoreSize(
  config: HealthProbeOptions['config'],
  metricsPassword: string | undefined,
): Promise<MetricsStoreSeen> {
  const location = storeLocationOf(config.metrics.url, {
    baseDir: config.baseDir,
    passwordEnv: config.metrics.password_env,
    password: metricsPassword,
  });
  if (location.kind === 'sqlite') {
    // Stat the files rather than open the database: the check must not create or lock it.
    if (!fs.existsSync(location.file)) throw new Error(`no metrics store at ${location.file}`);
    const size = (f: string) => (fs.existsSync(f) ? fs.statSync(f).size : 0);
    return { location: location.file, bytes: size(location.file) + size(`${location.file}-wal`) };
  }
  const store = new PostgresMetricsStore({ url: location.url, password: location.password, maxConnections: 1 });
  try {
    return { location: `${redactUrl(location.url)} (${store.table})`, bytes: await store.storeBytes() };
  } finally {
    await store.close();
  }
}

/** Runs every probe (in parallel); a probe that fails is reported as such, never thrown. */
export async function gatherHealth(options: HealthProbeOptions): Promise<HealthObservations> {
  const now = options.now ?? new Date();
  const api = new ApiClient({ baseUrl: options.apiUrl, token: options.token, timeoutMs: options.timeoutMs });
  const [healthz, kafka, summary, runs, rss, pollers, diskSeen, store] = await Promise.all([
    probe(async () => {
      await api.get('/healthz');
      return true as const;
    }),
    // 503 is the unhealthy answer, with the same body; with a token it carries last_error.
    probe(() =>
      api.get<KafkaHealthSeen>('/api/kafka/health', { accept: [200, 503], auth: options.token !== undefined }),
    ),
    probe(() => api.get<SummarySeen>('/api/kafka/metrics/summary?period=today', { auth: true })),
    probe(() => kafkaRuns(api, new Date(now.getTime() - DAY_MS))),
    probe(() => apiRss(api)),
    probe(() => workers(options.config, now)),
    probe(() => disk(options.dataDir)),
    probe(() => metricsStoreSize(options.config, options.metricsPassword)),
  ]);
  const memory: ProcessMemorySeen[] = [
    rss.ok ? { label: 'API', rssBytes: rss.value } : { label: 'API', rssBytes: null, reason: rss.error },
    ...(pollers.ok ? pollers.value.identities.map(workerMemory) : []),
  ];
  return {
    checkedAt: now,
    apiUrl: options.apiUrl,
    api: healthz,
    kafka,
    summary,
    runs,
    workers: pollers,
    memory,
    disk: diskSeen,
    metricsStore: store,
  };
}
