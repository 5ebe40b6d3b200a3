/**
 * Share of the expected rows done, below 1 while running; null when there is nothing to compare with
 * (first run): the bar then shows activity without a share.
 */
export function progressShare(rows: number, expectedRows: number | null): number | null {
  if (!expectedRows || expectedRows <= 0) return null;
  return Math.min(rows / expectedRows, 0.99);
}
