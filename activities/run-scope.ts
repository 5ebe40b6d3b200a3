import { Context } from '@temporalio/activity';
import { WORKFLOW_TYPES } from '../core/temporal/naming';

/** Which runs are "this scheduling's": two deployments sharing a namespace and a scheduling name stay apart. */
export interface RunScope {
  taskQueue: string;
  workflowType: string;
}

/** The scope of the run this activity belongs to: its workflow's task queue (the activity's own) and type. */
export function currentRunScope(): RunScope {
  const { taskQueue, workflowType } = Context.current().info;
  // Only a standalone activity has no workflow; every PSTT activity runs in an exportJob.
  return { taskQueue, workflowType: workflowType ?? WORKFLOW_TYPES.exportJob };
}
