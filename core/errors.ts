/**
 * Typed errors of the shared core. An error retrying cannot fix extends `PermanentError`: its class, not a
 * list of names kept beside it, makes it non-retryable. Every other error is retried.
 */

import { maskSecretParams } from './secret-params';

/**
 * Base of the errors that retrying cannot fix: the same input fails the same way (bullmq's
 * `UnrecoverableError`). The export activities turn every instance into a non-retryable
 * `ApplicationFailure` whose type is the class name (activities/non-retryable.ts). Declare subclasses
 * in this file: a row thread's error is rebuilt as an instance of its class only from here (error-transfer.ts).
 */
export abstract class PermanentError extends Error {
  /** A stable snake_case name of the problem; the API's `error` field when the error has a `status`. */
  abstract readonly code: string;
  /** The HTTP status the API answers with when a request meets this error; without one it is a 500. */
  declare readonly status?: number;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One problem of an input, naming its field (`a.b.c`, `list[2].field`; empty for the whole input). */
export interface Problem {
  path: string;
  message: string;
}

/** A problem as a line of text: `path: message`. */
export function formatProblem(problem: Problem): string {
  return `${problem.path || '(root)'}: ${problem.message}`;
}

/** Thrown by the config loader when the file or the environment is invalid; lists every problem with its path. */
export class ConfigError extends PermanentError {
  readonly code = 'invalid_request';
  override readonly status = 400;

  constructor(
    /** What was invalid, without the problems (`invalid configuration`). */
    readonly summary: string,
    readonly problems: readonly Problem[] = [],
  ) {
    super(problems.length ? `${summary}:\n  - ${problems.map(formatProblem).join('\n  - ')}` : summary);
  }
}

/** Thrown by a source driver when a connection URL names a scheme no driver handles. */
export class UnsupportedSourceError extends PermanentError {
  readonly code = 'unsupported_source';
  constructor(readonly url: string) {
    super(`source url "${redactUrl(url)}": unsupported scheme, expected sqlite:, postgres:// or mssql://`);
  }
}

/** Thrown by an export when a scheduling names a `source` that the config does not declare. */
export class UnknownSourceError extends PermanentError {
  readonly code = 'unknown_source';
  constructor(
    readonly source: string,
    readonly known: readonly string[],
  ) {
    super(`source "${source}" is not declared; declared sources: ${known.join(', ') || '(none)'}`);
  }
}

/** Thrown by an export when `message_key_field` is not among the query's columns. */
export class MissingKeyFieldError extends PermanentError {
  readonly code = 'missing_key_field';
  constructor(
    readonly field: string,
    readonly columns: readonly string[],
  ) {
    super(`message_key_field "${field}" is not a column of the query; columns: ${columns.join(', ')}`);
  }
}

/**
 * Thrown when a scheduling's `resume_key` (or incremental `(column, key)`) cannot order its rows: a column the query lacks, a NULL or
 * unsupported value, or two rows out of key order (not unique, or going backwards). Resuming after
 * such a key could skip rows, so the run fails instead; retrying cannot fix it.
 */
export class ResumeKeyError extends PermanentError {
  readonly code = 'unusable_resume_key';
  constructor(
    readonly scheduling: string,
    readonly columns: readonly string[],
    readonly problem: string,
    /** The field that declared the columns: `resume_key`, or `incremental` for its `(column, ...key)`. */
    readonly field = 'resume_key',
  ) {
    super(`scheduling "${scheduling}": ${field} (${columns.join(', ')}) ${problem}`);
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

/** Thrown by the Kafka producer when a send fails for a reason retrying may fix (broker down, leader moving); retryable. */
export class KafkaSendError extends Error {
  constructor(
    readonly topic: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`send to topic "${topic}" failed: ${reason}`, options);
    this.name = this.constructor.name;
  }
}

/**
 * Thrown by an export attempt whose progress has not reached the Temporal server for longer than its
 * heartbeat timeout: a retry may already run elsewhere, so this attempt stops producing. Retryable.
 */
export class CheckpointLostError extends Error {
  constructor(
    readonly silentMs: number,
    readonly heartbeatTimeoutMs: number,
  ) {
    super(
      `no checkpoint reached the Temporal server for ${Math.round(silentMs / 1000)} s (heartbeat timeout ` +
        `${Math.round(heartbeatTimeoutMs / 1000)} s): this attempt stops sending so that its retry is not duplicated`,
    );
    this.name = this.constructor.name;
  }
}

/** Thrown by an export when its topic does not exist and the cluster does not create topics on first use. */
export class TopicNotFoundError extends PermanentError {
  readonly code = 'topic_not_found';
  constructor(readonly topic: string) {
    super(
      `topic "${topic}" does not exist and the cluster does not auto-create topics: create it or fix kafka_config.topic`,
    );
  }
}

/** Thrown by an export when one row's message is larger than the topic accepts. */
export class MessageTooLargeError extends PermanentError {
  readonly code = 'message_too_large';
  constructor(
    readonly topic: string,
    readonly key: string | null,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(
      `row with key ${key === null ? '(null)' : JSON.stringify(key)} makes a ${bytes}-byte message, over the ` +
        `${limit}-byte limit (max.message.bytes) of topic "${topic}"`,
    );
  }
}

/**
 * Thrown by the Kafka producer when the broker rejects a send as MESSAGE_TOO_LARGE or
 * RECORD_LIST_TOO_LARGE (a record or batch over the topic's `max.message.bytes`, or over the
 * broker's request limit). Not retryable: the same rows make the same batch again.
 */
export class KafkaMessageTooLargeError extends PermanentError {
  readonly code = 'message_too_large';
  override readonly status = 413;
  constructor(
    readonly topic: string,
    /** MESSAGE_TOO_LARGE or RECORD_LIST_TOO_LARGE. */
    readonly brokerCode: string,
    readonly messages: number,
    /** Key, value and header bytes of the whole send. */
    readonly bytes: number,
    /** Bytes of the largest message of the send. */
    readonly largestMessageBytes: number,
  ) {
    super(
      `the broker rejected a send to topic "${topic}" as ${brokerCode}: ${messages} message(s), ${bytes} bytes, the largest ` +
        `${largestMessageBytes} bytes; raise the topic's max.message.bytes or make the rows (or batch_size) smaller`,
    );
  }
}

/**
 * Thrown by a transactional producer when a newer producer with the same transactional.id has fenced it
 * (PRODUCER_FENCED / INVALID_PRODUCER_EPOCH): this instance must stop producing. Retryable: the attempt that
 * fenced it carries on, and a retry of this one would build a new producer and fence in turn.
 */
export class ProducerFencedError extends Error {
  constructor(
    readonly transactionalId: string,
    reason: string,
  ) {
    super(`transactional producer "${transactionalId}" was fenced by a newer one with the same id: ${reason}`);
    this.name = this.constructor.name;
  }
}

/**
 * Thrown by an export when one row holds more than a worker may hold for a row (core/row-budget.ts):
 * serialising it would run the worker out of memory on every attempt. Not retryable.
 */
export class RowTooLargeError extends PermanentError {
  readonly code = 'row_too_large';
  constructor(
    /** The row's message key (or resume key), null when it has none. */
    readonly key: string | null,
    /** 1-based number of the row in the attempt's result set. */
    readonly row: number,
    readonly bytes: number,
    readonly budget: number,
  ) {
    super(
      `row ${row}${key === null ? '' : ` (key ${JSON.stringify(key)})`} holds ${bytes} bytes, over the ${budget}-byte ` +
        `budget of one row in this worker (a share of its heap limit, PSTT_WORKER_HEAP_MB); leave the large ` +
        `column out of the query or raise the worker's heap`,
    );
  }
}

/** Thrown by the row serializer when a value has no JSON form. */
export class RowSerializationError extends PermanentError {
  readonly code = 'row_not_serialisable';
  constructor(
    readonly column: string,
    readonly key: string | null,
    reason: string,
  ) {
    super(
      `column "${column}" of the row with key ${key === null ? '(null)' : JSON.stringify(key)} cannot be serialised: ${reason}`,
    );
  }
}

/** Thrown by the file-name renderer when `file_config.file_name` has an unknown token or renders to no plain name. */
export class InvalidFileNameError extends PermanentError {
  readonly code = 'invalid_file_name';
  constructor(
    readonly template: string,
    readonly reason: string,
  ) {
    super(`file_config.file_name "${template}": ${reason}`);
  }
}

/** Thrown by a file export when the schedule's timezone is not an IANA time zone the runtime knows. */
export class InvalidTimeZoneError extends PermanentError {
  readonly code = 'invalid_time_zone';
  constructor(readonly timeZone: string) {
    super(`time zone "${timeZone}" is not a known IANA time zone (such as "Europe/Rome" or "UTC")`);
  }
}

/** Thrown by a CSV or XLSX writer when a value cannot be written: it has no text form, or Excel cannot hold it. */
export class FileValueError extends PermanentError {
  readonly code = 'file_value_not_writable';
  constructor(
    readonly column: string,
    /** 1-based number of the row in the result set. */
    readonly row: number,
    readonly reason: string,
  ) {
    super(`column "${column}" of row ${row} cannot be written to the file: ${reason}`);
  }
}

/** Thrown by a file export when the final path and every numbered alternative (`_1`, `_2`...) already exist. */
export class OutputFileExistsError extends Error {
  constructor(
    readonly file: string,
    readonly tried: number,
  ) {
    super(`${file} and its ${tried} numbered alternatives already exist: move old exports away or change file_name`);
    this.name = this.constructor.name;
  }
}

/** Thrown by a source driver when the query uses a `:name` parameter that the run does not define. */
export class QueryParameterError extends PermanentError {
  readonly code = 'query_parameter_missing';
  constructor(
    readonly missing: readonly string[],
    readonly defined: readonly string[],
  ) {
    const names = missing.map((n) => `:${n}`).join(', ');
    super(
      `query parameter${missing.length > 1 ? 's' : ''} ${names} ${missing.length > 1 ? 'have' : 'has'} no value; ` +
        `defined parameters: ${defined.map((n) => `:${n}`).join(', ') || '(none)'}`,
    );
  }
}

/**
 * Thrown by a source driver when the database rejects the query text itself (syntax error, unknown
 * table or column, missing privilege); carries the database's own message and code.
 */
export class InvalidQueryError extends PermanentError {
  readonly code = 'invalid_query';
  constructor(
    readonly dbMessage: string,
    /** SQLSTATE (PostgreSQL), error number (SQL Server) or result code (SQLite). */
    readonly dbCode: string | undefined,
  ) {
    super(`the database rejected the query: ${dbMessage}${dbCode ? ` (${dbCode})` : ''}`);
  }
}

/**
 * Thrown by a source driver before the query is sent, when its text is more than one query (SQL
 * Server runs whole batches); `problem` says what was found and where.
 */
export class NotAQueryError extends PermanentError {
  readonly code = 'not_a_query';
  constructor(readonly problem: string) {
    super(`query ${problem}`);
  }
}

/**
 * Thrown by a source driver at open when the query returns two columns of the same name: a row (an
 * object, a JSON message, a CSV line) would keep only one value under that name.
 */
export class DuplicateColumnError extends PermanentError {
  readonly code = 'duplicate_column';
  constructor(readonly duplicates: readonly string[]) {
    super(
      `the query returns more than one column named ${duplicates.map((n) => JSON.stringify(n)).join(', ')}: ` +
        'give each column its own name (AS ...)',
    );
  }
}

/** Thrown by a source driver when the database cancels a query that ran past its statement timeout; retryable. */
export class QueryTimeoutError extends Error {
  constructor(
    readonly timeoutMs: number,
    readonly dbMessage: string,
  ) {
    super(`the query ran past its statement timeout of ${timeoutMs} ms: ${dbMessage}`);
    this.name = this.constructor.name;
  }
}

/** Thrown when a source's `password_env` names an environment variable that is not set. */
export class MissingPasswordError extends PermanentError {
  readonly code = 'missing_password';
  constructor(
    readonly source: string,
    readonly variable: string,
  ) {
    super(`source "${source}": password_env names ${variable}, which is not set in the environment`);
  }
}

/** Thrown by the mailer when a message has no recipient: neither its own list nor SMTP_TO names one. */
export class NoRecipientError extends Error {
  constructor() {
    super("no recipient: set SMTP_TO or the scheduling's notify list");
    this.name = this.constructor.name;
  }
}

/**
 * Thrown by the run gate (API, `npm run apply` and worker alike) when a scheduling breaks a rule of the
 * model or of this installation (an undeclared source, an output folder outside `files.allowed_roots`);
 * each problem names its field. Not retryable: the same input is refused again.
 */
export class SchedulingRefusedError extends PermanentError {
  readonly code = 'invalid_request';
  override readonly status = 400;

  constructor(
    readonly scheduling: string,
    readonly problems: readonly Problem[],
  ) {
    super(`scheduling "${scheduling}" refused: ${problems.map(formatProblem).join('; ')}`);
  }
}

/** Hides the password of a URL, and the values of secret-named query parameters, so that it can be shown in an error or a log. */
export function redactUrl(url: string): string {
  return maskSecretParams(url.replace(/\/\/([^:/@]+):([^@]*)@/, '//$1:***@'));
}

/** Thrown by the metrics store when an argument (period, hours, days, table name) is invalid; the API answers 400. */
export class InvalidMetricsArgumentError extends Error {
  constructor(
    readonly parameter: string,
    readonly expected: string,
    readonly got: string,
  ) {
    super(`metrics ${parameter}: expected ${expected}, got ${got}`);
    this.name = this.constructor.name;
  }
}

/** Thrown by `createMetricsStore` when the store's URL is unsupported, holds a password, or its password variable is unset. */
export class MetricsStoreUrlError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`metrics store url "${redactUrl(url)}": ${reason}`);
    this.name = this.constructor.name;
  }
}

/** Thrown by a command line when a flag's value (or a variable standing for one) is invalid; names it and what is expected. */
export class InvalidOptionError extends Error {
  constructor(
    readonly option: string,
    readonly expected: string,
    readonly got: string,
  ) {
    super(`${option}: expected ${expected}, got ${got}`);
    this.name = this.constructor.name;
  }
}

/**
 * Thrown by a Temporal call of the API when the server refuses connections or does not answer within the
 * call's deadline; the API answers 503. Retryable: the client reconnects by itself once the server is back.
 */
export class TemporalUnavailableError extends Error {
  constructor(
    readonly address: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Temporal at ${address} is unavailable: ${reason}`, options);
    this.name = this.constructor.name;
  }
}

/** Thrown by the operations' API client when the PSTT API cannot be reached or answers with an unexpected status. */
export class ApiRequestError extends Error {
  constructor(
    readonly url: string,
    /** HTTP status, or null when no answer came. */
    readonly status: number | null,
    readonly reason: string,
  ) {
    super(`GET ${url}: ${reason}`);
    this.name = this.constructor.name;
  }
}
