/**
 * The runbook's procedure 2 (graceful stop) made safe: pause every scheduling of the deployment with
 * a note that says drain did it, wait for the exports already going to finish (pausing does not stop
 * a run), and report what is still running at the deadline. `resumeAfterDrain` unpauses only what
 * drain paused: a scheduling an operator had disabled stays disabled.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import { runningExports, type RunningExport } from '../../core/temporal/running-exports';
import { TASK_QUEUE_MEMO_KEY } from '../../core/temporal/naming';

export const DRAIN_NOTE_PREFIX = 'pstt drain';

/** The pause note of a schedule paused by drain, e.g. `pstt drain 2026-01-20T08:00:00.000Z`. */
export function drainNote(at: Date): string {
  return `${DRAIN_NOTE_PREFIX} ${at.toISOString()}`;
}

/** Whether a pause note is drain's own (and so resume may unpause the schedule). */
export function isDrainNote(note: string | null | undefined): boolean {
  return typeof note === 'string' && note.startsWith(`${DRAIN_NOTE_PREFIX} `);
}

export type ScheduleAction = 'paused' | 'left-paused' | 'resumed';

export interface ScheduleOutcome {
  scheduleId: string;
  action: ScheduleAction;
  /** The pause note the schedule had before (left-paused, resumed) or now has (paused). */
  note: string | null;
}

export interface DrainOptions {
  /** The deployment's task queue: schedules whose memo names it are paused, its exportJob runs awaited. */
  taskQueue: string;
  /** How long to wait for running exports (the runbook's 10 minutes). @default 600000 */
  timeoutMs?: number;
  /** How often running exports are looked up. @default 2000 */
  pollMs?: number;
  /** Called once the schedulings are paused. */
  onPaused?: (outcomes: ScheduleOutcome[]) => void;
  /** Called after each look-up while exports are running, with the time left. */
  onProgress?: (running: RunningExport[], remainingMs: number) => void;
  now?: () => Date;
}

export interface DrainResult {
  schedules: ScheduleOutcome[];
  /** Exports still running at the deadline; empty when everything finished. */
  stillRunning: RunningExport[];
}

/** Ids of the PSTT schedulings of a task queue (schedule list is Temporal visibility: a schedule created a moment ago may be missing). */
export async function schedulingScheduleIds(client: Client, taskQueue: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const summary of client.schedule.list()) {
    if (summary.memo?.[TASK_QUEUE_MEMO_KEY] === taskQueue) ids.push(summary.scheduleId);
  }
  return ids.sort();
}

/**
 * Pauses every running scheduling with drain's note; already-paused ones are left alone, their note
 * untouched. Returns the outcomes and the runs the schedules say are going.
 */
export async function pauseForDrain(
  client: Client,
  taskQueue: string,
  at: Date = new Date(),
): Promise<{ outcomes: ScheduleOutcome[]; runningActions: Array<{ workflowId: string }> }> {
  const outcomes: ScheduleOutcome[] = [];
  const runningActions: Array<{ workflowId: string }> = [];
  const note = drainNote(at);
  for (const scheduleId of await schedulingScheduleIds(client, taskQueue)) {
    const handle = client.schedule.getHandle(scheduleId);
    const description = await handle.describe().catch((err: unknown) => {
      if (err instanceof ScheduleNotFoundError) return null; // deleted since it was listed
      throw err;
    });
    if (!description) continue;
    runningActions.push(...description.info.runningActions.map((a) => ({ workflowId: a.workflow.workflowId })));
    if (description.state.paused) {
      outcomes.push({ scheduleId, action: 'left-paused', note: description.state.note ?? null });
      continue;
    }
    await handle.pause(note);
    outcomes.push({ scheduleId, action: 'paused', note });
  }
  return { outcomes, runningActions };
}

/** Pauses the schedulings, then waits for running exports up to the deadline. */
export async function drain(client: Client, options: DrainOptions): Promise<DrainResult> {
  const now = options.now ?? (() => new Date());
  const timeoutMs = options.timeoutMs ?? 600_000;
  const pollMs = options.pollMs ?? 2_000;
  const deadline = now().getTime() + timeoutMs;
  const { outcomes, runningActions } = await pauseForDrain(client, options.taskQueue, now());
  options.onPaused?.(outcomes);

  let known: Array<{ workflowId: string }> = runningActions;
  for (;;) {
    const running = await runningExports(client, options.taskQueue, known);
    if (running.length === 0) return { schedules: outcomes, stillRunning: [] };
    const remainingMs = deadline - now().getTime();
    options.onProgress?.(running, Math.max(remainingMs, 0));
    if (remainingMs <= 0) return { schedules: outcomes, stillRunning: running };
    known = running.map((r) => ({ workflowId: r.workflowId }));
    await sleep(Math.min(pollMs, remainingMs));
  }
}

/** Unpauses the schedulings whose pause note is drain's; any other pause stands. */
export async function resumeAfterDrain(
  client: Client,
  taskQueue: string,
  at: Date = new Date(),
): Promise<ScheduleOutcome[]> {
  const outcomes: ScheduleOutcome[] = [];
  for (const scheduleId of await schedulingScheduleIds(client, taskQueue)) {
    const handle = client.schedule.getHandle(scheduleId);
    const description = await handle.describe().catch((err: unknown) => {
      if (err instanceof ScheduleNotFoundError) return null;
      throw err;
    });
    if (!description?.state.paused) continue;
    const note = description.state.note ?? null;
    if (!isDrainNote(note)) {
      outcomes.push({ scheduleId, action: 'left-paused', note });
      continue;
    }
    await handle.unpause(`pstt resume ${at.toISOString()}`);
    outcomes.push({ scheduleId, action: 'resumed', note });
  }
  return outcomes;
}
