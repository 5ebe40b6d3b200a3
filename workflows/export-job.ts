import { ApplicationFailure, proxyActivities, upsertMemo, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { RUN_MEMO_KEY, type ExportActivityInput, type ExportJobInput, type ExportResult, type RunMemo } from '../core/job';
import {
  EXPORT_FORMAT,
  SCHEDULED_TIME,
  SCHEDULING_NAME,
  TEMPORAL_SCHEDULED_START_TIME,
} from '../core/temporal/search-attributes';

type Activities = ReturnType<typeof createActivities>;

const { lastSuccessfulRun } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '2s', maximumAttempts: 5 },
});

/**
 * One run of a scheduling: streams the query's rows to their destination inside an activity that
 * heartbeats its progress. Only the spec, times and counts pass through workflow history.
 */
export async function exportJob(input: ExportJobInput): Promise<ExportResult> {
  const { scheduling } = input;
  const info = workflowInfo();
  // A scheduled run's time is the schedule's; "run now" and direct starts use the start time.
  const scheduled = info.typedSearchAttributes.get(TEMPORAL_SCHEDULED_START_TIME) ?? info.startTime;
  upsertSearchAttributes([
    { key: SCHEDULING_NAME, value: scheduling.name },
    { key: EXPORT_FORMAT, value: scheduling.export_format },
    { key: SCHEDULED_TIME, value: scheduled },
  ]);
  const activityInput: ExportActivityInput = {
    scheduling,
    scheduledTime: scheduled.toISOString(),
    // Only a query that asks for the previous run's time pays for looking it up.
    lastSuccessTime: scheduling.query.includes(':last_success_time')
      ? await lastSuccessfulRun(scheduling.name, scheduled.toISOString())
      : null,
  };

  // Per-scheduling timeout and retry policy, so this proxy is built per run.
  const { exportToKafka, exportToFile } = proxyActivities<Activities>({
    startToCloseTimeout: `${scheduling.timeout}s`,
    // A dead worker is noticed after this long; progress is checkpointed far more often (checkpoint.ts).
    heartbeatTimeout: '20s',
    retry: {
      initialInterval: scheduling.retry.initial_backoff,
      maximumInterval: scheduling.retry.max_backoff,
      backoffCoefficient: 2,
      maximumAttempts: scheduling.retry.max_attempts,
    },
  });
  try {
    const result =
      scheduling.export_format === 'kafka' ? await exportToKafka(activityInput) : await exportToFile(activityInput);
    const memo: RunMemo = {
      rows: result.rows,
      messages: result.messages,
      bytes: result.bytes,
      duration_ms: result.durationMs,
      attempts: result.attempts,
      error_message: null,
    };
    upsertMemo({ [RUN_MEMO_KEY]: memo });
    return result;
  } catch (err) {
    // Run history reads the error from the memo: one visibility query, no history replay.
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
    throw err;
  }
}

/** The activity's own failure (the first ApplicationFailure under the ActivityFailure), else the innermost error. */
function rootFailure(err: unknown): Error {
  let current = err instanceof Error ? err : new Error(String(err));
  while (!(current instanceof ApplicationFailure) && current.cause instanceof Error) current = current.cause;
  return current;
}

function attemptOf(failure: Error): number | null {
  if (!(failure instanceof ApplicationFailure)) return null;
  const details = failure.details?.[0] as { attempt?: unknown } | undefined;
  return typeof details?.attempt === 'number' ? details.attempt : null;
}
