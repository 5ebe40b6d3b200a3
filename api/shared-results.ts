/**
 * Shares one computation among concurrent and closely following requests: the first caller for a
 * key starts it, callers within `ttlMs` get the same promise. Keeps polled endpoints from
 * overloading the brokers or the metrics store. A failed computation is not kept.
 */
export class SharedResults<T> {
  private readonly entries = new Map<string, { at: number; value: Promise<T> }>();

  constructor(private readonly ttlMs: number) {}

  get(key: string, compute: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const entry = this.entries.get(key);
    if (entry && now - entry.at <= this.ttlMs) return entry.value;
    const value = compute();
    this.entries.set(key, { at: now, value });
    value.catch(() => this.entries.delete(key));
    return value;
  }
}
