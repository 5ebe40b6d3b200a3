import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../errors';
import { PROJECT_ROOT } from '../paths';
import { alertEnvSchema, compileAlerts, type AlertConfig } from './alerts';
import { appConfigSchema, applyEnvironment, type AppConfig } from './app-config';
import { compileHealth, compileSla, healthEnvSchema, type HealthThresholds, type SlaThresholds } from './health';
import { formatIssues } from './issues';
import { resolveSecrets, type SecretGroup, type Secrets } from './secrets';
import { compileSmtp, smtpEnvSchema, type SmtpConfig } from './smtp';

export { appConfigSchema, type AppConfig } from './app-config';
export type { AlertConfig, Thresholds } from './alerts';
export type { HealthThresholds, SlaThresholds } from './health';
export type { SmtpConfig } from './smtp';
export type { ApiRole, SecretGroup, Secrets } from './secrets';

/**
 * Everything a PSTT process is configured by, validated once at start: temporal.yaml with its
 * environment overrides (`app`), the SMTP, alert and health check variables, and the secrets the
 * config names. Each process takes the sections it needs.
 */
export interface RuntimeConfig {
  app: AppConfig;
  /** E-mail settings; null when SMTP_HOST is unset (e-mail off). */
  smtp: SmtpConfig | null;
  alerts: AlertConfig;
  /** The daily health check's thresholds (`pstt check`). */
  health: HealthThresholds;
  /** The dashboard's SLA colours, sent to the UI by `/api/session`. */
  sla: SlaThresholds;
  secrets: Secrets;
}

export interface RuntimeConfigOptions {
  /** The secrets this process uses: each must be set, or the start fails naming its variable. @default [] */
  secrets?: readonly SecretGroup[];
}

/**
 * The one pipeline, after the Temporal SDK's worker options: the options (file and environment, one
 * section each) get their defaults from the schemas, then are compiled into the sections' own types.
 */
const runtimeSchema = z
  .object({
    app: appConfigSchema,
    smtp: smtpEnvSchema.nullable(),
    alerts: alertEnvSchema,
    health: healthEnvSchema,
  })
  .transform((o) => {
    const alerts = compileAlerts(o.alerts);
    return {
      app: o.app,
      smtp: o.smtp && compileSmtp(o.smtp),
      alerts,
      health: compileHealth(alerts, o.health),
      sla: compileSla(alerts),
    };
  });

/** Validates a config object (the file's content) with the environment; problems name the key or variable. */
export function parseRuntimeConfig(
  raw: unknown,
  baseDir: string,
  env: NodeJS.ProcessEnv = process.env,
  options: RuntimeConfigOptions = {},
): RuntimeConfig {
  const file = raw && typeof raw === 'object' ? { ...(raw as Record<string, unknown>) } : {};
  const input = {
    app: applyEnvironment(file, env),
    // Without SMTP_HOST e-mail is off, and the other SMTP variables are not read.
    smtp: env.SMTP_HOST ? env : null,
    alerts: env,
    health: env,
  };
  const result = runtimeSchema.safeParse(input, { reportInput: true });
  // The section names are ours: a line names the file's key or the variable.
  if (!result.success) throw new ConfigError('invalid configuration', formatIssues(result.error, 1));
  const app: AppConfig = { ...result.data.app, baseDir };
  return { ...result.data, app, secrets: checkedSecrets(app, env, options.secrets ?? []) };
}

/** The secrets `app` names, read from `env`; throws a ConfigError naming each field and variable a needed group lacks. */
export function checkedSecrets(app: AppConfig, env: NodeJS.ProcessEnv, needs: readonly SecretGroup[]): Secrets {
  const { secrets, problems } = resolveSecrets(app, env, needs);
  if (problems.length) {
    throw new ConfigError('invalid configuration', problems);
  }
  return secrets;
}

/** Reads temporal.yaml (`file`, else PSTT_CONFIG, else the project's) and validates it with the environment. */
export function loadRuntimeConfig(
  file?: string,
  env: NodeJS.ProcessEnv = process.env,
  options: RuntimeConfigOptions = {},
): RuntimeConfig {
  const where = file ?? env.PSTT_CONFIG ?? path.join(PROJECT_ROOT, 'temporal.yaml');
  let text: string;
  try {
    text = fs.readFileSync(where, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${where}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`config file ${where} is not valid YAML: ${(err as Error).message}`);
  }
  return parseRuntimeConfig(raw, path.dirname(path.resolve(where)), env, options);
}

/** The `app` section alone, for tests and benchmarks that build their processes' parts by hand. */
export function parseConfig(raw: unknown, baseDir: string, env: NodeJS.ProcessEnv = process.env): AppConfig {
  return parseRuntimeConfig(raw, baseDir, env).app;
}

/** The `app` section of a file alone (see `loadRuntimeConfig`). */
export function loadConfig(file?: string, env: NodeJS.ProcessEnv = process.env): AppConfig {
  return loadRuntimeConfig(file, env).app;
}
