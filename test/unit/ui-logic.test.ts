import { hourlySeries } from '../../ui/src/dashboard/hourly-series';
import { progressShare } from '../../ui/src/dashboard/progress';
import { bodyOf, emptyForm, formOf, placeErrors } from '../../ui/src/scheduler/form-model';
import { slaViewOf } from '../../api/routes/session-routes';
import { parseRuntimeConfig } from '../../core/config';
import { kafkaBadge, p99Level, successRateLevel } from '../../ui/src/sla';
import type { SchedulingView } from '../../ui/src/types';

describe('the dashboard SLA colours (runbook "SLA e Obiettivi")', () => {
  /** What `/api/session` sends with no ALERT_* variable set. */
  const sla = slaViewOf(parseRuntimeConfig({}, '/tmp', {}).sla);

  it.each([
    [100, 'ok'],
    [99, 'ok'],
    [98.5, 'below-target'],
    [98, 'below-target'],
    [97.99, 'warning'],
    [95, 'warning'],
    [94.99, 'critical'],
  ])('success rate %p %% is %s', (rate, level) => {
    expect(successRateLevel(rate, sla.success_rate)).toBe(level);
  });

  it.each([
    [12, 'ok'],
    [499.9, 'ok'],
    [500, 'below-target'],
    [1000, 'below-target'],
    [1000.1, 'warning'],
    [5000, 'warning'],
    [5001, 'critical'],
  ])('p99 latency %p ms is %s', (ms, level) => {
    expect(p99Level(ms, sla.p99_latency_ms)).toBe(level);
  });

  it('colours by the alert variables the API was started with', () => {
    const tuned = slaViewOf(
      parseRuntimeConfig({}, '/tmp', { ALERT_SUCCESS_RATE_WARNING: '99.5', ALERT_LATENCY_P99_CRITICAL: '2000' }).sla,
    );
    expect(tuned.success_rate).toEqual({ target: 99, warning: 99.5, critical: 95 });
    expect(successRateLevel(99.2, tuned.success_rate)).toBe('warning');
    expect(p99Level(2500, tuned.p99_latency_ms)).toBe('critical');
  });

  it("reads the health status as the runbook's badge", () => {
    expect(kafkaBadge('healthy')).toEqual({ text: '🟢 Connected', level: 'ok' });
    expect(kafkaBadge('unhealthy')).toEqual({ text: '🔴 Disconnected', level: 'critical' });
    expect(kafkaBadge('degraded').text).toBe('🟡 Degraded');
  });
});

describe('the hourly charts', () => {
  it('gives every one of the last 24 hours a point, 0 where the API listed none', () => {
    const now = new Date('2026-11-28T13:40:00Z');
    const series = hourlySeries(
      [
        { hour: '2026-11-28T13:00:00.000Z', messages: 40, failed: 2, bytes: 1, avg_latency_ms: 3, p99_latency_ms: 9 },
        { hour: '2026-11-27T14:00:00.000Z', messages: 7, failed: 0, bytes: 1, avg_latency_ms: 3, p99_latency_ms: 5 },
        // Older than the window: not drawn.
        { hour: '2026-11-27T13:00:00.000Z', messages: 99, failed: 9, bytes: 1, avg_latency_ms: 3, p99_latency_ms: 99 },
      ],
      now,
    );
    expect(series.hours).toHaveLength(24);
    expect(series.hours[0]).toBe(Date.parse('2026-11-27T14:00:00Z') / 1000);
    expect(series.hours[23]).toBe(Date.parse('2026-11-28T13:00:00Z') / 1000);
    expect(series.messages[0]).toBe(7);
    expect(series.messages[23]).toBe(40);
    expect(series.failed[23]).toBe(2);
    expect(series.p99.slice(1, 23).every((v) => v === 0)).toBe(true);
    expect(series.messages.reduce((a, b) => a + b)).toBe(47);
  });
});

describe("the running run's progress bar", () => {
  it('compares with the last successful run and stays below full while running', () => {
    expect(progressShare(500, 1000)).toBe(0.5);
    expect(progressShare(1500, 1000)).toBe(0.99);
    expect(progressShare(10, null)).toBeNull();
    expect(progressShare(10, 0)).toBeNull();
  });
});

describe('the scheduling form', () => {
  const view: SchedulingView = {
    name: 'orders-csv',
    description: 'nightly',
    enabled: true,
    schedule: { cron: '0 6 * * 1-5', timezone: 'Europe/Rome' },
    source: 'erp',
    query: 'SELECT * FROM orders WHERE day = :day ORDER BY id',
    params: { day: 'monday' },
    time_format: 'iso',
    reconcile: 'off',
    export_format: 'csv',
    timeout: 600,
    retry: { max_attempts: 3, initial_backoff: '10s', max_backoff: '2m' },
    overlap: 'skip',
    catchup_window: '1h',
    notify: ['ops@example.com', 'dba@example.com'],
    file_config: {
      output_dir: 'out',
      file_name: '{name}_{yyyy}',
      delimiter: ';',
      header: true,
      bom: true,
      formula_guard: false,
      sheet_name: 'Export',
    },
    incremental: { column: 'updated_at', key: ['id'], lag: '30s', initial: '2026-01-01T00:00:00Z' },
    next_run_times: [],
    last_run: null,
    pause_note: null,
  };

  it('gives back the edited scheduling unchanged, keeping the fields the form does not show', () => {
    const body = bodyOf(formOf(view), view);
    expect(body).toEqual({
      name: 'orders-csv',
      description: 'nightly',
      enabled: true,
      schedule: { cron: '0 6 * * 1-5', timezone: 'Europe/Rome' },
      source: 'erp',
      query: view.query,
      params: { day: 'monday' },
      time_format: 'iso',
      reconcile: 'off',
      export_format: 'csv',
      timeout: 600,
      retry: { max_attempts: 3, initial_backoff: '10s', max_backoff: '2m' },
      overlap: 'skip',
      catchup_window: '1h',
      notify: ['ops@example.com', 'dba@example.com'],
      file_config: {
        output_dir: 'out',
        file_name: '{name}_{yyyy}',
        delimiter: ';',
        header: true,
        bom: true,
        formula_guard: false,
        sheet_name: 'Export',
      },
      incremental: { column: 'updated_at', key: ['id'], lag: '30s', initial: '2026-01-01T00:00:00Z' },
    });
  });

  it('sends a number field that is not a number as typed, so the server names the field', () => {
    const body = bodyOf({
      ...emptyForm('erp'),
      name: 'x',
      query: 'SELECT 1',
      topic: 't',
      batch_size: 'lots',
      schedule_kind: 'every',
      every: '15m',
    });
    expect(body.kafka_config).toMatchObject({ topic: 't', batch_size: 'lots', acks: 'all' });
    expect(body.schedule).toEqual({ every: '15m' });
    expect(body).not.toHaveProperty('file_config');
  });

  it('keeps the resume key and delivery through the form, and places their errors', () => {
    const kafkaView = {
      ...view,
      export_format: 'kafka' as const,
      file_config: undefined,
      kafka_config: {
        topic: 't',
        message_key_field: 'id',
        resume_key: ['created_at', 'id'],
        delivery: 'exactly_once' as const,
        batch_size: 500,
        max_batch_bytes: 65536,
        acks: 'all' as const,
        headers: { source: 'pstt' },
      },
    };
    const form = formOf(kafkaView);
    expect(form).toMatchObject({ resume_key: 'created_at, id', delivery: 'exactly_once', max_batch_bytes: '65536' });
    expect(bodyOf(form, kafkaView).kafka_config).toEqual(kafkaView.kafka_config);
    expect(bodyOf({ ...form, resume_key: ' ' }, kafkaView).kafka_config).not.toHaveProperty('resume_key');
    const placed = placeErrors(
      [
        { path: 'kafka_config.resume_key', message: 'required with delivery "exactly_once"' },
        { path: 'kafka_config.resume_key.1', message: 'expected a column name' },
        { path: 'kafka_config.delivery', message: 'expected at_least_once or exactly_once' },
      ],
      { schedule_kind: 'cron' },
    );
    expect(placed.byField).toEqual({
      resume_key: ['required with delivery "exactly_once"', 'expected a column name'],
      delivery: ['expected at_least_once or exactly_once'],
    });
  });

  it('puts each server error next to its field and the rest above the form', () => {
    const placed = placeErrors(
      [
        { path: 'schedule.cron', message: 'bad cron' },
        { path: 'kafka_config.topic', message: 'bad topic' },
        { path: 'kafka_config', message: 'required when export_format is "kafka"' },
        { path: 'notify.1', message: 'expected an e-mail address' },
        { path: 'retry.max_attempts', message: 'expected an integer from 1 to 100' },
        { path: 'params.x', message: 'expected a parameter name' },
      ],
      { schedule_kind: 'cron' },
    );
    expect(placed.byField).toEqual({
      cron: ['bad cron'],
      topic: ['bad topic', 'required when export_format is "kafka"'],
      notify: ['expected an e-mail address'],
      retry_max_attempts: ['expected an integer from 1 to 100'],
    });
    expect(placed.other).toEqual([{ path: 'params.x', message: 'expected a parameter name' }]);
  });
});
