import {
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
} from '@temporalio/client';
import type { AppConfig } from '../core/config';
import type { ExportJobInput } from '../core/job';
import { admitScheduling, type GateConfig } from '../core/scheduling-gate';
import { scheduleIdOf, TASK_QUEUE_MEMO_KEY } from '../core/temporal/naming';
import { type ExportFormat, type Scheduling } from '../core/scheduling';
import { RunAlreadyGoingError, runScheduleNow } from '../core/temporal/run-now';
import { backfillSchedule } from '../core/temporal/backfill';
import { applyScheduling, backfillOverlapOf, overlapPolicyOf, scheduleOptionsOf } from '../core/temporal/schedules';
import { isTemporalUnreachable, TemporalLink } from '../core/temporal/temporal-link';
import { exportRunsQuery, progressOf } from '../core/temporal/visibility';
import { conflict, HttpError, notFound } from './http-errors';
import { runViewOf, VISIBILITY_STATUS, type RunStatus, type RunView } from './run-status';

/** A scheduling as `/api/scheduler/scheduling` shows it. */
export type SchedulingView = Scheduling & {
  next_run_times: string[];
  last_run: { workflow_id: string; scheduled_at: string; started_at: string } | null;
  pause_note: string | null;
};

export interface HistoryFilter {
  limit: number;
  scheduling?: string;
  status?: RunStatus;
  since?: Date;
  export_format?: ExportFormat;
}

/** What "run now" answers: the run it started, or that the run waits behind the one going. */
export type RunNowView =
  { workflow_id: string; buffered: false } | { workflow_id: null; buffered: true; running_workflow_id: string };

/** What a backfill request answers: the window Temporal was asked to run, and how its runs overlap (see backfillOverlapOf). */
export interface BackfillView {
  scheduling: string;
  from: string;
  to: string;
  overlap: 'allow_all' | 'buffer_all';
}

/** A running run plus its progress, read from the export activity's latest checkpoint. */
export interface RunningView extends RunView {
  progress: { rows: number; messages: number; rows_per_s: number; attempt: number };
}

/**
 * Schedulings and runs through Temporal: Schedules hold the schedulings, visibility holds the
 * runs (no second store). Every change goes through the same model as temporal.yaml. Each public
 * method runs through `temporal.call`: bounded, and a 503 when the server cannot be reached.
 */
export class SchedulerService {
  readonly temporal: TemporalLink;

  constructor(
    private readonly client: Client,
    private readonly config: Pick<AppConfig, 'temporal' | 'sources' | 'api'> & GateConfig,
  ) {
    this.temporal = new TemporalLink(client, config.temporal.address);
  }

  private viewOf(description: ScheduleDescription): SchedulingView | null {
    if (description.action.type !== 'startWorkflow') return null;
    const input = description.action.args?.[0] as ExportJobInput | undefined;
    if (!input?.scheduling) return null;
    const last = description.info.recentActions.at(-1);
    return {
      ...input.scheduling,
      // The live pause state wins: an operator may have paused it from the UI or the API.
      enabled: !description.state.paused,
      pause_note: description.state.note ?? null,
      next_run_times: description.info.nextActionTimes.map((d) => d.toISOString()),
      last_run: last
        ? {
            workflow_id: last.action.workflow.workflowId,
            scheduled_at: last.scheduledAt.toISOString(),
            started_at: last.takenAt.toISOString(),
          }
        : null,
    };
  }

  /** Names of the declared sources, for the scheduling form. */
  sourceNames(): string[] {
    return Object.keys(this.config.sources).sort();
  }

  async list(): Promise<SchedulingView[]> {
    return this.temporal.call(async () => {
      const views: SchedulingView[] = [];
      for await (const summary of this.client.schedule.list()) {
        const queue = summary.memo?.[TASK_QUEUE_MEMO_KEY];
        if (queue !== undefined && queue !== this.config.temporal.task_queue) continue;
        // A schedule deleted since the listing is skipped; an unreachable server fails the whole list.
        const description = await this.client.schedule
          .getHandle(summary.scheduleId)
          .describe()
          .catch((err: unknown) => {
            if (isTemporalUnreachable(err)) throw err;
            return null;
          });
        // Schedules made before the memo key existed are recognised by their action's task queue.
        if (
          description?.action.type === 'startWorkflow' &&
          description.action.taskQueue !== this.config.temporal.task_queue
        )
          continue;
        const view = description && this.viewOf(description);
        if (view) views.push(view);
      }
      return views.sort((a, b) => a.name.localeCompare(b.name));
    });
  }

  async get(name: string): Promise<SchedulingView> {
    return this.temporal.call(async () => {
      const view = this.viewOf(await this.describe(name));
      if (!view) throw notFound(`scheduling "${name}" is not managed by PSTT`);
      return view;
    });
  }

  private async describe(name: string): Promise<ScheduleDescription> {
    try {
      return await this.client.schedule.getHandle(scheduleIdOf(name)).describe();
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) throw notFound(`scheduling "${name}" does not exist`);
      throw err;
    }
  }

  /** The gate the worker applies to every run: a 400 naming each refused field. */
  private async parse(body: unknown): Promise<Scheduling> {
    return (await admitScheduling(body, this.config)).scheduling;
  }

  async create(body: unknown): Promise<SchedulingView> {
    // Validated before Temporal is asked anything: a bad body is a 400 whether or not Temporal is up.
    const scheduling = await this.parse(body);
    return this.temporal.call(async () => {
      if (await this.exists(scheduling.name)) throw conflict(`scheduling "${scheduling.name}" already exists`);
      await this.client.schedule.create(scheduleOptionsOf(scheduling, this.config.temporal.task_queue));
      return this.get(scheduling.name);
    });
  }

  private async exists(name: string): Promise<boolean> {
    try {
      await this.describe(name);
      return true;
    } catch (err) {
      if (err instanceof HttpError && err.status === 404) return false;
      throw err;
    }
  }

  async replace(name: string, body: unknown): Promise<SchedulingView> {
    const scheduling = await this.parse({ ...(body as object), name });
    return this.temporal.call(async () => {
      await this.describe(name);
      await applyScheduling(this.client, scheduling, this.config.temporal.task_queue, false);
      return this.get(name);
    });
  }

  async remove(name: string): Promise<void> {
    return this.temporal.call(async () => {
      await this.describe(name);
      await this.client.schedule.getHandle(scheduleIdOf(name)).delete();
    });
  }

  async setEnabled(name: string, enabled: boolean, note?: string): Promise<SchedulingView> {
    return this.temporal.call(async () => {
      await this.describe(name);
      const handle = this.client.schedule.getHandle(scheduleIdOf(name));
      if (enabled) await handle.unpause(note ?? 'enabled from the API');
      else await handle.pause(note ?? 'disabled from the API');
      return this.get(name);
    });
  }

  /**
   * "Esegui Ora": 409 with the running run's id when one is going and the policy skips; when the policy
   * buffers, the run is queued behind the running one (`buffered: true`, no workflow id yet).
   */
  async runNow(name: string): Promise<RunNowView> {
    return this.temporal.call(async () => {
      const scheduling = await this.get(name);
      try {
        const outcome = await runScheduleNow(this.client, scheduleIdOf(name), overlapPolicyOf(scheduling));
        return outcome.buffered
          ? { workflow_id: null, buffered: true, running_workflow_id: outcome.runningWorkflowId }
          : { workflow_id: outcome.workflowId, buffered: false };
      } catch (err) {
        if (err instanceof RunAlreadyGoingError) {
          throw conflict(`a run of "${name}" is already going`, { running_workflow_id: err.workflowId });
        }
        throw err;
      }
    });
  }

  /** The longest backfill window, in days. */
  get maxBackfillDays(): number {
    return this.config.api.max_backfill_days;
  }

  /**
   * Runs the scheduling for each time its schedule matches in the window, through Temporal's
   * backfill (overlapping runs only if the scheduling allows them); each run gets that time as its scheduled time.
   */
  async backfill(name: string, window: { from: Date; to: Date }): Promise<BackfillView> {
    return this.temporal.call(async () => {
      const scheduling = await this.get(name);
      const overlap = backfillOverlapOf(scheduling);
      await backfillSchedule(this.client, scheduleIdOf(name), window, overlap);
      return {
        scheduling: name,
        from: window.from.toISOString(),
        to: window.to.toISOString(),
        overlap: overlap === ScheduleOverlapPolicy.ALLOW_ALL ? 'allow_all' : 'buffer_all',
      };
    });
  }

  private query(filter: Omit<HistoryFilter, 'limit'>): string {
    return exportRunsQuery({
      taskQueue: this.config.temporal.task_queue,
      scheduling: filter.scheduling,
      status: filter.status && VISIBILITY_STATUS[filter.status],
      exportFormat: filter.export_format,
      since: filter.since,
    });
  }

  /** Runs, newest first, from Temporal visibility. */
  async history(filter: HistoryFilter): Promise<RunView[]> {
    return this.temporal.call(async () => {
      const runs: RunView[] = [];
      for await (const run of this.client.workflow.list({
        query: this.query(filter),
        pageSize: Math.min(filter.limit, 1000),
      })) {
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
    return this.temporal.call(async () => {
      const runs = await this.history({ limit: 1000, status: 'running' });
      return Promise.all(
        runs.map(async (run) => {
          const description = await this.client.workflow.getHandle(run.workflow_id, run.run_id).describe();
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
