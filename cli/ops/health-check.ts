/**
 * The runbook's daily health check ("Health Check Giornaliero", tools/health_check.ps1) as a pure
 * function: observations in, the runbook's ✅ / ⚠️ / ❌ lines and an exit code out. Gathering the
 * observations (HTTP, Temporal, disk) lives in health-probes.ts.
 */
import type { HealthThresholds } from '../../core/config';

/** What one probe found, or why it could not look. */
export type Probe<T> = { ok: true; value: T } | { ok: false; error: string };

export interface KafkaHealthSeen {
  status: string;
  connected: boolean;
  producer_ready: boolean;
  brokers: number;
  /** Only in answers to a request with a token. */
  last_error?: string | null;
}

export interface SummarySeen {
  total_messages: number;
  success_rate: number;
  avg_latency_ms: number;
  p99_latency_ms: number;
}

export interface RunsSeen {
  /** Kafka runs that ended in error in the last 24 hours. */
  failed: number;
  /** Kafka runs started in the last 24 hours (for the failure rate). */
  total: number;
  /** Schedulings of the failed runs, for the operator. */
  failedSchedulings: string[];
}

/** A process whose memory the check looks at. */
export interface ProcessMemorySeen {
  /** `API` or `worker <pid>@<host>`. */
  label: string;
  /** Resident set size in bytes, or null with the reason it could not be read. */
  rssBytes: number | null;
  reason?: string;
}

export interface WorkersSeen {
  taskQueue: string;
  /** Temporal identities (`pid@host`) of the workers polling the task queue. */
  identities: string[];
}

export interface DiskSeen {
  path: string;
  freeBytes: number;
  totalBytes: number;
}

export interface MetricsStoreSeen {
  /** The SQLite file or the PostgreSQL table (never a password). */
  location: string;
  bytes: number;
}

export interface HealthObservations {
  checkedAt: Date;
  apiUrl: string;
  /** GET /healthz answered. */
  api: Probe<true>;
  /** GET /api/kafka/health (200 or 503 both carry the body). */
  kafka: Probe<KafkaHealthSeen>;
  /** GET /api/kafka/metrics/summary?period=today */
  summary: Probe<SummarySeen>;
  /** GET /api/scheduler/history, Kafka runs of the last 24 hours. */
  runs: Probe<RunsSeen>;
  /** Pollers of the task queue, from Temporal. */
  workers: Probe<WorkersSeen>;
  /** The API and each worker process, read or not. */
  memory: ProcessMemorySeen[];
  disk: Probe<DiskSeen>;
  metricsStore: Probe<MetricsStoreSeen>;
}

export type CheckStatus = 'ok' | 'warning' | 'critical';

export interface CheckResult {
  /** Stable key, for --json readers. */
  name:
    'service' | 'worker' | 'kafka' | 'success_rate' | 'latency' | 'failed_runs' | 'memory' | 'disk' | 'metrics_store';
  status: CheckStatus;
  /** The runbook's report lines of this check. */
  lines: string[];
  /** The measured value (a number, or null when it could not be measured). */
  value: number | boolean | null;
}

export interface HealthReport {
  checked_at: string;
  api_url: string;
  status: CheckStatus;
  /** 0 ok, 1 warning, 2 critical. */
  exit_code: 0 | 1 | 2;
  checks: CheckResult[];
  /** Every line, in order, with the closing verdict. */
  lines: string[];
}

const RANK: Record<CheckStatus, number> = { ok: 0, warning: 1, critical: 2 };
const worst = (statuses: CheckStatus[]): CheckStatus =>
  statuses.reduce<CheckStatus>((a, b) => (RANK[b] > RANK[a] ? b : a), 'ok');

const gb = (bytes: number) => (bytes / 1024 ** 3).toFixed(2);
const size = (bytes: number) =>
  bytes < 1024 ** 2 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 ** 2).toFixed(1)} MB`;
const num = (n: number) => String(Math.round(n * 100) / 100);

function serviceCheck(o: HealthObservations): CheckResult {
  if (o.api.ok) return { name: 'service', status: 'ok', lines: ['✅ Servizio: Running'], value: true };
  return {
    name: 'service',
    status: 'critical',
    lines: [`❌ Servizio: API non raggiungibile (${o.api.error})`],
    value: false,
  };
}

function workerCheck(o: HealthObservations): CheckResult {
  if (!o.workers.ok) {
    return {
      name: 'worker',
      status: 'critical',
      lines: [`❌ Worker: stato sconosciuto (${o.workers.error})`],
      value: null,
    };
  }
  const { taskQueue, identities } = o.workers.value;
  if (identities.length === 0) {
    return {
      name: 'worker',
      status: 'critical',
      lines: [`❌ Worker: nessuno in ascolto sulla coda ${taskQueue}`],
      value: 0,
    };
  }
  return {
    name: 'worker',
    status: 'ok',
    lines: [`✅ Worker: ${identities.length} in ascolto sulla coda ${taskQueue}`],
    value: identities.length,
  };
}

function kafkaCheck(o: HealthObservations): CheckResult {
  if (!o.kafka.ok)
    return { name: 'kafka', status: 'critical', lines: [`❌ Kafka: Unreachable (${o.kafka.error})`], value: null };
  const k = o.kafka.value;
  if (!k.connected) {
    const why = k.last_error ? ` (${k.last_error})` : '';
    return { name: 'kafka', status: 'critical', lines: [`❌ Kafka: Disconnected${why}`], value: false };
  }
  if (k.status !== 'healthy') {
    return {
      name: 'kafka',
      status: 'warning',
      lines: [`⚠️ Kafka: Connected, ${k.status}${k.last_error ? ` (${k.last_error})` : ''}`],
      value: true,
    };
  }
  return { name: 'kafka', status: 'ok', lines: ['✅ Kafka: Connected'], value: true };
}

function successRateCheck(o: HealthObservations, t: HealthThresholds): CheckResult {
  if (!o.summary.ok) {
    return {
      name: 'success_rate',
      status: 'critical',
      lines: [`❌ Metriche non disponibili (${o.summary.error})`],
      value: null,
    };
  }
  const s = o.summary.value;
  const lines = [`📊 Messaggi oggi: ${s.total_messages}`, `📊 Success rate: ${num(s.success_rate)}%`];
  let status: CheckStatus = 'ok';
  if (s.success_rate < t.successRate.critical) {
    status = 'critical';
    lines.push(`❌ CRITICAL: Success rate < ${t.successRate.critical}%`);
  } else if (s.success_rate < t.successRate.warning) {
    status = 'warning';
    lines.push(`⚠️ WARNING: Success rate < ${t.successRate.warning}%`);
  }
  return { name: 'success_rate', status, lines, value: s.success_rate };
}

function latencyCheck(o: HealthObservations, t: HealthThresholds): CheckResult {
  if (!o.summary.ok) return { name: 'latency', status: 'critical', lines: ['❌ Latenza non disponibile'], value: null };
  const s = o.summary.value;
  const lines = [`📊 Latenza media: ${num(s.avg_latency_ms)} ms, p99: ${num(s.p99_latency_ms)} ms`];
  const statuses: CheckStatus[] = [];
  if (s.avg_latency_ms > t.avgLatencyWarningMs) {
    statuses.push('warning');
    lines.push('⚠️ WARNING: Alta latenza media');
  }
  if (s.p99_latency_ms > t.latencyP99Ms.critical) {
    statuses.push('critical');
    lines.push(`❌ CRITICAL: Latenza p99 > ${t.latencyP99Ms.critical}ms`);
  } else if (s.p99_latency_ms > t.latencyP99Ms.warning) {
    statuses.push('warning');
    lines.push(`⚠️ WARNING: Latenza p99 > ${t.latencyP99Ms.warning}ms`);
  }
  return { name: 'latency', status: worst(statuses), lines, value: s.p99_latency_ms };
}

function failedRunsCheck(o: HealthObservations, t: HealthThresholds): CheckResult {
  if (!o.runs.ok) {
    return {
      name: 'failed_runs',
      status: 'critical',
      lines: [`❌ History non disponibile (${o.runs.error})`],
      value: null,
    };
  }
  const { failed, total, failedSchedulings } = o.runs.value;
  if (failed === 0) return { name: 'failed_runs', status: 'ok', lines: ['✅ Job falliti: 0'], value: 0 };
  const rate = total > 0 ? (failed / total) * 100 : 100;
  const which = failedSchedulings.length ? `: ${[...new Set(failedSchedulings)].join(', ')}` : '';
  const lines = [`⚠️ Job falliti: ${failed} su ${Math.max(total, failed)} job Kafka nelle ultime 24h${which}`];
  // Any failure warns (the runbook's script); a failure rate past the SLA's critical line is critical.
  const critical = rate > t.jobFailureRate.critical;
  if (critical) lines.push(`❌ CRITICAL: Job failure rate ${num(rate)}% > ${t.jobFailureRate.critical}%`);
  return { name: 'failed_runs', status: critical ? 'critical' : 'warning', lines, value: failed };
}

function memoryCheck(o: HealthObservations, t: HealthThresholds): CheckResult {
  const lines: string[] = [];
  const statuses: CheckStatus[] = [];
  let highest: number | null = null;
  for (const p of o.memory) {
    if (p.rssBytes === null) {
      statuses.push('warning');
      lines.push(`⚠️ Memoria ${p.label}: sconosciuta${p.reason ? ` (${p.reason})` : ''}`);
      continue;
    }
    highest = Math.max(highest ?? 0, p.rssBytes);
    lines.push(`💾 Memoria ${p.label}: ${gb(p.rssBytes)} GB`);
    if (p.rssBytes > t.memoryBytes.critical) {
      statuses.push('critical');
      lines.push(`❌ CRITICAL: High memory usage (${p.label} > ${gb(t.memoryBytes.critical)} GB)`);
    } else if (p.rssBytes > t.memoryBytes.warning) {
      statuses.push('warning');
      lines.push(`⚠️ WARNING: High memory usage (${p.label} > ${gb(t.memoryBytes.warning)} GB)`);
    }
  }
  return { name: 'memory', status: worst(statuses), lines, value: highest };
}

function diskCheck(o: HealthObservations, t: HealthThresholds): CheckResult {
  if (!o.disk.ok)
    return { name: 'disk', status: 'warning', lines: [`⚠️ Disco libero: sconosciuto (${o.disk.error})`], value: null };
  const { freeBytes, totalBytes } = o.disk.value;
  const free = totalBytes > 0 ? Math.round((freeBytes / totalBytes) * 1000) / 10 : 0;
  const lines = [`💿 Disco libero: ${free}%`];
  let status: CheckStatus = 'ok';
  if (free < t.diskFreePercent.critical) {
    status = 'critical';
    lines.push(`❌ CRITICAL: Spazio disco < ${t.diskFreePercent.critical}%`);
  } else if (free < t.diskFreePercent.warning) {
    status = 'warning';
    lines.push(`⚠️ WARNING: Spazio disco < ${t.diskFreePercent.warning}%`);
  }
  return { name: 'disk', status, lines, value: free };
}

function metricsStoreCheck(o: HealthObservations, t: HealthThresholds): CheckResult {
  if (!o.metricsStore.ok) {
    return {
      name: 'metrics_store',
      status: 'warning',
      lines: [`⚠️ Metriche storage: dimensione sconosciuta (${o.metricsStore.error})`],
      value: null,
    };
  }
  const { bytes } = o.metricsStore.value;
  const lines = [`🗄️ Metriche storage: ${size(bytes)}`];
  let status: CheckStatus = 'ok';
  if (bytes > t.metricsStoreWarningBytes) {
    status = 'warning';
    lines.push(
      `⚠️ WARNING: Metriche storage > ${size(t.metricsStoreWarningBytes)} (pulizia: POST /api/kafka/metrics/cleanup?days=30)`,
    );
  }
  return { name: 'metrics_store', status, lines, value: bytes };
}

function verdictOf(checks: CheckResult[], status: CheckStatus): string {
  const count = (s: CheckStatus) => checks.filter((c) => c.status === s).length;
  if (status === 'ok') return '✅ Health check completato: nessun problema';
  const parts = [
    count('critical') && `${count('critical')} critical`,
    count('warning') && `${count('warning')} warning`,
  ].filter(Boolean);
  return `${status === 'critical' ? '❌' : '⚠️'} Health check completato: ${parts.join(', ')}`;
}

/** Judges the observations against the thresholds: the runbook's lines and the exit code (0 ok, 1 warning, 2 critical). */
export function evaluateHealth(o: HealthObservations, t: HealthThresholds): HealthReport {
  const checks = [
    serviceCheck(o),
    workerCheck(o),
    kafkaCheck(o),
    successRateCheck(o, t),
    latencyCheck(o, t),
    failedRunsCheck(o, t),
    memoryCheck(o, t),
    diskCheck(o, t),
    metricsStoreCheck(o, t),
  ];
  const status = worst(checks.map((c) => c.status));
  return {
    checked_at: o.checkedAt.toISOString(),
    api_url: o.apiUrl,
    status,
    exit_code: RANK[status] as 0 | 1 | 2,
    checks,
    lines: [...checks.flatMap((c) => c.lines), verdictOf(checks, status)],
  };
}

/** The report as the text the runbook's script prints and logs. */
export function formatHealthReport(report: HealthReport): string {
  return `${report.lines.join('\n')}\n`;
}
