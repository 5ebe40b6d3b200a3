import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { PermanentError } from '../core/errors';

/** Details every export failure carries, so that run history can show the attempt it failed on. */
export interface FailureDetails {
  attempt: number;
}

/**
 * Wraps an activity so that its errors become ApplicationFailures carrying the operator-facing
 * message and the attempt: a `PermanentError` is non-retryable, any other error stays retryable.
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
      throw ApplicationFailure.fromError(err, {
        // The error's name (its class's for ours), as run history and the failure e-mail have always shown it.
        type: err.name,
        nonRetryable: err instanceof PermanentError,
        details: [details],
        cause: err,
      });
    }
  };
  Object.defineProperty(wrapped, 'name', { value: fn.name });
  return wrapped;
}
