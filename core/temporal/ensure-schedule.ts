import {
  ScheduleNotFoundError,
  type Client,
  type ScheduleDescription,
  type ScheduleOptions,
  type ScheduleUpdateOptions,
} from '@temporalio/client';

export type EnsureOutcome = 'created' | 'updated' | 'unchanged';

export interface EnsureScheduleOptions {
  /**
   * Memo key of the schedule action whose value tells what the schedule was made from: an existing
   * schedule with the same value as `options` is unchanged, any other is updated. Without it an
   * existing schedule is left as it is.
   */
  versionKey?: string;
  /**
   * The update of an existing schedule whose version differs, from the schedule as it is at the update.
   * @default its spec, action and policies replaced by those of `options`
   */
  update?: (previous: ScheduleDescription) => ScheduleUpdateOptions;
  /** Say what would be done without doing it. @default false */
  dryRun?: boolean;
}

/**
 * Makes sure a schedule exists as `options` describe it: creates it, updates it when its version
 * differs, or leaves it. Idempotent. `current` is the schedule as it was found (null when created).
 */
export async function ensureSchedule(
  client: Client,
  options: ScheduleOptions,
  how: EnsureScheduleOptions = {},
): Promise<{ outcome: EnsureOutcome; current: ScheduleDescription | null }> {
  const handle = client.schedule.getHandle(options.scheduleId);
  try {
    const current = await handle.describe();
    const { versionKey } = how;
    if (versionKey === undefined) return { outcome: 'unchanged', current };
    const version = current.action.type === 'startWorkflow' ? current.action.memo?.[versionKey] : undefined;
    if (version === options.action.memo?.[versionKey]) return { outcome: 'unchanged', current };
    if (!how.dryRun) {
      await handle.update(
        how.update ??
          ((previous) => ({ ...previous, spec: options.spec, action: options.action, policies: options.policies })),
      );
    }
    return { outcome: 'updated', current };
  } catch (err) {
    // Also a schedule deleted between the describe and the update.
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }
  if (!how.dryRun) await client.schedule.create(options);
  return { outcome: 'created', current: null };
}
