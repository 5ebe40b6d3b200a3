import type { SchedulingView } from '../types';

/** "0 6 * * * (Europe/Rome)" or "every 15m". */
export function scheduleText(s: Pick<SchedulingView, 'schedule'>): string {
  const schedule = s.schedule as { cron?: string; timezone?: string; every?: string };
  return schedule.every ? `every ${schedule.every}` : `${schedule.cron ?? ''} (${schedule.timezone ?? 'UTC'})`;
}
