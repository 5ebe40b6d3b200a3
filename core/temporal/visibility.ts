import type { WorkflowExecutionDescription } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { ExportProgress } from '../job';
import { EXPORT_FORMAT, SCHEDULED_TIME, SCHEDULING_NAME, WORKFLOW_TYPES } from './naming';

/** A workflow execution's status as Temporal visibility names it. */
export type ExecutionStatusName =
  'Running' | 'Completed' | 'Failed' | 'Canceled' | 'Terminated' | 'ContinuedAsNew' | 'TimedOut';

/** Which export runs a visibility query selects; every field narrows it. */
export interface ExportRunsFilter {
  /** A deployment is a namespace and a task queue: runs of another deployment are never selected. */
  taskQueue: string;
  /** @default "exportJob" */
  workflowType?: string;
  scheduling?: string;
  /** Runs with any of these statuses, or `closed`: every status but Running. */
  status?: readonly ExecutionStatusName[] | 'closed';
  exportFormat?: string;
  /** Runs started at or after this time. */
  since?: Date;
  /** Runs closed at or after this time. */
  closedSince?: Date;
  /** Runs whose scheduled time (`PsttScheduledTime`) is before this ISO-8601 time. */
  scheduledBefore?: string;
}

const quoted = (value: string): string => JSON.stringify(value);

/** The visibility query of export runs: history, running runs, alert counts and the previous run all ask through it. */
export function exportRunsQuery(filter: ExportRunsFilter): string {
  const clauses = [
    `WorkflowType = ${quoted(filter.workflowType ?? WORKFLOW_TYPES.exportJob)}`,
    `TaskQueue = ${quoted(filter.taskQueue)}`,
  ];
  if (filter.scheduling !== undefined) clauses.push(`${SCHEDULING_NAME.name} = ${quoted(filter.scheduling)}`);
  if (filter.status === 'closed') clauses.push('ExecutionStatus != "Running"');
  else if (filter.status) {
    clauses.push(`(${filter.status.map((s) => `ExecutionStatus = ${quoted(s)}`).join(' OR ')})`);
  }
  if (filter.exportFormat !== undefined) clauses.push(`${EXPORT_FORMAT.name} = ${quoted(filter.exportFormat)}`);
  if (filter.since) clauses.push(`StartTime >= ${quoted(filter.since.toISOString())}`);
  if (filter.closedSince) clauses.push(`CloseTime >= ${quoted(filter.closedSince.toISOString())}`);
  if (filter.scheduledBefore !== undefined) {
    clauses.push(`${SCHEDULED_TIME.name} < ${quoted(filter.scheduledBefore)}`);
  }
  return clauses.join(' AND ');
}

/** A running export's progress, from its export activity's latest heartbeat. */
export interface RunProgress {
  /** Rows the destination has taken. */
  rows: number;
  messages: number;
  /** Attempt of the export activity (above 1 after a retry). */
  attempt: number;
  /** When that attempt started; null when no export activity is pending. */
  attemptStartedAt: Date | null;
}

/** The export activity's checkpoint: Kafka exports heartbeat `rowsAcked`, file exports `rowsWritten`. */
type HeartbeatDetails = Partial<ExportProgress & { rowsWritten: number }>;

/** Decodes the progress of a run from its description (the pending export activity's heartbeat details). */
export function progressOf(description: WorkflowExecutionDescription): RunProgress {
  const activity = description.raw.pendingActivities?.[0];
  const payload = activity?.heartbeatDetails?.payloads?.[0];
  const details = payload ? defaultPayloadConverter.fromPayload<HeartbeatDetails>(payload) : {};
  const startedMs = Number(activity?.lastStartedTime?.seconds ?? 0) * 1000;
  return {
    rows: details.rowsAcked ?? details.rowsWritten ?? 0,
    messages: details.messages ?? 0,
    attempt: activity?.attempt ?? 1,
    attemptStartedAt: startedMs ? new Date(startedMs) : null,
  };
}
