import type { Client } from '@temporalio/client';
import { SCHEDULING_NAME, WORKFLOW_TYPES } from './naming';
import { exportRunsQuery, progressOf } from './visibility';

/** An exportJob run that is still going, with its latest checkpoint. */
export interface RunningExport {
  workflowId: string;
  runId: string;
  scheduling: string | null;
  startTime: Date;
  /** Rows the destination has taken, from the export activity's latest heartbeat. */
  rows: number;
  /** Attempt of the export activity (above 1 after a retry). */
  attempt: number;
}

/**
 * exportJob runs of a task queue that are running now. Visibility finds them; `alsoCheck` adds runs
 * known otherwise (a schedule's running actions), since visibility may lag a run that just started.
 * Each candidate is confirmed with its own describe(), which does not lag.
 */
export async function runningExports(
  client: Client,
  taskQueue: string,
  alsoCheck: ReadonlyArray<{ workflowId: string }> = [],
): Promise<RunningExport[]> {
  // By workflow id alone: describe() then reads the latest run, even after a continue-as-new.
  const candidates = new Set(alsoCheck.map((r) => r.workflowId));
  const query = exportRunsQuery({ taskQueue, status: ['Running'] });
  for await (const run of client.workflow.list({ query })) candidates.add(run.workflowId);

  const running: RunningExport[] = [];
  for (const workflowId of candidates) {
    const description = await client.workflow
      .getHandle(workflowId)
      .describe()
      .catch(() => null);
    if (!description || description.status.name !== 'RUNNING' || description.type !== WORKFLOW_TYPES.exportJob)
      continue;
    const { rows, attempt } = progressOf(description);
    running.push({
      workflowId,
      runId: description.runId,
      scheduling: description.typedSearchAttributes.get(SCHEDULING_NAME) ?? null,
      startTime: description.startTime,
      rows,
      attempt,
    });
  }
  return running.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
}
