import type { Client } from '@temporalio/client';

// Values of Temporal's TaskQueueType and TaskQueueKind enums (temporal/api/enums/v1/task_queue.proto);
// @temporalio/proto is not one of our direct dependencies.
const TASK_QUEUE_TYPE_WORKFLOW = 1;
const TASK_QUEUE_TYPE_ACTIVITY = 2;
const TASK_QUEUE_KIND_NORMAL = 1;

/** A poller seen within this long is a live worker: a long poll lasts about a minute. */
const LIVE_WITHIN_MS = 2 * 60_000;

/**
 * Identities (`<pid>@<host>` by default) of the workers polling a task queue for workflow or activity
 * tasks, as the Temporal server saw them in the last two minutes (it forgets stopped ones later).
 */
export async function taskQueuePollers(client: Client, taskQueue: string, now = new Date()): Promise<string[]> {
  const identities = new Set<string>();
  for (const taskQueueType of [TASK_QUEUE_TYPE_WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY]) {
    const answer = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: taskQueue, kind: TASK_QUEUE_KIND_NORMAL },
      taskQueueType,
    });
    for (const poller of answer.pollers ?? []) {
      const seconds = Number(poller.lastAccessTime?.seconds ?? 0);
      if (poller.identity && now.getTime() - seconds * 1000 <= LIVE_WITHIN_MS) identities.add(poller.identity);
    }
  }
  return [...identities].sort();
}
