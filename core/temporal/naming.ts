import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Every name PSTT gives to things in Temporal: workflow types, schedule and workflow ids, memo keys,
 * search attributes. Running schedules, recorded histories and visibility records carry these
 * values: changing one orphans what was made with the old one. Imported by workflow code too, so
 * nothing here may do I/O.
 */

/**
 * The workflow types, keyed by the workflow functions the worker registers (the export names of
 * `workflows/index.ts`), each its function's name. Core may not import workflow code, so
 * test/unit/temporal-naming.test.ts holds the two together: a workflow renamed, added or removed
 * without this table following fails its compilation.
 */
export const WORKFLOW_TYPES = {
  exportJob: 'exportJob',
  notifyRunFailure: 'notifyRunFailure',
  alertEvaluation: 'alertEvaluation',
  metricsRetention: 'metricsRetention',
} as const;

// --- ids

const SCHEDULING_SCHEDULE_PREFIX = 'pstt-';

/** Temporal Schedule id of a scheduling. */
export function scheduleIdOf(schedulingName: string): string {
  return `${SCHEDULING_SCHEDULE_PREFIX}${schedulingName}`;
}

/** The scheduling name a scheduling's schedule id was made from. */
export function schedulingNameOf(scheduleId: string): string {
  return scheduleId.startsWith(SCHEDULING_SCHEDULE_PREFIX)
    ? scheduleId.slice(SCHEDULING_SCHEDULE_PREFIX.length)
    : scheduleId;
}

/** Workflow id of the runs a scheduling's schedule starts (Temporal appends the scheduled time). */
export function exportWorkflowIdOf(schedulingName: string): string {
  return `export-${schedulingName}`;
}

/** Workflow id of a run's failure (or suspect) e-mail: one per run, so a replayed task never starts a second. */
export function notifyWorkflowIdOf(runWorkflowId: string): string {
  return `${runWorkflowId}-notify`;
}

/** One alert schedule per deployment (namespace and task queue). */
export function alertScheduleIdOf(taskQueue: string): string {
  return `pstt-alert-evaluation-${taskQueue}`;
}

export function alertWorkflowIdOf(taskQueue: string): string {
  return `alert-evaluation-${taskQueue}`;
}

/** One retention schedule per deployment (namespace and task queue). */
export function retentionScheduleIdOf(taskQueue: string): string {
  return `pstt-metrics-retention-${taskQueue}`;
}

export function retentionWorkflowIdOf(taskQueue: string): string {
  return `metrics-retention-${taskQueue}`;
}

// --- memo keys

/** On a run: its counts or its error, for run history (see `RunMemo`). */
export const RUN_MEMO_KEY = 'pstt_run';
/**
 * On a scheduling's schedule action, so on every run it starts afterwards: the backfill requests made
 * (see `isBackfillRun`).
 */
export const BACKFILL_MEMO_KEY = 'pstt_backfills';
/** On a schedule: PSTT manages it (other schedules in the namespace are left alone). */
export const MANAGED_MEMO_KEY = 'pstt_managed';
/** On a schedule: its deployment's task queue; prune, drain and the API never touch another deployment's. */
export const TASK_QUEUE_MEMO_KEY = 'pstt_task_queue';
/** On a scheduling's schedule action: a digest of what it was made from, to tell an unchanged one. */
export const SPEC_HASH_MEMO_KEY = 'pstt_spec_hash';
/** On the alert schedule's action: the interval it was made with, to tell an unchanged one. */
export const ALERT_INTERVAL_MEMO_KEY = 'pstt_alert_interval';
/** On PSTT's own schedules (alerts, retention): not a scheduling. */
export const SYSTEM_MEMO_KEY = 'pstt_system';

// --- search attributes

/**
 * Custom search attributes set on every export run, so that history and running runs are
 * queries on Temporal visibility. `devstack` registers them on the dev server; on a cluster,
 * register them once with `temporal operator search-attribute create`.
 */
export const SCHEDULING_NAME = defineSearchAttributeKey('PsttScheduling', SearchAttributeType.KEYWORD);
export const EXPORT_FORMAT = defineSearchAttributeKey('PsttExportFormat', SearchAttributeType.KEYWORD);
/** The run's scheduled time, for finding the previous successful run (`:last_success_time`). */
export const SCHEDULED_TIME = defineSearchAttributeKey('PsttScheduledTime', SearchAttributeType.DATETIME);

/** Set by Temporal on runs started by a schedule. */
export const TEMPORAL_SCHEDULED_START_TIME = defineSearchAttributeKey(
  'TemporalScheduledStartTime',
  SearchAttributeType.DATETIME,
);

export const CUSTOM_SEARCH_ATTRIBUTES = [SCHEDULING_NAME, EXPORT_FORMAT, SCHEDULED_TIME];

/** The type names the Temporal CLI's `--search-attribute Name=Type` takes. */
export const CLI_TYPE_NAMES: Record<string, string> = {
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.DATETIME]: 'Datetime',
  [SearchAttributeType.TEXT]: 'Text',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.DOUBLE]: 'Double',
  [SearchAttributeType.BOOL]: 'Bool',
};
