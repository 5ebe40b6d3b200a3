import { checkedSecrets, parseRuntimeConfig, type AppConfig, type RuntimeConfig } from '../../core/config';

/**
 * The runtime config of a process a test builds by hand around an `app` section it has edited: the
 * environment's sections (SMTP, alerts, health) from `env`, and every secret `app` names that `env` holds.
 */
export function runtimeConfigOf(app: AppConfig, env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  return { ...parseRuntimeConfig({}, app.baseDir, env), app, secrets: checkedSecrets(app, env, []) };
}

/** The sections the environment sets (SMTP, alerts, health, SLA), with no file and nothing else in `env`. */
export function envSectionsOf(env: NodeJS.ProcessEnv): RuntimeConfig {
  return parseRuntimeConfig({}, '.', env);
}
