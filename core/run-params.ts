import type { Scheduling } from './scheduling';
import type { OpenOptions, ParamValue } from './sources/source';

/** The run parameters that are times: typed as such on every dialect, even when null. */
export const TIME_PARAMS = ['scheduled_time', 'last_success_time'] as const;

/**
 * How a scheduling's query is bound for one run (or a preview): its own `params`, plus the run's
 * `:scheduled_time` and `:last_success_time` (null for a first run), in SQLite's `time_format`.
 */
export function runBindingOf(
  scheduling: Pick<Scheduling, 'params' | 'time_format'>,
  scheduledTime: Date,
  lastSuccessTime: Date | null,
  extraParams: Record<string, ParamValue> = {},
): OpenOptions {
  return {
    params: { ...scheduling.params, scheduled_time: scheduledTime, last_success_time: lastSuccessTime, ...extraParams },
    timeParams: TIME_PARAMS,
    timeFormat: scheduling.time_format,
  };
}
