import {
  ActivityFailure,
  ApplicationFailure,
  isCancellation,
  log,
  ParentClosePolicy,
  patched,
  proxyActivities,
  proxyLocalActivities,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import {
  type ExportActivityInput,
  type ExportJobInput,
  type ExportResult,
  type RunFailureNotice,
  type RunMemo,
} from '../core/job';
import { incrementalKeyOf } from '../core/incremental-key';
import type { KeyValue } from '../core/resume-key';
import type { Scheduling } from '../core/scheduling';
import { RETRY_DEFAULTS, TIMEOUT_DEFAULT_SECONDS } from '../core/scheduling-defaults';
import {
  EXPORT_FORMAT,
  SCHEDULED_TIME,
  SCHEDULING_NAME,
  TEMPORAL_SCHEDULED_START_TIME,
  RUN_MEMO_KEY,
  notifyWorkflowIdOf,
} from '../core/temporal/naming';
import { notifyRunFailure } from './notify-run-failure';

type Activities = ReturnType<typeof createActivities>;

/** Marks runs started by code that e-mails failures: older runs replay without the child workflow. */
export const FAILURE_NOTIFICATION_PATCH = 'pstt-failure-notification';

/** Marks runs whose input passes the run gate before anything else: older runs replay without it. */
export const RUN_GATE_PATCH = 'pstt-run-gate';

/**
 * Marks runs that keep their reconciliation in the memo and e-mail a suspect run: older runs replay without
 * either. A suspect run still completes (its rows are delivered; a retry would send them again and fix nothing).
 */
export const RECONCILE_PATCH = 'pstt-reconcile';

/** Marks runs whose scheduling may have `sinks` (one query, several destinations): older runs replay without it. */
export const SINKS_PATCH = 'pstt-sinks';

const { admitRun } = proxyLocalActivities<Activities>({ startToCloseTimeout: '30s', retry: { maximumAttempts: 3 } });

/** Marks runs that read and record an incremental scheduling's watermark: older runs replay without it. */
export const INCREMENTAL_PATCH = 'pstt-incremental-watermark';

const LOOKUP_ATTEMPTS = 5;
const { lastSuccessfulRun, lastWatermark } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '2s', maximumAttempts: LOOKUP_ATTEMPTS },
});

/**
 * One run of a scheduling: streams the query's rows to their destination inside an activity that
 * heartbeats its progress. Only the spec, times and counts pass through workflow history.
 */
export async function exportJob(input: ExportJobInput): Promise<ExportResult> {
  const scheduling = await admitted(input);
  const info = workflowInfo();
  // A scheduled run's time is the schedule's; "run now" and direct starts use the start time.
  const scheduled = info.typedSearchAttributes.get(TEMPORAL_SCHEDULED_START_TIME) ?? info.startTime;
  upsertSearchAttributes([
    { key: SCHEDULING_NAME, value: scheduling.name },
    { key: EXPORT_FORMAT, value: scheduling.export_format },
    { key: SCHEDULED_TIME, value: scheduled },
  ]);
  let lastSuccessTime: string | null = null;
  // Only a query that asks for the previous run's time pays for looking it up.
  if (scheduling.query.includes(':last_success_time')) {
    try {
      lastSuccessTime = await lastSuccessfulRun(scheduling.name, scheduled.toISOString());
    } catch (err) {
      await notifyFailure(scheduling, err, LOOKUP_ATTEMPTS);
      throw err;
    }
  }
  // Only the previous run's mark travels through history (never rows); the activity returns the new one.
  const incremental = scheduling.incremental && patched(INCREMENTAL_PATCH) ? scheduling.incremental : undefined;
  let watermark: KeyValue[] | null = null;
  if (incremental) {
    try {
      watermark = await lastWatermark(scheduling.name, incrementalKeyOf(incremental));
    } catch (err) {
      await notifyFailure(scheduling, err, LOOKUP_ATTEMPTS);
      throw err;
    }
  }
  const activityInput: ExportActivityInput = {
    scheduling,
    scheduledTime: scheduled.toISOString(),
    lastSuccessTime,
    ...(incremental ? { watermark } : {}),
  };

  // Per-scheduling timeout and retry policy, so this proxy is built per run.
  const retry = { ...RETRY_DEFAULTS, ...scheduling.retry };
  const { exportToKafka, exportToFile, exportToSinks } = proxyActivities<Activities>({
    startToCloseTimeout: `${scheduling.timeout ?? TIMEOUT_DEFAULT_SECONDS}s`,
    // A dead worker is noticed after this long; progress is checkpointed far more often (checkpoint.ts).
    heartbeatTimeout: '20s',
    retry: {
      initialInterval: retry.initial_backoff,
      maximumInterval: retry.max_backoff,
      backoffCoefficient: 2,
      maximumAttempts: retry.max_attempts,
    },
  });
  try {
    // Asked only of runs with sinks, so the runs of every other scheduling record no marker.
    const result =
      scheduling.sinks && patched(SINKS_PATCH)
        ? await exportToSinks(activityInput)
        : scheduling.export_format === 'kafka'
          ? await exportToKafka(activityInput)
          : await exportToFile(activityInput);
    const reconciliation = patched(RECONCILE_PATCH) ? result.reconciliation : undefined;
    const memo: RunMemo = {
      rows: result.rows,
      messages: result.messages,
      bytes: result.bytes,
      duration_ms: result.durationMs,
      attempts: result.attempts,
      error_message: null,
      ...(reconciliation
        ? {
            rows_read: reconciliation.rows_read,
            rows_delivered: reconciliation.rows_delivered,
            query_count: reconciliation.count,
            suspect: reconciliation.suspect,
            suspect_reason: reconciliation.reason,
          }
        : {}),
      ...(incremental
        ? { watermark: result.watermark ?? watermark, watermark_columns: incrementalKeyOf(incremental) }
        : {}),
    };
    upsertMemo({ [RUN_MEMO_KEY]: memo });
    if (reconciliation?.suspect)
      await notifySuspect(scheduling, reconciliation.reason ?? 'counts disagree', result.attempts);
    return result;
  } catch (err) {
    recordFailure(err);
    await notifyFailure(scheduling, err, retry.max_attempts);
    throw err;
  }
}

/**
 * The run's scheduling once the run gate has admitted it (defaults filled in). Anyone who reaches Temporal can
 * start this workflow: input the API would refuse fails the run at once, before its timeout or retry policy
 * is used, and e-mails no one (its `notify` list is part of what was refused).
 */
async function admitted(input: ExportJobInput): Promise<Scheduling> {
  if (!patched(RUN_GATE_PATCH)) return input.scheduling;
  try {
    return await admitRun((input as Partial<ExportJobInput> | null)?.scheduling);
  } catch (err) {
    recordFailure(err);
    throw err;
  }
}

/** Run history reads a failed run's error from its memo: one visibility query, no history replay. */
function recordFailure(err: unknown): void {
  const failure = rootFailure(err);
  const memo: RunMemo = {
    rows: null,
    messages: null,
    bytes: null,
    duration_ms: null,
    attempts: attemptOf(failure),
    error_message: failure.message,
  };
  upsertMemo({ [RUN_MEMO_KEY]: memo });
}

/**
 * Starts the failure e-mail as an abandoned child workflow: it is retried and recorded on its own, and a dead
 * SMTP server can neither delay nor change this run's failure. A cancelled run is an operator's choice: no e-mail.
 */
async function notifyFailure(scheduling: Scheduling, err: unknown, maxAttempts: number): Promise<void> {
  if (isCancellation(err) || !patched(FAILURE_NOTIFICATION_PATCH)) return;
  const failure = rootFailure(err);
  await startNotice({
    kind: 'failure',
    scheduling_name: scheduling.name,
    export_format: scheduling.export_format,
    notify: scheduling.notify,
    error_message: failure.message,
    error_type: failure instanceof ApplicationFailure ? (failure.type ?? null) : failure.name,
    attempts: attemptOf(failure) ?? attemptsFromRetryState(err, maxAttempts),
  });
}

/** The alert e-mail of a run that completed with counts that disagree: same child workflow as a failure's. */
async function notifySuspect(scheduling: Scheduling, reason: string, attempts: number): Promise<void> {
  await startNotice({
    kind: 'suspect',
    scheduling_name: scheduling.name,
    export_format: scheduling.export_format,
    notify: scheduling.notify,
    error_message: reason,
    error_type: null,
    attempts,
  });
}

type NoticeOfRun = Omit<RunFailureNotice, 'workflow_id' | 'run_id' | 'namespace' | 'failed_at'>;

async function startNotice(of: NoticeOfRun): Promise<void> {
  const info = workflowInfo();
  // Only a suspect notice says its kind: a failure's input stays what earlier code recorded.
  const { kind, ...rest } = of;
  const notice: RunFailureNotice = {
    ...(kind === 'suspect' ? { kind } : {}),
    ...rest,
    workflow_id: info.workflowId,
    run_id: info.runId,
    namespace: info.namespace,
    // Workflow time: deterministic on replay.
    failed_at: new Date().toISOString(),
  };
  try {
    await startChild(notifyRunFailure, {
      // Deterministic: a replayed or retried workflow task never starts a second one.
      workflowId: notifyWorkflowIdOf(info.workflowId),
      args: [notice],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (startErr) {
    // A notification still running from an earlier run of the same workflow id: the run's failure comes first.
    log.warn('run notification not started', { kind: kind ?? 'failure', error: (startErr as Error).message });
  }
}

/** The activity's own failure (the first ApplicationFailure under the ActivityFailure), else the innermost error. */
function rootFailure(err: unknown): Error {
  let current = err instanceof Error ? err : new Error(String(err));
  while (!(current instanceof ApplicationFailure) && current.cause instanceof Error) current = current.cause;
  return current;
}

/** An activity that timed out on its last attempt carries no attempt details: its retry policy tells. */
function attemptsFromRetryState(err: unknown, maxAttempts: number): number | null {
  return err instanceof ActivityFailure && err.retryState === 'MAXIMUM_ATTEMPTS_REACHED' ? maxAttempts : null;
}

function attemptOf(failure: Error): number | null {
  if (!(failure instanceof ApplicationFailure)) return null;
  const details = failure.details?.[0] as { attempt?: unknown } | undefined;
  return typeof details?.attempt === 'number' ? details.attempt : null;
}
