import { z } from 'zod';
import {
  compressionSchema,
  hostPortSchema,
  saslMechanismSchema,
  securityProtocolSchema,
  topicNameSchema,
} from '../field-schemas';
import { checkedSchedulingSchema, intRange } from '../scheduling';
import { secretQueryParams } from '../secret-params';
import { DEFAULT_POOL_SIZE } from '../sources/source';

/**
 * The `app` section of the runtime config: temporal.yaml, overridden by environment variables
 * (`applyEnvironment`). Secrets are only named here (`*_env`); secrets.ts reads them.
 */

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'expected the NAME of an environment variable');

/** A connection URL carries no secret: no `user:password@`, no `?password=` (or other secret-named parameter). */
function withoutSecrets<T extends z.ZodString>(url: T) {
  return url
    .refine((u) => !/^\w+:\/\/[^/@]*:[^/@]*@/.test(u), 'must not contain a password: name its variable in password_env')
    .superRefine((u, ctx) => {
      for (const param of secretQueryParams(u)) {
        ctx.addIssue({
          code: 'custom',
          // Its value is never shown: the issue names the parameter only.
          input: undefined,
          message: `must not carry a secret in its query parameter "${param}": name its variable in password_env`,
        });
      }
    });
}

const sourceSchema = z.object({
  /** `sqlite:relative/or/absolute.db`, `postgres://user@host:5432/db`, `mssql://user@host:1433/db`; no literal password. */
  url: withoutSecrets(
    z
      .string()
      .regex(
        /^(sqlite:|postgres(ql)?:\/\/|mssql:\/\/)/,
        'expected a URL starting with sqlite:, postgres:// or mssql://',
      ),
  ),
  /** Name of the environment variable holding the password. */
  password_env: envName.optional(),
  /** Statement timeout the database enforces on each query, in seconds. @default the scheduling's timeout */
  statement_timeout: intRange(1, 7 * 24 * 3600).optional(),
  /** Connections of the source's pool in each worker (PostgreSQL, SQL Server; SQLite has none). @default 4 */
  pool_size: intRange(1, 100).optional(),
});

export const appConfigSchema = z
  .object({
    temporal: z
      .object({
        /** @default "127.0.0.1:7233" */
        address: hostPortSchema.default('127.0.0.1:7233'),
        /** @default "default" */
        namespace: z.string().min(1).default('default'),
        /** @default "pstt-exports" */
        task_queue: z.string().min(1).default('pstt-exports'),
        /** Base URL of the Temporal Web UI, for links to runs. @default "http://127.0.0.1:8233" */
        web_ui: z.string().url().default('http://127.0.0.1:8233'),
      })
      .prefault({}),
    kafka: z
      .object({
        /** @default ["127.0.0.1:9092"] */
        bootstrap_servers: z.array(hostPortSchema).min(1).default(['127.0.0.1:9092']),
        /** @default "pstt" */
        client_id: z.string().min(1).default('pstt'),
        /** @default "PLAINTEXT" */
        security_protocol: securityProtocolSchema.default('PLAINTEXT'),
        /** @default "PLAIN" */
        sasl_mechanism: saslMechanismSchema.default('PLAIN'),
        sasl_username: z.string().optional(),
        /** Environment variable holding the SASL password. @default "KAFKA_SASL_PASSWORD" */
        sasl_password_env: envName.default('KAFKA_SASL_PASSWORD'),
        /** PEM file of the CA that signed the brokers' certificates (SSL, SASL_SSL). */
        ssl_ca_file: z.string().optional(),
        /** Default compression of the schedulings' batches. @default "none" */
        compression: compressionSchema.default('none'),
        /**
         * Accepted for older files and unused: one export keeps one send on the wire, so that each partition
         * gets its rows in the query's order. @default 4
         */
        max_in_flight_sends: intRange(1, 32).default(4),
        /**
         * Compacted topic where exactly-once exports commit their checkpoints, in the same transaction
         * as their rows; created by the worker when missing. @default "pstt-checkpoints"
         */
        checkpoint_topic: topicNameSchema.default('pstt-checkpoints'),
        /**
         * Reads and serialises each Kafka export's rows in a worker thread, so that the query and the
         * producer each have a core; false keeps both on the activity's thread. @default true
         */
        row_thread: z.boolean().default(true),
        /** Deadline of one send, the Kafka client's retries included, in milliseconds. @default 60000 */
        send_timeout_ms: intRange(1_000, 600_000).default(60_000),
      })
      .prefault({}),
    worker: z
      .object({
        /**
         * Exports (activities) one worker process runs at once; the rest wait on the task queue. At most
         * each pooled source's `pool_size`, so that an export never waits for a connection. @default 4
         */
        max_concurrent_exports: intRange(1, 100).default(4),
        /**
         * Port of the worker's own Prometheus endpoint (`GET /metrics`: its memory, CPU, event loop), which
         * the API's scrape cannot show since it covers another process. Unset: no endpoint. @default unset
         */
        metrics_port: z.number().int().min(1).max(65535).optional(),
        /** Address that endpoint listens on (0.0.0.0 in a container). @default "127.0.0.1" */
        metrics_host: z.string().optional(),
      })
      .prefault({}),
    api: z
      .object({
        /** @default "127.0.0.1" */
        host: z.string().default('127.0.0.1'),
        /** @default 8000 */
        port: z.number().int().min(1).max(65535).default(8000),
        /**
         * Bearer tokens and their roles (read < operate < admin); each token's value is read from
         * the environment variable `token_env` names. With none, an admin token is generated at
         * first start in the data folder. @default []
         */
        tokens: z
          .array(z.object({ name: z.string().min(1), role: z.enum(['read', 'operate', 'admin']), token_env: envName }))
          .default([]),
        /**
         * Lets `POST /api/kafka/test` reach loopback, link-local and private addresses (the dev stack sets it);
         * the cluster in kafka.bootstrap_servers is always allowed. @default false
         */
        allow_private_test_targets: z.boolean().default(false),
        /** The longest window `POST /api/scheduler/scheduling/:name/backfill` accepts, in days. @default 366 */
        max_backfill_days: intRange(1, 3660).default(366),
      })
      .prefault({}),
    metrics: z
      .object({
        /**
         * Where every producer send is recorded: `sqlite:` (`<data folder>/metrics.db`), `sqlite:path`
         * (relative to this file) for one host, `postgres://user@host:5432/db` for several. @default "sqlite:"
         */
        url: withoutSecrets(
          z.string().regex(/^(sqlite:|postgres(ql)?:\/\/)/, 'expected sqlite: or postgres://'),
        ).default('sqlite:'),
        /** Environment variable holding the PostgreSQL password. */
        password_env: envName.optional(),
        /** Days of metrics the automatic retention keeps. @default 90 */
        retention_days: intRange(1, 3650).default(90),
      })
      .prefault({}),
    files: z
      .object({
        /**
         * Folders CSV and Excel exports may write under (relative paths from this file's folder); an
         * `output_dir` elsewhere, or reaching out through a symbolic link, is refused. @default ["data/exports"]
         */
        allowed_roots: z.array(z.string().min(1)).min(1, 'expected at least one folder').default(['data/exports']),
      })
      .prefault({}),
    sources: z.record(z.string().regex(/^[a-z0-9_]+$/, 'expected a lowercase name'), sourceSchema).default({}),
    schedulings: z.array(checkedSchedulingSchema).default([]),
  })
  .superRefine((cfg, ctx) => {
    for (const [name, source] of Object.entries(cfg.sources)) {
      const poolSize = source.pool_size ?? DEFAULT_POOL_SIZE;
      if (!source.url.startsWith('sqlite:') && cfg.worker.max_concurrent_exports > poolSize) {
        ctx.addIssue({
          code: 'custom',
          path: ['worker', 'max_concurrent_exports'],
          message: `must be at most the pool_size of source "${name}" (${poolSize}), got ${cfg.worker.max_concurrent_exports}: raise that source's pool_size`,
        });
      }
    }
    const seen = new Set<string>();
    cfg.schedulings.forEach((s, i) => {
      if (seen.has(s.name)) {
        ctx.addIssue({ code: 'custom', path: ['schedulings', i, 'name'], message: `duplicate name "${s.name}"` });
      }
      seen.add(s.name);
      if (!Object.hasOwn(cfg.sources, s.source)) {
        ctx.addIssue({
          code: 'custom',
          path: ['schedulings', i, 'source'],
          message: `expected one of the declared sources (${Object.keys(cfg.sources).join(', ') || 'none'}), got "${s.source}"`,
        });
      }
    });
  });

export type AppConfig = z.infer<typeof appConfigSchema> & {
  /** Folder that relative paths in the file are resolved against. */
  readonly baseDir: string;
};

/** Environment variables that override the file (operators' names, from the runbook where it has them). */
export function applyEnvironment(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const section = (key: string): Record<string, unknown> => {
    const value = raw[key];
    const obj = value && typeof value === 'object' ? { ...(value as Record<string, unknown>) } : {};
    raw[key] = obj;
    return obj;
  };
  if (env.TEMPORAL_ADDRESS) section('temporal').address = env.TEMPORAL_ADDRESS;
  if (env.TEMPORAL_NAMESPACE) section('temporal').namespace = env.TEMPORAL_NAMESPACE;
  if (env.TEMPORAL_TASK_QUEUE) section('temporal').task_queue = env.TEMPORAL_TASK_QUEUE;
  if (env.TEMPORAL_WEB_UI) section('temporal').web_ui = env.TEMPORAL_WEB_UI;
  if (env.KAFKA_BOOTSTRAP_SERVERS) {
    section('kafka').bootstrap_servers = env.KAFKA_BOOTSTRAP_SERVERS.split(',').map((s) => s.trim());
  }
  if (env.KAFKA_CLIENT_ID) section('kafka').client_id = env.KAFKA_CLIENT_ID;
  if (env.KAFKA_SECURITY_PROTOCOL) section('kafka').security_protocol = env.KAFKA_SECURITY_PROTOCOL;
  if (env.KAFKA_SASL_MECHANISM) section('kafka').sasl_mechanism = env.KAFKA_SASL_MECHANISM;
  if (env.KAFKA_SASL_USERNAME) section('kafka').sasl_username = env.KAFKA_SASL_USERNAME;
  if (env.KAFKA_COMPRESSION_TYPE) section('kafka').compression = env.KAFKA_COMPRESSION_TYPE.toLowerCase();
  if (env.PSTT_METRICS_URL) section('metrics').url = env.PSTT_METRICS_URL;
  if (env.API_HOST) section('api').host = env.API_HOST;
  if (env.API_PORT) section('api').port = Number(env.API_PORT);
  if (env.WORKER_METRICS_PORT) section('worker').metrics_port = Number(env.WORKER_METRICS_PORT);
  if (env.WORKER_METRICS_HOST) section('worker').metrics_host = env.WORKER_METRICS_HOST;
  const sources = section('sources');
  for (const [name, value] of Object.entries(sources)) {
    const override = env[`PSTT_SOURCE_${name.toUpperCase()}_URL`];
    if (override && value && typeof value === 'object') sources[name] = { ...value, url: override };
  }
  return raw;
}
