import { inspect } from 'node:util';
import type { Problem } from '../errors';
import type { AppConfig } from './app-config';

/** Secrets a process may need; each process names the ones it uses (a `pstt apply` needs none). */
export type SecretGroup = 'kafka' | 'sources' | 'metrics' | 'apiTokens';

export type ApiRole = AppConfig['api']['tokens'][number]['role'];

/**
 * The values of the variables the config names (`*_env`), read once at start. Only the groups a
 * process asked for are guaranteed; the others hold what happened to be set. Never logged: it prints
 * as `[secrets]`.
 */
export interface Secrets {
  /** The SASL password (`kafka.sasl_password_env`), with a SASL security protocol. */
  readonly kafkaSaslPassword?: string;
  /** Each source's password (`sources.<name>.password_env`), by source name. */
  readonly sourcePasswords: Readonly<Record<string, string>>;
  /** The PostgreSQL metrics store's password (`metrics.password_env`). */
  readonly metricsPassword?: string;
  /** The API's bearer tokens (`api.tokens[].token_env`); empty when none are configured. */
  readonly apiTokens: readonly { name: string; role: ApiRole; token: string }[];
}

const hidden = {
  toJSON: () => '[secrets]',
  [inspect.custom]: () => '[secrets]',
};

/**
 * Reads the secrets the config names from `env`. A variable that a needed group names but that is
 * unset or empty is a problem naming the field and the variable.
 */
export function resolveSecrets(
  app: AppConfig,
  env: NodeJS.ProcessEnv,
  needs: readonly SecretGroup[],
): { secrets: Secrets; problems: Problem[] } {
  // Each names the field and the variable, never a value.
  const problems: Problem[] = [];
  const read = (variable: string, path: string, group: SecretGroup, what: string): string | undefined => {
    const value = env[variable];
    if (value) return value;
    if (needs.includes(group))
      problems.push({ path, message: `environment variable ${variable} (${what}) is not set` });
    return undefined;
  };

  let kafkaSaslPassword: string | undefined;
  const protocol = app.kafka.security_protocol;
  if (protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL') {
    if (!app.kafka.sasl_username && needs.includes('kafka')) {
      problems.push({
        path: 'kafka.sasl_username',
        message: `required with ${protocol} (or KAFKA_SASL_USERNAME)`,
      });
    }
    kafkaSaslPassword = read(app.kafka.sasl_password_env, 'kafka.sasl_password_env', 'kafka', 'the SASL password');
  }

  const sourcePasswords: Record<string, string> = {};
  for (const [name, source] of Object.entries(app.sources)) {
    if (!source.password_env) continue;
    const password = read(
      source.password_env,
      `sources.${name}.password_env`,
      'sources',
      `source "${name}"'s password`,
    );
    if (password !== undefined) sourcePasswords[name] = password;
  }

  const metricsPassword =
    app.metrics.password_env && /^postgres(ql)?:\/\//.test(app.metrics.url)
      ? read(app.metrics.password_env, 'metrics.password_env', 'metrics', "the metrics store's password")
      : undefined;

  const apiTokens: Secrets['apiTokens'][number][] = [];
  app.api.tokens.forEach((t, i) => {
    const token = read(t.token_env, `api.tokens[${i}].token_env`, 'apiTokens', `token "${t.name}"`);
    if (token !== undefined) apiTokens.push({ name: t.name, role: t.role, token });
  });

  const secrets: Secrets = Object.assign(Object.create(hidden) as object, {
    kafkaSaslPassword,
    sourcePasswords,
    metricsPassword,
    apiTokens,
  });
  return { secrets, problems };
}
