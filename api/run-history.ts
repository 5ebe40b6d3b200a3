import type { AppConfig } from '../core/config';
import type { ExportFormat } from '../core/scheduling';
import type { TemporalLink } from '../core/temporal/temporal-link';
import { exportRunsQuery, progressOf } from '../core/temporal/visibility';
import type { RunningView, RunStatus, RunView } from './contract';
import { runViewOf, VISIBILITY_STATUS } from './run-status';

export interface HistoryFilter {
  limit: number;
  scheduling?: string;
  status?: RunStatus;
  since?: Date;
  export_format?: ExportFormat;
}

/**
 * Export runs read from Temporal visibility (no second store): history and the running runs with
 * their progress. Each method runs through `temporal.call`: bounded, and a `TemporalUnavailableError`
 * when the server cannot be reached.
 */
export class RunHistory {
  constructor(
    private readonly temporal: TemporalLink,
    private readonly config: Pick<AppConfig, 'temporal'>,
  ) {}

  /** Runs, newest first, from Temporal visibility. */
  async history(filter: HistoryFilter): Promise<RunView[]> {
    return this.temporal.call(async (client) => {
      const query = exportRunsQuery({
        taskQueue: this.config.temporal.task_queue,
        scheduling: filter.scheduling,
        status: filter.status && VISIBILITY_STATUS[filter.status],
        exportFormat: filter.export_format,
        since: filter.since,
      });
      const runs: RunView[] = [];
      for await (const run of client.workflow.list({ query, pageSize: Math.min(filter.limit, 1000) })) {
        const view = runViewOf(run, this.config.temporal);
        // success and suspect share Temporal's Completed.
        if (filter.status && view.status !== filter.status) continue;
        runs.push(view);
        if (runs.length >= filter.limit) break;
      }
      return runs.sort((a, b) => b.start_time.localeCompare(a.start_time));
    });
  }

  /** Running runs with their progress. */
  async running(): Promise<RunningView[]> {
    return this.temporal.call(async (client) => {
      const runs = await this.history({ limit: 1000, status: 'running' });
      return Promise.all(
        runs.map(async (run) => {
          const description = await client.workflow.getHandle(run.workflow_id, run.run_id).describe();
          const { rows, messages, attempt, attemptStartedAt } = progressOf(description);
          const seconds = attemptStartedAt ? Math.max((Date.now() - attemptStartedAt.getTime()) / 1000, 0.001) : 0;
          return {
            ...run,
            progress: { rows, messages, rows_per_s: seconds ? Math.round(rows / seconds) : 0, attempt },
          };
        }),
      );
    });
  }
}
