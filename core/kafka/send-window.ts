/**
 * Keeps at most `limit` sends in flight and reports them done in the order they were added,
 * so that "rows acknowledged" only ever counts a contiguous prefix of the result set: a retry
 * that resumes from it re-sends at most one window.
 */
export class InFlightWindow<T> {
  private readonly queue: Array<{ promise: Promise<unknown>; meta: T }> = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  }

  get size(): number {
    return this.queue.length;
  }

  /** Starts a send; when the window is full, waits for the oldest. Returns the sends completed, oldest first. */
  async add(send: () => Promise<unknown>, meta: T): Promise<T[]> {
    const promise = send();
    // Failures are re-thrown in order by settle(); never as unhandled rejections.
    promise.catch(() => undefined);
    this.queue.push({ promise, meta });
    const done: T[] = [];
    while (this.queue.length >= this.limit) done.push(await this.settleOldest());
    return done;
  }

  /** Waits for every send in flight; returns them oldest first. */
  async drain(): Promise<T[]> {
    const done: T[] = [];
    while (this.queue.length) done.push(await this.settleOldest());
    return done;
  }

  private async settleOldest(): Promise<T> {
    const oldest = this.queue[0]!;
    try {
      await oldest.promise;
    } catch (err) {
      // Let the rest finish (or fail) before reporting, so nothing is left running behind us.
      await Promise.allSettled(this.queue.map((q) => q.promise));
      this.queue.length = 0;
      throw err;
    }
    this.queue.shift();
    return oldest.meta;
  }
}
