/**
 * Typed errors of the shared core. The `type` strings of errors that must not be
 * retried are listed once in `NON_RETRYABLE_ERROR_TYPES`, shared with the
 * activities' retry policy.
 */

/** Thrown by the config loader when the file or the environment is invalid; lists every problem with its path. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly problems: readonly string[] = [],
  ) {
    super(problems.length ? `${message}:\n  - ${problems.join('\n  - ')}` : message);
    this.name = this.constructor.name;
  }
}

/** Thrown by a source driver when a connection URL names a scheme no driver handles. */
export class UnsupportedSourceError extends Error {
  constructor(readonly url: string) {
    super(`source url "${redactUrl(url)}": unsupported scheme, expected sqlite:, postgres:// or mssql://`);
    this.name = this.constructor.name;
  }
}

/** Thrown by an export when a scheduling names a `source` that the config does not declare. */
export class UnknownSourceError extends Error {
  constructor(
    readonly source: string,
    readonly known: readonly string[],
  ) {
    super(`source "${source}" is not declared; declared sources: ${known.join(', ') || '(none)'}`);
    this.name = this.constructor.name;
  }
}

/** Thrown by an export when `message_key_field` is not among the query's columns. */
export class MissingKeyFieldError extends Error {
  constructor(
    readonly field: string,
    readonly columns: readonly string[],
  ) {
    super(`message_key_field "${field}" is not a column of the query; columns: ${columns.join(', ')}`);
    this.name = this.constructor.name;
  }
}

/** Thrown by the Kafka producer when a send does not complete within its deadline. */
export class KafkaSendTimeoutError extends Error {
  constructor(
    readonly topic: string,
    readonly timeoutMs: number,
  ) {
    super(`send to topic "${topic}" did not complete within ${timeoutMs} ms`);
    this.name = this.constructor.name;
  }
}

/** Error types that retrying cannot fix: the workflow's retry policy never retries them. */
export const NON_RETRYABLE_ERROR_TYPES = [
  ConfigError.name,
  UnsupportedSourceError.name,
  UnknownSourceError.name,
  MissingKeyFieldError.name,
] as const;

/** Hides the password of a URL so that it can be shown in an error or a log. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@]*)@/, '//$1:***@');
}
