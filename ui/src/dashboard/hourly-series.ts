import { lastHours } from '../format';
import type { HourlyPoint } from '../types';

export interface HourlySeries {
  /** Hour starts in seconds since the epoch. */
  hours: number[];
  messages: number[];
  failed: number[];
  p99: number[];
}

/** The API lists only hours that saw sends: every hour of the window gets a point, 0 when quiet. */
export function hourlySeries(points: readonly HourlyPoint[], now: Date, count = 24): HourlySeries {
  const byHour = new Map(points.map((p) => [new Date(p.hour).getTime(), p]));
  const series: HourlySeries = { hours: [], messages: [], failed: [], p99: [] };
  for (const hour of lastHours(count, now)) {
    const point = byHour.get(hour.getTime());
    series.hours.push(hour.getTime() / 1000);
    series.messages.push(point?.messages ?? 0);
    series.failed.push(point?.failed ?? 0);
    series.p99.push(point?.p99_latency_ms ?? 0);
  }
  return series;
}
