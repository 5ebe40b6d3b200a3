import { Context } from '@temporalio/activity';
import { EXPORT_WORKFLOW_TYPE } from '../core/job';

/** Which runs are "this scheduling's": two deployments sharing a namespace and a scheduling name stay apart. */
export interface RunScope {
  taskQueue: string;
  workflowType: string;
}

/** The scope of the run this activity belongs to: its workflow's task queue (the activity's own) and type. */
export function currentRunScope(): RunScope {
  const { taskQueue, workflowType } = Context.current().info;
  // Only a standalone activity has no workflow; every PSTT activity runs in an exportJob.
  return { taskQueue, workflowType: workflowType ?? EXPORT_WORKFLOW_TYPE };
}

/** Visibility query for the completed runs of a scheduling within a scope. */
export function completedRunsQuery(schedulingName: string, scope: RunScope): string {
  return (
    `PsttScheduling = ${JSON.stringify(schedulingName)} AND ExecutionStatus = "Completed" ` +
    `AND TaskQueue = ${JSON.stringify(scope.taskQueue)} AND WorkflowType = ${JSON.stringify(scope.workflowType)}`
  );
}
