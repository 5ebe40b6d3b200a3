import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { NON_RETRYABLE_ERROR_TYPES } from '../core/errors';

/** Details every export failure carries, so that run history can show the attempt it failed on. */
export interface FailureDetails {
  attempt: number;
}

/**
 * Wraps an activity so that its errors become ApplicationFailures carrying the operator-facing
 * message and the attempt: errors retrying cannot fix are non-retryable, the rest stay retryable.
 */
export function failPermanentErrors<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  const wrapped = async (...args: A): Promise<R> => {
    try {
      return await fn(...args);
    } catch (err) {
      if (err instanceof CancelledFailure || err instanceof ApplicationFailure || !(err instanceof Error)) throw err;
      const details: FailureDetails = { attempt: Context.current().info.attempt };
      throw ApplicationFailure.create({
        type: err.name,
        message: err.message,
        nonRetryable: (NON_RETRYABLE_ERROR_TYPES as readonly string[]).includes(err.name),
        details: [details],
        cause: err,
      });
    }
  };
  Object.defineProperty(wrapped, 'name', { value: fn.name });
  return wrapped;
}
