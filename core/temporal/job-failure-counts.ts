import type { Client } from '@temporalio/client';
import { EXPORT_WORKFLOW_TYPE } from '../job';

/** Closed export runs of one deployment since a time, and how many of them failed. */
export interface JobFailureCounts {
  closed: number;
  failed: number;
}

/**
 * Counts closed `exportJob` runs of a task queue that closed since `since`, and the failed ones among them
 * (failed or timed out; a cancelled run is an operator's choice, not a failure), from Temporal visibility.
 */
export async function jobFailureCounts(client: Client, taskQueue: string, since: Date): Promise<JobFailureCounts> {
  const base =
    `WorkflowType = ${JSON.stringify(EXPORT_WORKFLOW_TYPE)} AND TaskQueue = ${JSON.stringify(taskQueue)} ` +
    `AND ExecutionStatus != "Running" AND CloseTime >= ${JSON.stringify(since.toISOString())}`;
  const [closed, failed] = await Promise.all([
    client.workflow.count(base),
    client.workflow.count(`${base} AND (ExecutionStatus = "Failed" OR ExecutionStatus = "TimedOut")`),
  ]);
  return { closed: closed.count, failed: failed.count };
}
