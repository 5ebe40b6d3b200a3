import type { Client } from '@temporalio/client';
import { exportRunsQuery } from './visibility';

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
  const [closed, failed] = await Promise.all([
    client.workflow.count(exportRunsQuery({ taskQueue, status: 'closed', closedSince: since })),
    client.workflow.count(exportRunsQuery({ taskQueue, status: ['Failed', 'TimedOut'], closedSince: since })),
  ]);
  return { closed: closed.count, failed: failed.count };
}
