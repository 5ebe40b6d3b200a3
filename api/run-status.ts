import type { WorkflowExecutionInfo } from '@temporalio/client';
import type { AppConfig } from '../core/config';
import type { RunStatus, RunView } from './contract';
import type { RunMemo } from '../core/job';
import { runLinkOf } from '../core/temporal/run-link';
import { isBackfillRun } from '../core/temporal/backfill';
import {
  EXPORT_FORMAT,
  SCHEDULED_TIME,
  SCHEDULING_NAME,
  TEMPORAL_SCHEDULED_START_TIME,
  RUN_MEMO_KEY,
} from '../core/temporal/naming';
import type { ExecutionStatusName } from '../core/temporal/visibility';

const STATUS: Record<string, RunStatus> = {
  COMPLETED: 'success',
  FAILED: 'error',
  RUNNING: 'running',
  CANCELLED: 'cancelled',
  TERMINATED: 'cancelled',
  TIMED_OUT: 'timeout',
  CONTINUED_AS_NEW: 'success',
};

/** Maps a Temporal visibility record of an exportJob run to the runbook's shape. */
export function runViewOf(
  run: WorkflowExecutionInfo,
  temporal: Pick<AppConfig['temporal'], 'web_ui' | 'namespace'>,
): RunView {
  const memo = (run.memo?.[RUN_MEMO_KEY] ?? null) as RunMemo | null;
  const closed = STATUS[run.status.name] ?? 'error';
  const status: RunStatus = closed === 'success' && memo?.suspect ? 'suspect' : closed;
  const scheduled =
    run.typedSearchAttributes.get(SCHEDULED_TIME) ?? run.typedSearchAttributes.get(TEMPORAL_SCHEDULED_START_TIME);
  return {
    run_id: run.runId,
    workflow_id: run.workflowId,
    scheduling_name: run.typedSearchAttributes.get(SCHEDULING_NAME) ?? null,
    export_format: run.typedSearchAttributes.get(EXPORT_FORMAT) ?? null,
    status,
    scheduled_time: scheduled?.toISOString() ?? null,
    backfill: isBackfillRun(run.memo, scheduled),
    start_time: run.startTime.toISOString(),
    end_time: run.closeTime?.toISOString() ?? null,
    duration_ms: run.closeTime ? run.closeTime.getTime() - run.startTime.getTime() : null,
    rows: memo?.rows ?? null,
    messages: memo?.messages ?? null,
    attempts: memo?.attempts ?? null,
    error_message: memo?.error_message ?? (status === 'timeout' ? 'the run exceeded its time limit' : null),
    rows_read: memo?.rows_read ?? null,
    rows_delivered: memo?.rows_delivered ?? null,
    query_count: memo?.query_count ?? null,
    suspect_reason: memo?.suspect_reason ?? null,
    web_ui_url: runLinkOf(temporal, run.workflowId, run.runId),
  };
}

/** Temporal's visibility names of the runbook's statuses, for filtering. */
export const VISIBILITY_STATUS: Record<RunStatus, ExecutionStatusName[]> = {
  success: ['Completed'],
  // Completed too: the memo tells, and history keeps only the runs whose status matches.
  suspect: ['Completed'],
  error: ['Failed'],
  running: ['Running'],
  cancelled: ['Canceled', 'Terminated'],
  timeout: ['TimedOut'],
};
