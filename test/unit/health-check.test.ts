import { evaluateHealth, type HealthObservations } from '../../cli/ops/health-check';
import { parseRuntimeConfig } from '../../core/config';
import { ConfigError } from '../../core/errors';

/** The health check's thresholds of the runtime config that `env` alone gives. */
const healthThresholdsFromEnv = (env: NodeJS.ProcessEnv) => parseRuntimeConfig({}, '/tmp', env).health;
/** The runbook's: no variable set. */
const RUNBOOK_THRESHOLDS = healthThresholdsFromEnv({});

const GB = 1024 ** 3;

/** A healthy stack, as the probes would see it. */
function healthy(): HealthObservations {
  return {
    checkedAt: new Date('2026-01-20T08:00:00Z'),
    apiUrl: 'http://127.0.0.1:8000',
    api: { ok: true, value: true },
    kafka: {
      ok: true,
      value: { status: 'healthy', connected: true, producer_ready: true, brokers: 3, last_error: null },
    },
    summary: {
      ok: true,
      value: { total_messages: 125_000, success_rate: 99.9, avg_latency_ms: 12.5, p99_latency_ms: 180 },
    },
    runs: { ok: true, value: { failed: 0, total: 96, failedSchedulings: [] } },
    workers: { ok: true, value: { taskQueue: 'pstt-exports', identities: ['4242@host'] } },
    memory: [
      { label: 'API', rssBytes: 0.2 * GB },
      { label: 'worker 4242@host', rssBytes: 0.3 * GB },
    ],
    disk: { ok: true, value: { path: '/data', freeBytes: 60 * GB, totalBytes: 100 * GB } },
    metricsStore: { ok: true, value: { location: '/data/metrics.db', bytes: 3 * 1024 ** 2 } },
  };
}

const evaluate = (change: (o: HealthObservations) => void = () => undefined) => {
  const o = healthy();
  change(o);
  return evaluateHealth(o, RUNBOOK_THRESHOLDS);
};
const statusOf = (report: ReturnType<typeof evaluate>, name: string) =>
  report.checks.find((c) => c.name === name)?.status;
/** A check's ⚠️ / ❌ lines: none when it is ok. */
const warningsOf = (report: ReturnType<typeof evaluate>, name: string) =>
  report.checks.find((c) => c.name === name)?.lines.filter((l) => /^(⚠️|❌)/u.test(l));

describe('the daily health check verdict (runbook thresholds)', () => {
  it('a healthy stack: exit 0 and the runbook ✅ lines', () => {
    const report = evaluate();
    expect(report).toMatchObject({ status: 'ok', exit_code: 0, checked_at: '2026-01-20T08:00:00.000Z' });
    expect(report.lines).toEqual(
      expect.arrayContaining([
        '✅ Servizio: Running',
        '✅ Worker: 1 in ascolto sulla coda pstt-exports',
        '✅ Kafka: Connected',
        '📊 Messaggi oggi: 125000',
        '📊 Success rate: 99.9%',
        '📊 Latenza media: 12.5 ms, p99: 180 ms',
        '✅ Job falliti: 0',
        '💾 Memoria API: 0.20 GB',
        '💿 Disco libero: 60%',
        '🗄️ Metriche storage: 3.0 MB',
      ]),
    );
    expect(report.lines.at(-1)).toBe('✅ Health check completato: nessun problema');
    expect(report.lines.some((l) => /⚠️|❌/.test(l))).toBe(false);
  });

  it.each([
    [98, 'ok', []],
    [97.99, 'warning', ['⚠️ WARNING: Success rate < 98%']],
    [95, 'warning', ['⚠️ WARNING: Success rate < 98%']],
    [94.99, 'critical', ['❌ CRITICAL: Success rate < 95%']],
  ] as const)('success rate %s%% -> %s', (rate, expected, warnings) => {
    const report = evaluate((o) => {
      o.summary = {
        ok: true,
        value: { total_messages: 1000, success_rate: rate, avg_latency_ms: 10, p99_latency_ms: 100 },
      };
    });
    expect(statusOf(report, 'success_rate')).toBe(expected);
    expect(report.exit_code).toBe({ ok: 0, warning: 1, critical: 2 }[expected]);
    expect(warningsOf(report, 'success_rate')).toEqual(warnings);
  });

  it.each([
    [1000, 'ok', []],
    [1001, 'warning', ['⚠️ WARNING: Latenza p99 > 1000ms']],
    [5000, 'warning', ['⚠️ WARNING: Latenza p99 > 1000ms']],
    [5001, 'critical', ['❌ CRITICAL: Latenza p99 > 5000ms']],
  ] as const)('p99 latency %s ms -> %s', (p99, expected, warnings) => {
    const report = evaluate((o) => {
      o.summary = {
        ok: true,
        value: { total_messages: 1000, success_rate: 100, avg_latency_ms: 10, p99_latency_ms: p99 },
      };
    });
    expect(statusOf(report, 'latency')).toBe(expected);
    expect(warningsOf(report, 'latency')).toEqual(warnings);
  });

  it('warns on an average latency above 500 ms, as health_check.ps1 does', () => {
    const report = evaluate((o) => {
      o.summary = {
        ok: true,
        value: { total_messages: 10, success_rate: 100, avg_latency_ms: 650, p99_latency_ms: 900 },
      };
    });
    expect(statusOf(report, 'latency')).toBe('warning');
    expect(report.lines).toContain('⚠️ WARNING: Alta latenza media');
  });

  it('failed Kafka runs warn; a failure rate past 5% is critical', () => {
    const few = evaluate((o) => {
      o.runs = { ok: true, value: { failed: 2, total: 96, failedSchedulings: ['orders', 'orders'] } };
    });
    expect(statusOf(few, 'failed_runs')).toBe('warning');
    expect(few.lines).toContain('⚠️ Job falliti: 2 su 96 job Kafka nelle ultime 24h: orders');

    const many = evaluate((o) => {
      o.runs = { ok: true, value: { failed: 6, total: 96, failedSchedulings: ['a'] } };
    });
    expect(statusOf(many, 'failed_runs')).toBe('critical');
    expect(many.lines).toContain('❌ CRITICAL: Job failure rate 6.25% > 5%');
  });

  it('memory: above 1.5 GB warns, above 2 GB is critical, unreadable warns', () => {
    const high = evaluate((o) => {
      o.memory = [
        { label: 'API', rssBytes: 1.6 * GB },
        { label: 'worker 1@h', rssBytes: 2.1 * GB },
      ];
    });
    expect(statusOf(high, 'memory')).toBe('critical');
    expect(high.lines).toContain('⚠️ WARNING: High memory usage (API > 1.50 GB)');
    expect(high.lines).toContain('❌ CRITICAL: High memory usage (worker 1@h > 2.00 GB)');
    expect(high.checks.find((c) => c.name === 'memory')?.value).toBe(2.1 * GB);

    const unknown = evaluate((o) => {
      o.memory = [{ label: 'worker 1@elsewhere', rssBytes: null, reason: 'runs on elsewhere, not on this host' }];
    });
    expect(statusOf(unknown, 'memory')).toBe('warning');
    expect(unknown.lines).toContain('⚠️ Memoria worker 1@elsewhere: sconosciuta (runs on elsewhere, not on this host)');
  });

  it.each([
    [30, 'ok', []],
    [29.9, 'warning', ['⚠️ WARNING: Spazio disco < 30%']],
    [20, 'warning', ['⚠️ WARNING: Spazio disco < 30%']],
    [19.9, 'critical', ['❌ CRITICAL: Spazio disco < 20%']],
  ] as const)('free disk %s%% -> %s', (free, expected, warnings) => {
    const report = evaluate((o) => {
      o.disk = { ok: true, value: { path: '/data', freeBytes: free * 10, totalBytes: 1000 } };
    });
    expect(statusOf(report, 'disk')).toBe(expected);
    expect(warningsOf(report, 'disk')).toEqual(warnings);
  });

  it('a metrics store above 50 MB warns and names the cleanup', () => {
    const report = evaluate((o) => {
      o.metricsStore = { ok: true, value: { location: 'x', bytes: 51 * 1024 ** 2 } };
    });
    expect(statusOf(report, 'metrics_store')).toBe('warning');
    expect(report.lines.join('\n')).toMatch(/Metriche storage > 50\.0 MB.*cleanup\?days=30/);
  });

  it('an unreachable API is critical on every check that needs it, with the reason', () => {
    const down = 'GET http://127.0.0.1:8000/healthz: connect ECONNREFUSED 127.0.0.1:8000';
    const report = evaluate((o) => {
      o.api = { ok: false, error: down };
      o.kafka = { ok: false, error: down };
      o.summary = { ok: false, error: down };
      o.runs = { ok: false, error: down };
    });
    expect(report).toMatchObject({ status: 'critical', exit_code: 2 });
    expect(report.lines).toEqual(
      expect.arrayContaining([
        `❌ Servizio: API non raggiungibile (${down})`,
        `❌ Kafka: Unreachable (${down})`,
        `❌ Metriche non disponibili (${down})`,
        `❌ History non disponibile (${down})`,
      ]),
    );
    expect(report.lines.at(-1)).toBe('❌ Health check completato: 5 critical');
  });

  it('Kafka disconnected is critical; connected but degraded warns', () => {
    const disconnected = evaluate((o) => {
      o.kafka = {
        ok: true,
        value: {
          status: 'unhealthy',
          connected: false,
          producer_ready: false,
          brokers: 0,
          last_error: 'Connection timeout',
        },
      };
    });
    expect(statusOf(disconnected, 'kafka')).toBe('critical');
    expect(disconnected.lines).toContain('❌ Kafka: Disconnected (Connection timeout)');

    const degraded = evaluate((o) => {
      o.kafka = {
        ok: true,
        value: {
          status: 'degraded',
          connected: true,
          producer_ready: true,
          brokers: 1,
          last_error: 'metrics store cannot write',
        },
      };
    });
    expect(statusOf(degraded, 'kafka')).toBe('warning');
  });

  it('no worker polling the task queue is critical', () => {
    const report = evaluate((o) => {
      o.workers = { ok: true, value: { taskQueue: 'pstt-exports', identities: [] } };
    });
    expect(statusOf(report, 'worker')).toBe('critical');
    expect(report.lines).toContain('❌ Worker: nessuno in ascolto sulla coda pstt-exports');
  });

  it('the worst check decides; the closing line counts both kinds', () => {
    const report = evaluate((o) => {
      o.disk = { ok: true, value: { path: '/', freeBytes: 10, totalBytes: 100 } };
      o.metricsStore = { ok: false, error: 'no metrics store at /x/metrics.db' };
    });
    expect(report).toMatchObject({ status: 'critical', exit_code: 2 });
    expect(report.lines.at(-1)).toBe('❌ Health check completato: 1 critical, 1 warning');
  });
});

describe('health check thresholds from the alert variables', () => {
  it('defaults to the runbook and takes ALERT_* overrides', () => {
    expect(healthThresholdsFromEnv({})).toMatchObject({
      successRate: { warning: 98, critical: 95 },
      latencyP99Ms: { warning: 1000, critical: 5000 },
      jobFailureRate: { warning: 2, critical: 5 },
    });
    const t = healthThresholdsFromEnv({ ALERT_SUCCESS_RATE_WARNING: '99', ALERT_LATENCY_P99_CRITICAL: '8000' });
    expect(t.successRate).toEqual({ warning: 99, critical: 95 });
    expect(t.latencyP99Ms).toEqual({ warning: 1000, critical: 8000 });
  });

  it("takes the check's own disk and memory variables", () => {
    const t = healthThresholdsFromEnv({
      ALERT_DISK_FREE_WARNING: '15',
      ALERT_DISK_FREE_CRITICAL: '10',
      ALERT_MEMORY_WARNING_MB: '512',
    });
    expect(t.diskFreePercent).toEqual({ warning: 15, critical: 10 });
    expect(t.memoryBytes).toEqual({ warning: 512 * 1024 ** 2, critical: 2048 * 1024 ** 2 });
    expect(() => healthThresholdsFromEnv({ ALERT_DISK_FREE_CRITICAL: '40' })).toThrow(
      /ALERT_DISK_FREE_CRITICAL: expected at most/,
    );
    expect(() => healthThresholdsFromEnv({ ALERT_MEMORY_WARNING_MB: 'lots' })).toThrow(
      /ALERT_MEMORY_WARNING_MB: expected megabytes/,
    );
  });

  it('rejects a bad value naming the variable', () => {
    expect(() => healthThresholdsFromEnv({ ALERT_SUCCESS_RATE_WARNING: 'high' })).toThrow(ConfigError);
    expect(() => healthThresholdsFromEnv({ ALERT_SUCCESS_RATE_WARNING: 'high' })).toThrow(/ALERT_SUCCESS_RATE_WARNING/);
  });
});
