import { createHash } from 'node:crypto';
import {
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleOptions,
  type ScheduleSpec,
} from '@temporalio/client';
import type { AppConfig } from '../config';
import type { ExportJobInput } from '../job';
import { diffValues, type Difference } from '../object-diff';
import type { Scheduling } from '../scheduling';
import { admitScheduling, type GateConfig } from '../scheduling-gate';
import { ensureSchedule } from './ensure-schedule';
import {
  EXPORT_FORMAT,
  exportWorkflowIdOf,
  MANAGED_MEMO_KEY,
  scheduleIdOf,
  SCHEDULING_NAME,
  schedulingNameOf,
  SPEC_HASH_MEMO_KEY,
  TASK_QUEUE_MEMO_KEY,
  WORKFLOW_TYPES,
} from './naming';

export type ApplyAction = 'created' | 'updated' | 'unchanged' | 'deleted';

export interface ApplyOutcome {
  name: string;
  scheduleId: string;
  action: ApplyAction;
  /** What changed (updated), or what would change (dry run). */
  changes: Difference[];
  /** Set when this scheduling could not be applied; the others still are. */
  error?: string;
}

export interface ApplyOptions {
  /** Delete managed schedules that the config no longer declares. @default false */
  prune?: boolean;
  /** Compute and report the changes without making them. @default false */
  dryRun?: boolean;
}

const OVERLAP: Record<Scheduling['overlap'], ScheduleOverlapPolicy> = {
  skip: ScheduleOverlapPolicy.SKIP,
  buffer_one: ScheduleOverlapPolicy.BUFFER_ONE,
  allow_all: ScheduleOverlapPolicy.ALLOW_ALL,
  cancel_other: ScheduleOverlapPolicy.CANCEL_OTHER,
};

export function overlapPolicyOf(s: Scheduling): ScheduleOverlapPolicy {
  return OVERLAP[s.overlap];
}

/**
 * The overlap policy of a backfill: a backfill starts all its times at once, so under `skip` (or
 * `buffer_one`) all but the first would be dropped. A scheduling that allows overlapping runs gets
 * them side by side; any other gets them one after another, none dropped, never two at once.
 */
export function backfillOverlapOf(s: Scheduling): ScheduleOverlapPolicy {
  return s.overlap === 'allow_all' ? ScheduleOverlapPolicy.ALLOW_ALL : ScheduleOverlapPolicy.BUFFER_ALL;
}

function scheduleSpecOf(s: Scheduling): ScheduleSpec {
  const jitter = s.schedule.jitter ? { jitter: s.schedule.jitter } : {};
  if ('cron' in s.schedule) return { cronExpressions: [s.schedule.cron], timezone: s.schedule.timezone, ...jitter };
  return { intervals: [{ every: s.schedule.every }], ...jitter };
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
      workflowType: WORKFLOW_TYPES.exportJob,
      workflowId: exportWorkflowIdOf(s.name),
      taskQueue,
      args: [input],
      memo: { [SPEC_HASH_MEMO_KEY]: specHashOf(s, taskQueue) },
      typedSearchAttributes: [
        { key: SCHEDULING_NAME, value: s.name },
        { key: EXPORT_FORMAT, value: s.export_format },
      ],
    },
    policies: { overlap: overlapPolicyOf(s), catchupWindow: s.catchup_window, pauseOnFailure: false },
    state: { paused: !s.enabled, note: s.enabled ? undefined : 'disabled in the configuration' },
    memo: { [MANAGED_MEMO_KEY]: true, [TASK_QUEUE_MEMO_KEY]: taskQueue },
  };
}

/** Creates or updates one scheduling's schedule. */
export async function applyScheduling(
  client: Client,
  s: Scheduling,
  taskQueue: string,
  dryRun: boolean,
): Promise<ApplyOutcome> {
  const options = scheduleOptionsOf(s, taskQueue);
  const { outcome, current } = await ensureSchedule(client, options, {
    versionKey: SPEC_HASH_MEMO_KEY,
    dryRun,
    // An operator's pause or resume (UI, API, drain) stands until the file's `enabled` itself changes:
    // restarting the stack must not re-enable a job disabled in an emergency.
    update: (previous) => ({
      spec: options.spec,
      action: options.action,
      policies: options.policies,
      state:
        schedulingOf(previous)?.enabled === s.enabled
          ? { paused: previous.state.paused, note: previous.state.note }
          : { paused: !s.enabled, note: options.state?.note },
    }),
  });
  const changes = outcome === 'updated' ? diffValues(schedulingOf(current) ?? {}, s) : [];
  return { name: s.name, scheduleId: options.scheduleId, action: outcome, changes };
}

/** The scheduling a schedule was made from (its action's input). */
function schedulingOf(description: ScheduleDescription | null): Scheduling | undefined {
  const action = description?.action.type === 'startWorkflow' ? description.action : undefined;
  return (action?.args?.[0] as ExportJobInput | undefined)?.scheduling;
}

/**
 * Makes Temporal Schedules match the config's schedulings: creates missing ones, updates changed
 * ones, and with `prune` deletes managed ones no longer declared. A scheduling that fails to
 * apply is reported and never stops the others.
 */
export async function applySchedulings(
  client: Client,
  config: Pick<AppConfig, 'schedulings' | 'temporal'> & GateConfig,
  options: ApplyOptions = {},
): Promise<ApplyOutcome[]> {
  const outcomes: ApplyOutcome[] = [];
  for (const s of config.schedulings) {
    try {
      // The file's schedulings pass the worker's gate here, so that a refused one is reported now, not at its first run.
      await admitScheduling(s, config);
      outcomes.push(await applyScheduling(client, s, config.temporal.task_queue, options.dryRun ?? false));
    } catch (err) {
      outcomes.push({
        name: s.name,
        scheduleId: scheduleIdOf(s.name),
        action: 'unchanged',
        changes: [],
        error: (err as Error).message,
      });
    }
  }
  if (options.prune) {
    const declared = new Set(config.schedulings.map((s) => scheduleIdOf(s.name)));
    for await (const summary of client.schedule.list()) {
      const ours =
        summary.memo?.[MANAGED_MEMO_KEY] === true && summary.memo[TASK_QUEUE_MEMO_KEY] === config.temporal.task_queue;
      if (!ours || declared.has(summary.scheduleId)) continue;
      if (!options.dryRun) await client.schedule.getHandle(summary.scheduleId).delete();
      outcomes.push({
        name: schedulingNameOf(summary.scheduleId),
        scheduleId: summary.scheduleId,
        action: 'deleted',
        changes: [],
      });
    }
  }
  return outcomes;
}
