import { parseRuntimeConfig } from '../../core/config';
import { ConfigError, formatProblem } from '../../core/errors';

/** The alert section of the runtime config that `env` alone gives. */
const alertConfigFromEnv = (env: NodeJS.ProcessEnv) => parseRuntimeConfig({}, '/tmp', env).alerts;

function problemsOf(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    alertConfigFromEnv(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map(formatProblem);
  }
  throw new Error('expected the settings to be rejected');
}

describe('alert settings from the environment', () => {
  it("defaults to the runbook's thresholds, every 5 minutes", () => {
    expect(alertConfigFromEnv({})).toEqual({
      successRate: { warning: 98, critical: 95 },
      latencyP99Ms: { warning: 1000, critical: 5000 },
      kafkaDisconnectedMinutes: { warning: 5, critical: 15 },
      jobFailureRate: { warning: 2, critical: 5 },
      evaluationInterval: '5m',
      metricsWindowMinutes: 15,
      jobFailureWindowHours: 24,
    });
  });

  it("reads the runbook's variable names; an empty variable counts as unset", () => {
    const config = alertConfigFromEnv({
      ALERT_SUCCESS_RATE_WARNING: '99.5',
      ALERT_SUCCESS_RATE_CRITICAL: '97',
      ALERT_LATENCY_P99_WARNING: '',
      ALERT_LATENCY_P99_CRITICAL: '8000',
      ALERT_EVALUATION_INTERVAL: '1m',
      ALERT_JOB_FAILURE_WINDOW_HOURS: '6',
    });
    expect(config).toMatchObject({
      successRate: { warning: 99.5, critical: 97 },
      latencyP99Ms: { warning: 1000, critical: 8000 },
      evaluationInterval: '1m',
      jobFailureWindowHours: 6,
    });
  });

  it('names each bad variable and what it expects', () => {
    expect(
      problemsOf({
        ALERT_SUCCESS_RATE_WARNING: 'high',
        ALERT_LATENCY_P99_CRITICAL: '-1',
        ALERT_EVALUATION_INTERVAL: 'often',
      }),
    ).toEqual([
      'ALERT_SUCCESS_RATE_WARNING: expected a percentage from 0 to 100, got "high"',
      'ALERT_LATENCY_P99_CRITICAL: expected milliseconds from 1 to 3600000, got -1',
      'ALERT_EVALUATION_INTERVAL: expected a duration such as 500ms, 30s, 5m, 1h, 2d, got "often"',
    ]);
    expect(problemsOf({ ALERT_METRICS_WINDOW_MINUTES: '2.5' })).toEqual([
      'ALERT_METRICS_WINDOW_MINUTES: expected minutes (an integer) from 1 to 1440, got "2.5"',
    ]);
  });

  it('rejects a critical threshold that is less severe than the warning one', () => {
    expect(problemsOf({ ALERT_SUCCESS_RATE_CRITICAL: '99' })).toEqual([
      'ALERT_SUCCESS_RATE_CRITICAL: expected at most ALERT_SUCCESS_RATE_WARNING (98), got 99',
    ]);
    expect(problemsOf({ ALERT_LATENCY_P99_WARNING: '6000' })).toEqual([
      'ALERT_LATENCY_P99_CRITICAL: expected at least ALERT_LATENCY_P99_WARNING (6000), got 5000',
    ]);
  });
});
