import pino from 'pino';

/** One structured logger for every process; secrets are redacted by key name. */
export const logger = pino({
  level: process.env.LOG_LEVEL ?? 'info',
  redact: {
    paths: ['*.password', '*.sasl.password', '*.sasl_password', 'password', 'sasl_password'],
    censor: '***',
  },
});
