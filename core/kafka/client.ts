import fs from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import { ConfigError } from '../errors';
import type { AppConfig } from '../config';
import { logger } from '../logger';

const levelNames: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** KafkaJS logs through our logger (structured, secrets redacted). */
function logCreator() {
  return ({ level, log }: LogEntry) => {
    const { message, ...rest } = log;
    logger[levelNames[level] ?? 'info']({ kafka: rest }, `[KAFKA] ${message}`);
  };
}

/** TLS and SASL settings from config; the SASL password comes from the environment variable it names. */
export function securityOf(
  config: AppConfig['kafka'],
  baseDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const protocol = config.security_protocol;
  const tls = protocol === 'SSL' || protocol === 'SASL_SSL';
  const ssl = tls ? (config.ssl_ca_file ? { ca: [fs.readFileSync(path.resolve(baseDir, config.ssl_ca_file), 'utf8')] } : true) : false;
  if (protocol !== 'SASL_PLAINTEXT' && protocol !== 'SASL_SSL') return { ssl };
  const username = config.sasl_username;
  const password = env[config.sasl_password_env];
  if (!username) throw new ConfigError(`kafka.sasl_username (or KAFKA_SASL_USERNAME) is required with ${protocol}`);
  if (!password) throw new ConfigError(`environment variable ${config.sasl_password_env} (the SASL password) is not set`);
  const mechanism = config.sasl_mechanism.toLowerCase() as 'plain' | 'scram-sha-256' | 'scram-sha-512';
  return { ssl, sasl: { mechanism, username, password } as SASLOptions };
}

/**
 * Creates the KafkaJS client from config. KafkaJS's own retries stay low: Temporal's
 * retry policy owns backoff, otherwise the two multiply.
 */
export function createKafka(config: AppConfig['kafka'], baseDir = '.'): Kafka {
  return new Kafka({
    ...securityOf(config, baseDir),
    clientId: config.client_id,
    brokers: config.bootstrap_servers,
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    retry: { retries: 3, initialRetryTime: 300, maxRetryTime: 5_000 },
    logLevel: logLevel.WARN,
    logCreator,
  });
}
