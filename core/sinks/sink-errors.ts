/**
 * Thrown by a run with several sinks when a Kafka sink's checkpoint no longer matches the query's rows
 * (the row at the acknowledged position is not the one acknowledged): the sink's checkpoint is reset
 * first, so the retry (this error is retryable) sends that sink every row again: duplicates, never a gap.
 */
export class SinkResumeMismatchError extends Error {
  constructor(
    readonly sink: string,
    readonly reason: string,
  ) {
    super(`${sink}: ${reason}; the next attempt sends this sink's rows again`);
    this.name = this.constructor.name;
  }
}
