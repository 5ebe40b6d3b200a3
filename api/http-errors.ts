import { ScheduleNotFoundError, WorkflowNotFoundError } from '@temporalio/client';
import type { ErrorRequestHandler } from 'express';
import { z } from 'zod';
import { ConfigError, PermanentError, SchedulingRefusedError, TemporalUnavailableError } from '../core/errors';
import { logger } from '../core/logger';
import { SchedulingRunGoingError } from './errors';

/** Thrown by a route handler to answer with a status and a JSON error body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = this.constructor.name;
  }
}

/** The message of a 400 whose `details` name each field. */
const INVALID_REQUEST = 'the request is not valid';

/** Seconds a client is told to wait before asking again while Temporal is unavailable. */
const TEMPORAL_RETRY_AFTER_S = 5;

function detailsOf(error: z.ZodError) {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

/**
 * The one JSON error handler: no stack traces, no secrets; Temporal's not-found is a 404, Temporal unreachable a
 * 503, a `PermanentError` with a `status` that status (its `code` the `error`). Mapped by class, never by name.
 */
export const jsonErrorHandler: ErrorRequestHandler = (err: unknown, _req, res, _next) => {
  if (err instanceof HttpError) {
    res.status(err.status).json({ error: err.code, message: err.message, ...err.extra });
  } else if (err instanceof z.ZodError) {
    res.status(400).json({ error: 'invalid_request', message: INVALID_REQUEST, details: detailsOf(err) });
  } else if (err instanceof SchedulingRefusedError) {
    res.status(err.status).json({ error: err.code, message: INVALID_REQUEST, details: err.problems });
  } else if (err instanceof ConfigError) {
    res.status(err.status).json({ error: err.code, message: err.summary, details: err.problems });
  } else if (err instanceof SchedulingRunGoingError) {
    res.status(err.status).json({ error: err.code, message: err.message, running_workflow_id: err.runningWorkflowId });
  } else if (err instanceof PermanentError && err.status !== undefined) {
    res.status(err.status).json({ error: err.code, message: err.message });
  } else if (err instanceof TemporalUnavailableError) {
    // The client reconnects by itself: the same request can succeed once the server is back.
    res.set('Retry-After', String(TEMPORAL_RETRY_AFTER_S));
    res.status(503).json({ error: 'temporal unavailable', message: err.message });
  } else if (err instanceof ScheduleNotFoundError || err instanceof WorkflowNotFoundError) {
    res.status(404).json({ error: 'not_found', message: err.message });
  } else if (typeof err === 'object' && err !== null && 'type' in err && err.type === 'entity.too.large') {
    res.status(413).json({ error: 'payload_too_large', message: 'request bodies are limited to 1 MB' });
  } else if (typeof err === 'object' && err !== null && 'type' in err && err.type === 'entity.parse.failed') {
    res.status(400).json({ error: 'invalid_json', message: 'the request body is not valid JSON' });
  } else {
    logger.error({ err }, 'request failed');
    res.status(500).json({ error: 'internal', message: 'internal error; see the API log' });
  }
};
