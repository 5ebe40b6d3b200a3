import { createHash } from 'node:crypto';
import {
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptions,
  type ScheduleSpec,
} from '@temporalio/client';
import type { AppConfig } from '../config';
import { EXPORT_WORKFLOW_TYPE, type ExportJobInput } from '../job';
import { scheduleIdOf, type Scheduling } from '../scheduling';
import { EXPORT_FORMAT, SCHEDULING_NAME } from './search-attributes';

export type ApplyAction = 'created' | 'updated' | 'unchanged';

export interface ApplyOutcome {
  name: string;
  scheduleId: string;
  action: ApplyAction;
}

/** Marks schedules that PSTT manages, so that other schedules in the namespace are left alone. */
const MANAGED_MEMO_KEY = 'pstt_managed';
const SPEC_HASH_MEMO_KEY = 'pstt_spec_hash';

function scheduleSpecOf(s: Scheduling): ScheduleSpec {
  if ('cron' in s.schedule) return { cronExpressions: [s.schedule.cron], timezone: s.schedule.timezone };
  return { intervals: [{ every: s.schedule.every as `${number}${'ms' | 's' | 'm' | 'h' | 'd'}` }] };
}

/** A digest of everything that defines a schedule, to tell an unchanged one from one to update. */
function specHashOf(s: Scheduling, taskQueue: string): string {
  return createHash('sha256').update(JSON.stringify({ s, taskQueue })).digest('hex').slice(0, 32);
}

/** The Temporal Schedule options of one scheduling. */
export function scheduleOptionsOf(s: Scheduling, taskQueue: string): ScheduleOptions {
  const input: ExportJobInput = { scheduling: s };
  return {
    scheduleId: scheduleIdOf(s.name),
    spec: scheduleSpecOf(s),
    action: {
      type: 'startWorkflow',
      workflowType: EXPORT_WORKFLOW_TYPE,
      workflowId: `export-${s.name}`,
      taskQueue,
      args: [input],
      memo: { [SPEC_HASH_MEMO_KEY]: specHashOf(s, taskQueue) },
      typedSearchAttributes: [
        { key: SCHEDULING_NAME, value: s.name },
        { key: EXPORT_FORMAT, value: s.export_format },
      ],
    },
    // Skip a run while the previous one is still going; catch up at most 10 minutes of missed runs.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10 minutes', pauseOnFailure: false },
    state: { paused: !s.enabled, note: s.enabled ? undefined : 'disabled in temporal.yaml' },
    memo: { [MANAGED_MEMO_KEY]: true },
  };
}

/** Makes Temporal Schedules match the config's schedulings: creates missing ones, updates changed ones. */
export async function applySchedulings(
  client: Client,
  config: Pick<AppConfig, 'schedulings' | 'temporal'>,
): Promise<ApplyOutcome[]> {
  const outcomes: ApplyOutcome[] = [];
  for (const scheduling of config.schedulings) {
    const options = scheduleOptionsOf(scheduling, config.temporal.task_queue);
    const handle = client.schedule.getHandle(options.scheduleId);
    let action: ApplyAction;
    try {
      const current = await handle.describe();
      const currentHash = current.action.type === 'startWorkflow' ? current.action.memo?.[SPEC_HASH_MEMO_KEY] : undefined;
      const wantedHash = options.action.memo?.[SPEC_HASH_MEMO_KEY];
      if (currentHash === wantedHash && current.state.paused === !scheduling.enabled) {
        action = 'unchanged';
      } else {
        await handle.update(() => ({
          spec: options.spec,
          action: options.action,
          policies: options.policies,
          state: { paused: !scheduling.enabled, note: options.state?.note },
        }));
        action = 'updated';
      }
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
      await client.schedule.create(options);
      action = 'created';
    }
    outcomes.push({ name: scheduling.name, scheduleId: options.scheduleId, action });
  }
  return outcomes;
}
