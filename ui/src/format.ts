/** Display formats shared by both pages. */

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

export const formatCount = (n: number | null | undefined): string => (n == null ? '–' : integer.format(n));
export const formatDecimal = (n: number | null | undefined): string => (n == null ? '–' : decimal.format(n));
/** Axis labels: 1.2K, 3M. */
export const formatCompact = (n: number): string => compact.format(n);
export const formatMs = (ms: number | null | undefined): string => (ms == null ? '–' : `${decimal.format(ms)} ms`);

export function formatDuration(ms: number | null | undefined): string {
  if (ms == null) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${decimal.format(s)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Local date and time, minutes precision: operators read their own clock. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

/** The 24 hour starts ending with the current hour, oldest first (the hourly chart's x axis). */
export function lastHours(count: number, now: Date): Date[] {
  const hour = new Date(now);
  hour.setUTCMinutes(0, 0, 0);
  return Array.from({ length: count }, (_, i) => new Date(hour.getTime() - (count - 1 - i) * 3_600_000));
}
