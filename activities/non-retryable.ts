import { ApplicationFailure } from '@temporalio/activity';
import { NON_RETRYABLE_ERROR_TYPES } from '../core/errors';

/**
 * Wraps an activity so that errors retrying cannot fix become non-retryable ApplicationFailures
 * carrying the operator-facing message; everything else is re-thrown for Temporal to retry.
 */
export function failPermanentErrors<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  const wrapped = async (...args: A): Promise<R> => {
    try {
      return await fn(...args);
    } catch (err) {
      if (err instanceof Error && (NON_RETRYABLE_ERROR_TYPES as readonly string[]).includes(err.name)) {
        throw ApplicationFailure.create({ type: err.name, message: err.message, nonRetryable: true, cause: err });
      }
      throw err;
    }
  };
  Object.defineProperty(wrapped, 'name', { value: fn.name });
  return wrapped;
}
