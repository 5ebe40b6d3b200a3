import { PermanentError } from '../core/errors';

/**
 * Domain errors of the API's schedule store. Each declares the HTTP status and `error` code it answers
 * with; the JSON error handler (http-errors.ts) maps them by class. They never leave the API process
 * (no activity or row thread throws them), so they live here rather than in core/errors.ts.
 */

/** Thrown by the schedule store when no schedule exists for the scheduling. */
export class SchedulingNotFoundError extends PermanentError {
  readonly code = 'not_found';
  override readonly status = 404;
  constructor(readonly scheduling: string) {
    super(`scheduling "${scheduling}" does not exist`);
  }
}

/** Thrown by the schedule store when the scheduling's schedule was not made by PSTT (no scheduling in its action). */
export class SchedulingNotManagedError extends PermanentError {
  readonly code = 'not_found';
  override readonly status = 404;
  constructor(readonly scheduling: string) {
    super(`scheduling "${scheduling}" is not managed by PSTT`);
  }
}

/** Thrown by the schedule store when a scheduling to create already has a schedule. */
export class SchedulingExistsError extends PermanentError {
  readonly code = 'conflict';
  override readonly status = 409;
  constructor(readonly scheduling: string) {
    super(`scheduling "${scheduling}" already exists`);
  }
}

/** Thrown by "run now" when a run of the scheduling is going and its overlap policy skips; the answer names the run. */
export class SchedulingRunGoingError extends PermanentError {
  readonly code = 'conflict';
  override readonly status = 409;
  constructor(
    readonly scheduling: string,
    readonly runningWorkflowId: string,
  ) {
    super(`a run of "${scheduling}" is already going`);
  }
}
