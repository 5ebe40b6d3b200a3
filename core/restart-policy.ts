export interface RestartPolicy {
  /** Wait before the first restart. */
  readonly initialDelayMs: number;
  /** Each further restart in a row waits this many times longer... */
  readonly factor: number;
  /** ...up to this. */
  readonly maxDelayMs: number;
  /** A process that ran at least this long before exiting counts as healthy: the next wait is the first again. */
  readonly resetAfterMs: number;
}

/**
 * How a crashed PSTT process (the worker or the API) is restarted: by `npm start`'s supervisor here, and
 * with the same numbers by the service units that run PSTT in production (see README, "Supervision").
 */
export const RESTART_POLICY: RestartPolicy = {
  initialDelayMs: 1_000,
  factor: 2,
  maxDelayMs: 30_000,
  resetAfterMs: 60_000,
};

/** The restarts of one process in a row, and the wait before the next one. */
export class RestartBackoff {
  private inARow = 0;

  constructor(private readonly policy: RestartPolicy = RESTART_POLICY) {}

  /** Call when the process exited after running `uptimeMs`: how long to wait, and which restart in a row this is. */
  next(uptimeMs: number): { delayMs: number; restart: number } {
    if (uptimeMs >= this.policy.resetAfterMs) this.inARow = 0;
    const delayMs = Math.min(this.policy.initialDelayMs * this.policy.factor ** this.inARow, this.policy.maxDelayMs);
    this.inARow += 1;
    return { delayMs, restart: this.inARow };
  }
}
