import * as errors from './errors';

/** An error as it crosses a thread boundary: structured clone keeps neither its class nor its fields. */
export interface TransferredError {
  name: string;
  message: string;
  stack?: string;
  /** The error's own fields (`problems`, `columns`, ...), where they can be cloned. */
  fields: Record<string, unknown>;
}

export function toTransferred(err: unknown): TransferredError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err), fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(err)) {
    if (k !== 'cause' && clonable(v)) fields[k] = v;
  }
  return { name: err.name, message: err.message, stack: err.stack, fields };
}

function clonable(v: unknown): boolean {
  try {
    structuredClone(v);
    return true;
  } catch {
    return false;
  }
}

/**
 * The error again, as an instance of its own class when core/errors.ts declares it: what is
 * retryable is decided by the class (`instanceof PermanentError`), so it must survive the trip.
 */
export function fromTransferred(t: TransferredError): Error {
  const declared = (errors as Record<string, unknown>)[t.name];
  const proto =
    typeof declared === 'function' && declared.prototype instanceof Error ? declared.prototype : Error.prototype;
  const err = Object.create(proto) as Error;
  Object.assign(err, t.fields);
  Object.defineProperties(err, {
    name: { value: t.name, writable: true, configurable: true },
    message: { value: t.message, writable: true, configurable: true },
    stack: { value: t.stack ?? `${t.name}: ${t.message}`, writable: true, configurable: true },
  });
  return err;
}
