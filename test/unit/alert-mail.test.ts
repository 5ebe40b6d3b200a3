import { alertMail } from '../../core/alerts/alert-mail';
import type { RunFailureNotice } from '../../core/job';
import { runFailureMail } from '../../core/mail/run-failure-mail';

const AT = new Date(Date.UTC(2026, 2, 15, 10, 5));

describe('alert e-mails', () => {
  it('name the rule, the change of level, the value and the threshold', () => {
    const mail = alertMail({
      rule: 'latency_p99',
      previous_state: 'warning',
      state: 'critical',
      value: 6200,
      threshold: 5000,
      message:
        'Latency p99 6200 ms over the last 15 minutes (10 messages, 0 failed): above the critical threshold of 5000 ms',
      at: AT,
    });
    expect(mail.to).toBeUndefined();
    expect(mail.subject).toBe('[PSTT] CRITICAL: Latency p99');
    expect(mail.text).toBe(
      [
        'PSTT alert: Latency p99 (latency_p99)',
        'State: critical (was warning)',
        'At: 2026-03-15T10:05:00.000Z',
        'Value: 6200 ms',
        'Threshold: 5000 ms',
        '',
        'Latency p99 6200 ms over the last 15 minutes (10 messages, 0 failed): above the critical threshold of 5000 ms',
      ].join('\n'),
    );
  });

  it('say RESOLVED when a rule is back to ok, and WARNING when it rises or improves to warning', () => {
    const base = { rule: 'success_rate' as const, value: 99, threshold: 98, message: 'm', at: AT };
    expect(alertMail({ ...base, previous_state: 'critical', state: 'ok' }).subject).toBe(
      '[PSTT] RESOLVED: Success rate',
    );
    expect(alertMail({ ...base, previous_state: 'ok', state: 'warning' }).subject).toBe('[PSTT] WARNING: Success rate');
    expect(alertMail({ ...base, previous_state: 'critical', state: 'warning' }).subject).toBe(
      '[PSTT] WARNING (improved): Success rate',
    );
    expect(
      alertMail({ ...base, rule: 'kafka_connection', previous_state: 'ok', state: 'warning', value: null }).text,
    ).toContain('Value: none\nThreshold: 98 minutes');
  });
});

describe('the job failure notification e-mail', () => {
  const notice: RunFailureNotice = {
    scheduling_name: 'demo-orders',
    export_format: 'kafka',
    notify: ['owner@example.com'],
    error_message: 'connect ECONNREFUSED postgres://reader:s3cret@db.internal:5432/dwh',
    error_type: 'Error',
    attempts: 5,
    workflow_id: 'export-demo-orders-2026-03-15T10:00:00Z',
    run_id: '0195a3b4-run',
    namespace: 'default',
    failed_at: AT.toISOString(),
  };

  it('goes to the notify list with the scheduling, the error without passwords, the attempts and the link', () => {
    const mail = runFailureMail(notice, { web_ui: 'http://127.0.0.1:8233/' });
    expect(mail.to).toEqual(['owner@example.com']);
    expect(mail.subject).toBe('[PSTT] Job failure notification: demo-orders');
    expect(mail.text).toContain('Scheduling: demo-orders\n');
    expect(mail.text).toContain('Error: connect ECONNREFUSED postgres://reader:***@db.internal:5432/dwh\n');
    expect(mail.text).not.toContain('s3cret');
    expect(mail.text).toContain('Attempts: 5\n');
    expect(mail.text).toContain(
      'Run in the Temporal Web UI: http://127.0.0.1:8233/namespaces/default/workflows/' +
        'export-demo-orders-2026-03-15T10%3A00%3A00Z/0195a3b4-run/history',
    );
  });

  it('says when the attempt count is unknown', () => {
    expect(runFailureMail({ ...notice, attempts: null, notify: [] }, { web_ui: 'http://ui' }).text).toContain(
      'Attempts: unknown\n',
    );
  });
});
