import fs from 'node:fs';
import path from 'node:path';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { Admin, type SASLOptions } from '@platformatic/kafka';
import { ConfigError } from '../errors';
import type { AppConfig } from '../config';

/**
 * How to reach a Kafka cluster: what every client of ours (producer, admin, test consumer) is built
 * from. Plain data, so that each use can open a short-lived client and close it again.
 */
export interface KafkaClient {
  readonly clientId: string;
  readonly bootstrapBrokers: readonly string[];
  /** TLS options, or undefined for a plaintext connection. */
  readonly tls?: TlsOptions;
  readonly sasl?: SASLOptions;
  /** Deadline of one TCP (and TLS) connection. @default 5000 */
  readonly connectTimeout: number;
  /** Deadline of one request on an open connection. @default 30000 */
  readonly requestTimeout: number;
  /**
   * Retries of one operation inside the client. Kept low: Temporal's retry policy owns backoff,
   * otherwise the two multiply. @default 3
   */
  readonly retries: number;
  /** Pause between those retries. @default 250 */
  readonly retryDelay: number;
}

/** The platformatic client options of a connection (shared by Producer, Admin and Consumer). */
export function baseOptionsOf(kafka: KafkaClient) {
  return {
    clientId: kafka.clientId,
    bootstrapBrokers: [...kafka.bootstrapBrokers],
    connectTimeout: kafka.connectTimeout,
    requestTimeout: kafka.requestTimeout,
    retries: kafka.retries,
    retryDelay: kafka.retryDelay,
    ...(kafka.tls ? { tls: kafka.tls } : {}),
    ...(kafka.sasl ? { sasl: kafka.sasl } : {}),
  };
}

/**
 * TLS and SASL settings from config. The SASL password is the one the runtime config resolved at start
 * (`secrets.kafkaSaslPassword`, from the variable `kafka.sasl_password_env` names).
 */
export function securityOf(
  config: AppConfig['kafka'],
  baseDir: string,
  saslPassword?: string,
): Pick<KafkaClient, 'tls' | 'sasl'> {
  const protocol = config.security_protocol;
  const useTls = protocol === 'SSL' || protocol === 'SASL_SSL';
  const tls: TlsOptions | undefined = useTls
    ? config.ssl_ca_file
      ? { ca: [fs.readFileSync(path.resolve(baseDir, config.ssl_ca_file), 'utf8')] }
      : {}
    : undefined;
  if (protocol !== 'SASL_PLAINTEXT' && protocol !== 'SASL_SSL') return { tls };
  const username = config.sasl_username;
  // The runtime config checks both at start for a process that asks for its Kafka secrets.
  if (!username) throw new ConfigError(`kafka.sasl_username (or KAFKA_SASL_USERNAME) is required with ${protocol}`);
  if (!saslPassword)
    throw new ConfigError(`environment variable ${config.sasl_password_env} (the SASL password) is not set`);
  // Our config names are Kafka's (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512), which the client takes as they are.
  return { tls, sasl: { mechanism: config.sasl_mechanism, username, password: saslPassword } };
}

/** The cluster of the config, with its security settings checked now (a missing password fails at start). */
export function createKafka(config: AppConfig['kafka'], baseDir = '.', saslPassword?: string): KafkaClient {
  return {
    ...securityOf(config, baseDir, saslPassword),
    clientId: config.client_id,
    bootstrapBrokers: config.bootstrap_servers,
    connectTimeout: 5_000,
    requestTimeout: 30_000,
    retries: 3,
    retryDelay: 250,
  };
}

/**
 * Closes a client at once. A producer or consumer is forced: a plain close() refuses while work is
 * pending, and a client left open keeps the process alive. (Admin's close() takes no such flag.)
 */
export async function forceClose(client: Admin | { close(force?: boolean): Promise<void> }): Promise<void> {
  try {
    if (client instanceof Admin) await client.close();
    else await client.close(true);
  } catch {
    // Closing is best effort: the client is abandoned either way.
  }
}
