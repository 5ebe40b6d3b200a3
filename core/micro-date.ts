/**
 * A timestamp with microseconds (PostgreSQL's precision), which a Date alone cuts to milliseconds.
 * Still a Date, so file writers, comparisons and parameters take it as one; its ISO-8601 text has six
 * fractional digits, which is what the value policy writes for PostgreSQL timestamps.
 */
export class MicroDate extends Date {
  /** The ISO text given at construction, and the time it holds for (private: not an own key of the row's value). */
  readonly #iso: string | undefined;
  readonly #isoAt: number;

  /**
   * @param ms milliseconds since the epoch, as for `new Date(ms)`
   * @param micros microseconds past that millisecond, 0 to 999
   * @param iso what `toISOString()` gives, when the caller already has it: a driver's parser builds it
   *   from the database's text for a fraction of what Date's own formatting costs
   */
  constructor(
    ms: number,
    readonly micros: number,
    iso?: string,
  ) {
    super(ms);
    this.#iso = iso;
    this.#isoAt = ms;
  }

  /** `2026-03-01T12:34:56.789012Z`. */
  override toISOString(): string {
    // The text given at construction holds only while the time is still the one it was given for.
    if (this.#iso !== undefined && this.getTime() === this.#isoAt) return this.#iso;
    const iso = super.toISOString();
    return `${iso.slice(0, -1)}${String(this.micros).padStart(3, '0')}Z`;
  }
}

const ISO_FRACTION = /\.(\d{4,})(?=Z$|[+-]\d\d:?\d\d$)/;

/**
 * Parses ISO-8601 text as a Date, a `MicroDate` when it has more than three fractional digits (as a
 * checkpointed resume key written by `MicroDate.toISOString()` has): `new Date(text)` would drop them.
 */
export function parseIsoDate(text: string): Date {
  const date = new Date(text);
  const fraction = ISO_FRACTION.exec(text)?.[1];
  if (!fraction || Number.isNaN(date.getTime())) return date;
  return new MicroDate(date.getTime(), Number(fraction.slice(3, 6).padEnd(3, '0')));
}
