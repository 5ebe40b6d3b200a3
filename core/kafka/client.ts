import { Kafka, logLevel, type LogEntry } from 'kafkajs';
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

/**
 * Creates the KafkaJS client from config. KafkaJS's own retries stay low: Temporal's
 * retry policy owns backoff, otherwise the two multiply.
 */
export function createKafka(config: AppConfig['kafka']): Kafka {
  return new Kafka({
    clientId: config.client_id,
    brokers: config.bootstrap_servers,
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    retry: { retries: 3, initialRetryTime: 300, maxRetryTime: 5_000 },
    logLevel: logLevel.WARN,
    logCreator,
  });
}
