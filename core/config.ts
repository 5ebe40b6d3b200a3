import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from './errors';
import { PROJECT_ROOT } from './paths';
import { schedulingSchema } from './scheduling';

/**
 * The application config: temporal.yaml, overridden by environment variables,
 * validated once at start. A bad value fails before any connection is made.
 */

const hostPort = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port');

const sourceSchema = z.object({
  /** `sqlite:relative/or/absolute.db`, `postgres://user@host/db`, `mssql://user@host/db`; no literal password. */
  url: z.string().min(1),
  /** Name of the environment variable holding the password. */
  password_env: z.string().optional(),
});

export const appConfigSchema = z
  .object({
    temporal: z
      .object({
        /** @default "127.0.0.1:7233" */
        address: hostPort.default('127.0.0.1:7233'),
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
        bootstrap_servers: z.array(hostPort).min(1).default(['127.0.0.1:9092']),
        /** @default "pstt" */
        client_id: z.string().min(1).default('pstt'),
      })
      .prefault({}),
    api: z
      .object({
        /** @default "127.0.0.1" */
        host: z.string().default('127.0.0.1'),
        /** @default 8000 */
        port: z.number().int().min(1).max(65535).default(8000),
      })
      .prefault({}),
    sources: z.record(z.string().regex(/^[a-z0-9_]+$/, 'expected a lowercase name'), sourceSchema).default({}),
    schedulings: z.array(schedulingSchema).default([]),
  })
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    cfg.schedulings.forEach((s, i) => {
      if (seen.has(s.name)) {
        ctx.addIssue({ code: 'custom', path: ['schedulings', i, 'name'], message: `duplicate name "${s.name}"` });
      }
      seen.add(s.name);
      if (!(s.source in cfg.sources)) {
        ctx.addIssue({
          code: 'custom',
          path: ['schedulings', i, 'source'],
          message: `expected one of the declared sources (${Object.keys(cfg.sources).join(', ') || 'none'}), got "${s.source}"`,
        });
      }
      if (s.export_format === 'kafka' && !s.kafka_config) {
        ctx.addIssue({
          code: 'custom',
          path: ['schedulings', i, 'kafka_config'],
          message: 'required when export_format is "kafka"',
        });
      }
    });
  });

export type AppConfig = z.infer<typeof appConfigSchema> & {
  /** Folder that relative paths in the file are resolved against. */
  readonly baseDir: string;
};

/** Environment variables that override the file (operators' names, from the runbook where it has them). */
function applyEnvironment(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
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
  if (env.API_HOST) section('api').host = env.API_HOST;
  if (env.API_PORT) section('api').port = Number(env.API_PORT);
  const sources = section('sources');
  for (const [name, value] of Object.entries(sources)) {
    const override = env[`PSTT_SOURCE_${name.toUpperCase()}_URL`];
    if (override && value && typeof value === 'object') sources[name] = { ...value, url: override };
  }
  return raw;
}

/** Formats zod issues as `path.to[2].field: message` lines. */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const where = issue.path
      .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`))
      .join('');
    return `${where || '(root)'}: ${issue.message}`;
  });
}

/** Validates an already-parsed config object (file content plus environment). */
export function parseConfig(raw: unknown, baseDir: string, env: NodeJS.ProcessEnv = process.env): AppConfig {
  const obj = raw && typeof raw === 'object' ? { ...(raw as Record<string, unknown>) } : {};
  const result = appConfigSchema.safeParse(applyEnvironment(obj, env));
  if (!result.success) throw new ConfigError('invalid configuration', formatIssues(result.error));
  return { ...result.data, baseDir };
}

/** Reads and validates temporal.yaml (or PSTT_CONFIG). */
export function loadConfig(file = process.env.PSTT_CONFIG ?? path.join(PROJECT_ROOT, 'temporal.yaml')): AppConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`config file ${file} is not valid YAML: ${(err as Error).message}`);
  }
  return parseConfig(raw, path.dirname(path.resolve(file)));
}
