import { ScheduleNotFoundError, ScheduleOverlapPolicy, type ScheduleDescription } from '@temporalio/client';
import type { AppConfig } from '../core/config';
import type { ExportJobInput } from '../core/job';
import type { Scheduling } from '../core/scheduling';
import { admitScheduling, type GateConfig } from '../core/scheduling-gate';
import { backfillSchedule } from '../core/temporal/backfill';
import { scheduleIdOf, TASK_QUEUE_MEMO_KEY } from '../core/temporal/naming';
import { RunAlreadyGoingError, runScheduleNow } from '../core/temporal/run-now';
import { applyScheduling, backfillOverlapOf, overlapPolicyOf, scheduleOptionsOf } from '../core/temporal/schedules';
import { isTemporalUnreachable, type TemporalLink } from '../core/temporal/temporal-link';
import type { BackfillView, RunNowView, SchedulingView } from './contract';
import {
  SchedulingExistsError,
  SchedulingNotFoundError,
  SchedulingNotManagedError,
  SchedulingRunGoingError,
} from './errors';

/**
 * The schedulings, kept as Temporal Schedules (no second store). Every change goes through the same
 * model and gate as temporal.yaml and the worker. Each method runs through `temporal.call`: bounded,
 * and a `TemporalUnavailableError` when the server cannot be reached; a missing scheduling is a
 * `SchedulingNotFoundError`.
 */
export class ScheduleStore {
  constructor(
    private readonly temporal: TemporalLink,
    private readonly config: Pick<AppConfig, 'temporal' | 'sources' | 'api'> & GateConfig,
  ) {}

  private get client() {
    return this.temporal.client;
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

  /** The longest backfill window, in days. */
  get maxBackfillDays(): number {
    return this.config.api.max_backfill_days;
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
      if (!view) throw new SchedulingNotManagedError(name);
      return view;
    });
  }

  private async describe(name: string): Promise<ScheduleDescription> {
    try {
      return await this.client.schedule.getHandle(scheduleIdOf(name)).describe();
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) throw new SchedulingNotFoundError(name);
      throw err;
    }
  }

  /** The gate the worker applies to every run: a `SchedulingRefusedError` naming each refused field. */
  private async admit(body: unknown): Promise<Scheduling> {
    return (await admitScheduling(body, this.config)).scheduling;
  }

  async create(body: unknown): Promise<SchedulingView> {
    // Admitted before Temporal is asked anything: a bad body is refused whether or not Temporal is up.
    const scheduling = await this.admit(body);
    return this.temporal.call(async () => {
      if (await this.exists(scheduling.name)) throw new SchedulingExistsError(scheduling.name);
      await this.client.schedule.create(scheduleOptionsOf(scheduling, this.config.temporal.task_queue));
      return this.get(scheduling.name);
    });
  }

  private async exists(name: string): Promise<boolean> {
    try {
      await this.describe(name);
      return true;
    } catch (err) {
      if (err instanceof SchedulingNotFoundError) return false;
      throw err;
    }
  }

  async replace(name: string, body: unknown): Promise<SchedulingView> {
    const scheduling = await this.admit({ ...(body as object), name });
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
   * "Esegui Ora": a `SchedulingRunGoingError` naming the running run when one is going and the policy
   * skips; when the policy buffers, the run is queued behind the running one (`buffered: true`, no workflow id yet).
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
        if (err instanceof RunAlreadyGoingError) throw new SchedulingRunGoingError(name, err.workflowId);
        throw err;
      }
    });
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
}
