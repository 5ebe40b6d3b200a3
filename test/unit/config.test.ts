import path from 'node:path';
import { inspect } from 'node:util';
import {
  loadConfig,
  loadRuntimeConfig,
  parseConfig,
  parseRuntimeConfig,
  type RuntimeConfigOptions,
} from '../../core/config';
import { ConfigError, formatProblem, redactUrl } from '../../core/errors';
import { PROJECT_ROOT } from '../../core/paths';

const validScheduling = {
  name: 'orders',
  schedule: { cron: '0 * * * *' },
  source: 'main',
  query: 'SELECT 1 AS id',
  export_format: 'kafka',
  kafka_config: { topic: 't' },
};

function problemsOf(raw: unknown, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(raw, '/tmp', env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map(formatProblem);
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('loads the repository temporal.yaml with its demo scheduling', () => {
    const config = loadConfig(path.join(PROJECT_ROOT, 'temporal.yaml'));
    expect(config.schedulings.map((s) => s.name)).toContain('demo-orders');
    expect(config.schedulings[0]?.kafka_config?.message_key_field).toBe('order_id');
  });

  it('applies defaults', () => {
    const config = parseConfig(
      { sources: { main: { url: 'sqlite:x.db' } }, schedulings: [validScheduling] },
      '/tmp',
      {},
    );
    expect(config.temporal).toEqual({
      address: '127.0.0.1:7233',
      namespace: 'default',
      task_queue: 'pstt-exports',
      web_ui: 'http://127.0.0.1:8233',
    });
    expect(config.schedulings[0]).toMatchObject({
      enabled: true,
      timeout: 3600,
      kafka_config: { batch_size: 500, max_batch_bytes: 1048576 },
    });
    expect(config.worker).toEqual({ max_concurrent_exports: 4 });
  });

  it("keeps the exports a worker runs at once within each pooled source's connections", () => {
    const sources = {
      pg: { url: 'postgres://pstt@db:5432/erp' },
      big: { url: 'mssql://sa@db:1433/erp', pool_size: 8 },
      file: { url: 'sqlite:x.db' },
    };
    expect(problemsOf({ sources, worker: { max_concurrent_exports: 6 } })).toEqual([
      'worker.max_concurrent_exports: must be at most the pool_size of source "pg" (4), got 6: raise that source\'s pool_size',
    ]);
    const config = parseConfig(
      { sources: { ...sources, pg: { ...sources.pg, pool_size: 6 } }, worker: { max_concurrent_exports: 6 } },
      '/tmp',
      {},
    );
    expect(config.worker.max_concurrent_exports).toBe(6);
    expect(problemsOf({ worker: { max_concurrent_exports: 0 } })).toEqual([
      'worker.max_concurrent_exports: expected an integer from 1 to 100, got 0',
    ]);
  });

  it('lets environment variables override connection settings', () => {
    const config = parseConfig({ sources: { main: { url: 'sqlite:x.db' } } }, '/tmp', {
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      KAFKA_BOOTSTRAP_SERVERS: 'k1:9092, k2:9092',
      PSTT_SOURCE_MAIN_URL: 'postgres://reader@db/prod',
    });
    expect(config.temporal.address).toBe('temporal.internal:7233');
    expect(config.kafka.bootstrap_servers).toEqual(['k1:9092', 'k2:9092']);
    expect(config.sources.main?.url).toBe('postgres://reader@db/prod');
  });

  it("serves the worker's /metrics only when a port is set, on loopback unless told", () => {
    expect(parseConfig({}, '/tmp', {}).worker).toEqual({ max_concurrent_exports: 4 });
    const env = { WORKER_METRICS_PORT: '9464', WORKER_METRICS_HOST: '0.0.0.0' };
    expect(parseConfig({}, '/tmp', env).worker).toEqual({
      max_concurrent_exports: 4,
      metrics_port: 9464,
      metrics_host: '0.0.0.0',
    });
    expect(problemsOf({}, { WORKER_METRICS_PORT: '70000' })).toEqual([
      expect.stringMatching(/^worker\.metrics_port: /),
    ]);
  });

  it('lists every problem with its path', () => {
    const problems = problemsOf({
      sources: { main: { url: 'sqlite:x.db' } },
      schedulings: [
        validScheduling,
        { ...validScheduling, name: 'Bad Name', kafka_config: { topic: 't', batch_size: 0 } },
        { ...validScheduling, source: 'nowhere', export_format: 'kafka', kafka_config: undefined },
      ],
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^schedulings\[1\]\.name: expected a slug/),
        'schedulings[1].kafka_config.batch_size: expected an integer from 1 to 10000, got 0',
        expect.stringMatching(
          /^schedulings\[2\]\.source: expected one of the declared sources \(main\), got "nowhere"/,
        ),
        'schedulings[2].kafka_config: required when export_format is "kafka"',
      ]),
    );
  });

  it('takes only declared sources, not the names every object inherits', () => {
    const inherited = ['constructor', 'toString', '__proto__', 'hasOwnProperty'].map((source, i) => ({
      ...validScheduling,
      name: `s${i}`,
      source,
    }));
    const problems = problemsOf({ sources: { main: { url: 'sqlite:x.db' } }, schedulings: inherited });
    inherited.forEach((s, i) =>
      expect(problems).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^schedulings\\[${i}\\]\\.source: expected one of the declared sources \\(main\\), got "${s.source}"`,
          ),
        ),
      ),
    );
  });

  it('declares data/exports as the one folder file exports may write under, unless told otherwise', () => {
    expect(parseConfig({}, '/tmp', {}).files).toEqual({ allowed_roots: ['data/exports'] });
    expect(problemsOf({ files: { allowed_roots: [] } })).toEqual([
      'files.allowed_roots: expected at least one folder, got []',
    ]);
  });

  it('rejects duplicate scheduling names and bad addresses', () => {
    const problems = problemsOf(
      { sources: { main: { url: 'sqlite:x.db' } }, schedulings: [validScheduling, validScheduling] },
      { TEMPORAL_ADDRESS: 'no-port' },
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'temporal.address: expected host:port, got "no-port"',
        'schedulings[1].name: duplicate name "orders"',
      ]),
    );
  });

  it('never shows a password given where it does not belong', () => {
    const problems = problemsOf({ sources: { main: { url: 'postgres://reader:s3cr3t-pw@db/prod' } } });
    expect(problems).toEqual([
      expect.stringMatching(/^sources\.main\.url: must not contain a password: name its variable in password_env/),
    ]);
    expect(problems.join('\n')).not.toContain('s3cr3t-pw');
  });

  it('refuses a secret in a URL query parameter, naming the source and the parameter, never the value', () => {
    const raw = {
      sources: {
        warehouse: { url: 'postgres://reader@db:5432/prod?sslmode=require&password=hunter2-pw' },
        ledger: { url: 'mssql://reader@sql:1433/ledger?Api-Key=k3y-value' },
        files: { url: 'sqlite:x.db?token=t0ken-value' },
      },
      metrics: { url: 'postgres://m@db/metrics?sslpassword=ssl-pw' },
    };
    let error: unknown;
    try {
      parseConfig(raw, '/tmp', {});
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { message } = error as ConfigError;
    const problems = (error as ConfigError).problems.map(formatProblem);
    expect([...problems].sort()).toEqual([
      'metrics.url: must not carry a secret in its query parameter "sslpassword": name its variable in password_env',
      'sources.files.url: must not carry a secret in its query parameter "token": name its variable in password_env',
      'sources.ledger.url: must not carry a secret in its query parameter "Api-Key": name its variable in password_env',
      'sources.warehouse.url: must not carry a secret in its query parameter "password": name its variable in password_env',
    ]);
    const shown = `${message}\n${problems.join('\n')}`;
    for (const secret of ['hunter2-pw', 'k3y-value', 't0ken-value', 'ssl-pw']) expect(shown).not.toContain(secret);
    // The same check applies to a URL given by the environment, and harmless parameters pass.
    expect(
      problemsOf({ sources: { main: { url: 'sqlite:x.db' } } }, { PSTT_SOURCE_MAIN_URL: 'postgres://r@db/x?pwd=p4ss' }),
    ).toEqual([
      'sources.main.url: must not carry a secret in its query parameter "pwd": name its variable in password_env',
    ]);
    expect(() =>
      parseConfig(
        { sources: { main: { url: 'postgres://r@db/x?sslmode=verify-full&sslkey=/etc/pstt/client.key' } } },
        '/tmp',
        {},
      ),
    ).not.toThrow();
  });

  it('masks secret query parameters wherever a URL is shown', () => {
    expect(redactUrl('postgres://r:pw@db/x?sslmode=require&password=hunter2&Token=abc#frag')).toBe(
      'postgres://r:***@db/x?sslmode=require&password=***&Token=***#frag',
    );
    expect(redactUrl('sqlite:data/demo.db')).toBe('sqlite:data/demo.db');
  });

  it('checks every scheduling field against the model', () => {
    const problems = problemsOf({
      sources: { main: { url: 'sqlite:x.db' } },
      schedulings: [
        {
          ...validScheduling,
          schedule: { cron: 'every day' },
          overlap: 'sometimes',
          time_format: 'unix',
          retry: { max_attempts: 0, initial_backoff: '5 seconds' },
          notify: ['ops-at-example'],
          kafka_config: { topic: 'bad topic', compression: 'zstd', acks: 2 },
        },
        { ...validScheduling, name: 'csv-one', export_format: 'csv', kafka_config: undefined },
      ],
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^schedulings\[0\]\.schedule/),
        expect.stringMatching(/^schedulings\[0\]\.overlap: .*got "sometimes"$/),
        'schedulings[0].time_format: Invalid option: expected one of "sql"|"iso"|"epoch", got "unix"',
        'schedulings[0].retry.max_attempts: expected an integer from 1 to 100, got 0',
        'schedulings[0].retry.initial_backoff: expected a duration such as 500ms, 30s, 5m, 1h, 2d, got "5 seconds"',
        expect.stringMatching(/^schedulings\[0\]\.notify\[0\]: expected an e-mail address, got "ops-at-example"$/),
        expect.stringMatching(/^schedulings\[0\]\.kafka_config\.topic: expected a Kafka topic name/),
        expect.stringMatching(/^schedulings\[0\]\.kafka_config\.compression: .*got "zstd"$/),
        expect.stringMatching(/^schedulings\[0\]\.kafka_config\.acks: .*got 2$/),
        'schedulings[1].file_config: required when export_format is "csv"',
      ]),
    );
  });

  it('asks exactly-once delivery for a resume key and acks=all, and resume keys for distinct columns', () => {
    const problems = problemsOf({
      sources: { main: { url: 'sqlite:x.db' } },
      schedulings: [
        { ...validScheduling, kafka_config: { topic: 't', delivery: 'exactly_once', acks: 'leader' } },
        { ...validScheduling, name: 'two', kafka_config: { topic: 't', resume_key: ['id', 'id'], delivery: 'twice' } },
      ],
    });
    expect(problems).toEqual([
      expect.stringMatching(/^schedulings\[0\]\.kafka_config\.resume_key: required with delivery "exactly_once"/),
      'schedulings[0].kafka_config.acks: must be "all" with delivery "exactly_once"',
      expect.stringMatching(/^schedulings\[1\]\.kafka_config\.resume_key: expected distinct columns/),
      expect.stringMatching(/^schedulings\[1\]\.kafka_config\.delivery: .*got "twice"$/),
    ]);
  });

  it('checks cron fields and time zones before Temporal sees them', () => {
    const problems = problemsOf({
      sources: { main: { url: 'sqlite:x.db' } },
      schedulings: [
        { ...validScheduling, schedule: { cron: '61 * * * *' } },
        { ...validScheduling, name: 'two', schedule: { cron: '0 6 * * MON-FRI', timezone: 'Mars/Olympus' } },
        { ...validScheduling, name: 'three', schedule: { cron: '*/15 6-18 * * 1-5', timezone: 'Europe/Rome' } },
      ],
    });
    expect(problems).toEqual([
      expect.stringMatching(/^schedulings\[0\]\.schedule\.cron: expected a five-field cron expression .*61.*0-59/),
      expect.stringMatching(/^schedulings\[1\]\.schedule\.timezone: expected an IANA time zone .*got "Mars\/Olympus"$/),
    ]);
  });

  it('names the file when it cannot be read', () => {
    expect(() => loadConfig('/nonexistent/temporal.yaml')).toThrow(
      /cannot read config file \/nonexistent\/temporal.yaml/,
    );
  });
});

describe('the runtime config', () => {
  const secretFile = {
    kafka: { security_protocol: 'SASL_SSL', sasl_username: 'pstt', sasl_password_env: 'T_KAFKA_PW' },
    metrics: { url: 'postgres://pstt@db:5432/metrics', password_env: 'T_METRICS_PW' },
    api: { tokens: [{ name: 'ops', role: 'operate', token_env: 'T_OPS_TOKEN' }] },
    sources: { dwh: { url: 'postgres://reader@db:5432/dwh', password_env: 'T_DWH_PW' }, lite: { url: 'sqlite:x.db' } },
  };

  function problemsOf(raw: unknown, env: NodeJS.ProcessEnv, options?: RuntimeConfigOptions): string[] {
    try {
      parseRuntimeConfig(raw, '/tmp', env, options);
    } catch (err) {
      if (err instanceof ConfigError) return err.problems.map(formatProblem);
      throw err;
    }
    throw new Error('expected a ConfigError');
  }

  it('gives every section from the file and the environment; e-mail is off without SMTP_HOST', () => {
    const runtime = loadRuntimeConfig(path.join(PROJECT_ROOT, 'temporal.yaml'), { ALERT_LATENCY_P99_WARNING: '800' });
    expect(runtime.app.schedulings.map((s) => s.name)).toContain('demo-orders');
    expect(runtime.smtp).toBeNull();
    // The alerts, the health check and the dashboard judge by the same variable.
    expect(runtime.alerts.latencyP99Ms).toEqual({ warning: 800, critical: 5000 });
    expect(runtime.health.latencyP99Ms).toEqual({ warning: 800, critical: 5000 });
    expect(runtime.sla.latencyP99Ms).toEqual({ target: 500, warning: 800, critical: 5000 });
    const withSmtp = parseRuntimeConfig({}, '/tmp', {
      SMTP_HOST: 'mail',
      SMTP_FROM: 'pstt@example.com',
      SMTP_PORT: '465',
    });
    expect(withSmtp.smtp).toEqual({ host: 'mail', port: 465, secure: true, from: 'pstt@example.com', to: [] });
  });

  it('reports the problems of the file and of the variables in one error, each naming its key or variable', () => {
    expect(
      problemsOf({ temporal: { address: 'nowhere' } }, { ALERT_SUCCESS_RATE_WARNING: 'high', SMTP_HOST: 'mail' }),
    ).toEqual([
      'temporal.address: expected host:port, got "nowhere"',
      'SMTP_FROM: expected an e-mail address',
      'ALERT_SUCCESS_RATE_WARNING: expected a percentage from 0 to 100, got "high"',
    ]);
  });

  it('resolves the secrets a process needs at start, naming each missing field and variable', () => {
    const all: RuntimeConfigOptions = { secrets: ['kafka', 'sources', 'metrics', 'apiTokens'] };
    expect(problemsOf(secretFile, {}, all)).toEqual([
      'kafka.sasl_password_env: environment variable T_KAFKA_PW (the SASL password) is not set',
      'sources.dwh.password_env: environment variable T_DWH_PW (source "dwh"\'s password) is not set',
      "metrics.password_env: environment variable T_METRICS_PW (the metrics store's password) is not set",
      'api.tokens[0].token_env: environment variable T_OPS_TOKEN (token "ops") is not set',
    ]);
    // An empty variable is unset; a process names only the secrets it uses.
    expect(problemsOf(secretFile, { T_DWH_PW: '' }, { secrets: ['sources'] })).toEqual([
      'sources.dwh.password_env: environment variable T_DWH_PW (source "dwh"\'s password) is not set',
    ]);
    expect(() => parseRuntimeConfig(secretFile, '/tmp', {})).not.toThrow();

    const env = {
      T_KAFKA_PW: 'kafka-s3cret',
      T_DWH_PW: 'dwh-s3cret',
      T_METRICS_PW: 'metrics-s3cret',
      T_OPS_TOKEN: 'ops-s3cret',
    };
    const { secrets } = parseRuntimeConfig(secretFile, '/tmp', env, all);
    expect(secrets.kafkaSaslPassword).toBe('kafka-s3cret');
    expect(secrets.sourcePasswords).toEqual({ dwh: 'dwh-s3cret' });
    expect(secrets.metricsPassword).toBe('metrics-s3cret');
    expect(secrets.apiTokens).toEqual([{ name: 'ops', role: 'operate', token: 'ops-s3cret' }]);
  });

  it('never shows a secret: not in its errors, not when the secrets are logged', () => {
    const env = { T_KAFKA_PW: 'kafka-s3cret', T_DWH_PW: 'dwh-s3cret' };
    const runtime = parseRuntimeConfig({ ...secretFile, api: {} }, '/tmp', env, { secrets: ['kafka', 'sources'] });
    expect(JSON.stringify(runtime)).not.toMatch(/s3cret/);
    expect(inspect(runtime, { depth: 10 })).not.toMatch(/s3cret/);
    const badSmtp = { ...env, SMTP_HOST: 'mail', SMTP_PASSWORD: 'smtp-s3cret', SMTP_PORT: 'x' };
    expect(() => parseRuntimeConfig(secretFile, '/tmp', badSmtp)).toThrow(/SMTP_FROM: expected an e-mail address/);
    expect(() => parseRuntimeConfig(secretFile, '/tmp', badSmtp)).toThrow(
      expect.objectContaining({ message: expect.not.stringMatching(/s3cret/) }),
    );
  });

  it('asks for a SASL user name with a SASL protocol', () => {
    expect(
      problemsOf(
        { kafka: { security_protocol: 'SASL_PLAINTEXT' } },
        { KAFKA_SASL_PASSWORD: 'x' },
        { secrets: ['kafka'] },
      ),
    ).toEqual(['kafka.sasl_username: required with SASL_PLAINTEXT (or KAFKA_SASL_USERNAME)']);
  });
});
