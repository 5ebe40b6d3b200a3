import {
  evaluateRule,
  evaluateRules,
  levelOf,
  type AlertInputs,
  type AlertRule,
  type RuleState,
} from '../../core/alerts/alert-rules';
import type { RecentSummary } from '../../core/metrics/metrics-store';
import { envSectionsOf } from '../support/runtime-config';

const config = envSectionsOf({}).alerts;
const T0 = new Date(Date.UTC(2026, 2, 15, 10, 0));
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

function metrics(over: Partial<RecentSummary> = {}): RecentSummary {
  return {
    minutes: 15,
    total_messages: 1000,
    successful_messages: 1000,
    failed_messages: 0,
    success_rate: 100,
    total_bytes: 100_000,
    avg_latency_ms: 5,
    p50_latency_ms: 5,
    p95_latency_ms: 8,
    p99_latency_ms: 10,
    avg_failed_latency_ms: 0,
    ...over,
  };
}

function inputs(over: Partial<AlertInputs> = {}): AlertInputs {
  return {
    now: T0,
    kafka: { connected: true, error: null },
    metrics: metrics(),
    jobs: { closed: 100, failed: 0 },
    ...over,
  };
}

/** Evaluates one rule over a sequence of inputs, carrying its state as the store would. */
function run(rule: AlertRule, sequence: AlertInputs[]) {
  let previous: RuleState | undefined;
  return sequence.map((i) => {
    const outcome = evaluateRule(rule, i, previous, config);
    previous = outcome.state;
    return outcome;
  });
}

describe('threshold levels', () => {
  it('are strict, in the direction that is bad for the metric, and ok without a value', () => {
    const rate = { warning: 98, critical: 95 };
    expect(levelOf(98, rate, 'below')).toBe('ok');
    expect(levelOf(97.99, rate, 'below')).toBe('warning');
    expect(levelOf(95, rate, 'below')).toBe('warning');
    expect(levelOf(94.99, rate, 'below')).toBe('critical');
    const p99 = { warning: 1000, critical: 5000 };
    expect(levelOf(1000, p99, 'above')).toBe('ok');
    expect(levelOf(1000.5, p99, 'above')).toBe('warning');
    expect(levelOf(5001, p99, 'above')).toBe('critical');
    expect(levelOf(null, p99, 'above')).toBe('ok');
  });
});

describe('rule transitions', () => {
  it('success rate: one transition per change of level, none while the level stays', () => {
    const rates = [99.5, 97.5, 97, 94, 93, 96, 99];
    const outcomes = run(
      'success_rate',
      rates.map((r, i) => inputs({ now: minutes(5 * i), metrics: metrics({ success_rate: r, failed_messages: 10 }) })),
    );
    expect(outcomes.map((o) => o.state.state)).toEqual([
      'ok',
      'warning',
      'warning',
      'critical',
      'critical',
      'warning',
      'ok',
    ]);
    expect(outcomes.map((o) => o.transition && `${o.transition.previous_state}->${o.transition.state}`)).toEqual([
      null,
      'ok->warning',
      null,
      'warning->critical',
      null,
      'critical->warning',
      'warning->ok',
    ]);
    // `since` is when the level was entered, not the last evaluation.
    expect(outcomes[2]!.state.since).toEqual(minutes(5));
    expect(outcomes[2]!.state.evaluated_at).toEqual(minutes(10));
    expect(outcomes[1]!.transition).toMatchObject({ value: 97.5, threshold: 98, at: minutes(5) });
    expect(outcomes[3]!.transition).toMatchObject({ value: 94, threshold: 95 });
    expect(outcomes[6]!.transition).toMatchObject({ value: 99, threshold: 98 });
    expect(outcomes[1]!.transition!.message).toBe(
      'Success rate 97.5% over the last 15 minutes (1000 messages, 10 failed): below the warning threshold of 98%',
    );
    expect(outcomes[6]!.state.message).toMatch(/within thresholds \(warning below 98%\)$/);
  });

  it('latency p99 and job failure rate rise above their thresholds', () => {
    const p99 = run(
      'latency_p99',
      [900, 1200, 6000].map((v) => inputs({ metrics: metrics({ p99_latency_ms: v }) })),
    );
    expect(p99.map((o) => o.state.state)).toEqual(['ok', 'warning', 'critical']);
    const jobs = run(
      'job_failure_rate',
      [0, 3, 6].map((failed) => inputs({ jobs: { closed: 100, failed } })),
    );
    expect(jobs.map((o) => [o.state.state, o.state.value])).toEqual([
      ['ok', 0],
      ['warning', 3],
      ['critical', 6],
    ]);
    expect(jobs[2]!.state.message).toBe(
      'Job failure rate 6% (6 of 100 closed runs in the last 24 h failed): above the critical threshold of 5%',
    );
  });

  it('nothing to measure (no messages, no closed runs) is ok, with a value of null', () => {
    const none = metrics({ total_messages: 0, successful_messages: 0, success_rate: 100, p99_latency_ms: 0 });
    for (const rule of ['success_rate', 'latency_p99'] as const) {
      expect(evaluateRule(rule, inputs({ metrics: none }), undefined, config).state).toMatchObject({
        state: 'ok',
        value: null,
      });
    }
    const jobs = evaluateRule('job_failure_rate', inputs({ jobs: { closed: 0, failed: 0 } }), undefined, config);
    expect(jobs.state).toMatchObject({
      state: 'ok',
      value: null,
      message: expect.stringMatching(/^no export run closed/),
    });
  });

  it('Kafka: "disconnected since" carries over evaluations; warning after 5 minutes, critical after 15, resolved on reconnect', () => {
    const down = { connected: false, error: 'Connection error: connect ECONNREFUSED' };
    const outcomes = run('kafka_connection', [
      inputs({ now: minutes(0), kafka: down }),
      inputs({ now: minutes(5), kafka: down }),
      inputs({ now: minutes(6), kafka: down }),
      inputs({ now: minutes(16), kafka: down }),
      inputs({ now: minutes(20), kafka: { connected: true, error: null } }),
      inputs({ now: minutes(25), kafka: down }),
    ]);
    expect(outcomes.map((o) => [o.state.state, o.state.value])).toEqual([
      ['ok', 0],
      ['ok', 5],
      ['warning', 6],
      ['critical', 16],
      ['ok', 0],
      ['ok', 0],
    ]);
    expect(outcomes.map((o) => o.state.condition_since)).toEqual([T0, T0, T0, T0, null, minutes(25)]);
    expect(outcomes.filter((o) => o.transition).map((o) => o.transition!.state)).toEqual(['warning', 'critical', 'ok']);
    expect(outcomes[2]!.transition!.message).toBe(
      `Kafka disconnected for 6 minutes (since ${T0.toISOString()}); last error: Connection error: connect ECONNREFUSED: ` +
        'above the warning threshold of 5 minutes',
    );
  });

  it('an input that cannot be read keeps the level (no transition) and says why', () => {
    const [, warning] = run('success_rate', [
      inputs(),
      inputs({ now: minutes(5), metrics: metrics({ success_rate: 97 }) }),
    ]);
    const failed = evaluateRule(
      'success_rate',
      inputs({ now: minutes(10), metrics: { error: 'database is locked' } }),
      warning!.state,
      config,
    );
    expect(failed.transition).toBeNull();
    expect(failed.state).toMatchObject({
      state: 'warning',
      since: minutes(5),
      value: 97,
      evaluated_at: minutes(10),
      message: 'not evaluated: metrics store unreadable: database is locked',
    });
  });

  it('evaluates every rule, a first evaluation that finds trouble being a transition from ok', () => {
    const outcomes = evaluateRules(inputs({ metrics: metrics({ success_rate: 90 }) }), new Map(), config);
    expect(outcomes.map((o) => o.state.rule)).toEqual([
      'kafka_connection',
      'success_rate',
      'latency_p99',
      'job_failure_rate',
    ]);
    expect(outcomes.filter((o) => o.transition).map((o) => o.transition!.rule)).toEqual(['success_rate']);
    expect(outcomes[1]!.state).toMatchObject({ warning_threshold: 98, critical_threshold: 95 });
  });
});
