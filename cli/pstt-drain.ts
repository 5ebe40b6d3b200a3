/**
 * `pstt drain` / `pstt resume`: the runbook's procedure 2 (graceful stop). drain pauses every
 * scheduling of the deployment, waits for the running exports (up to --timeout, default 10
 * minutes) and exits 0 when nothing is running, 1 when something still is. resume unpauses the
 * schedulings drain paused, and only those.
 */
import { loadRuntimeConfig } from '../core/config';
import { drain, resumeAfterDrain, type ScheduleOutcome } from './ops/drain';
import { connectTemporalClient } from '../core/temporal/client';
import type { RunningExport } from '../core/temporal/running-exports';
import { parseDurationOption, parseOptions } from './cli-options';

export const DRAIN_USAGE = 'pstt drain [config-file] [--timeout 10m]';
export const RESUME_USAGE = 'pstt resume [config-file]';

/** Progress is printed when the set of running exports changes, and at most every 30 s otherwise. */
const PROGRESS_EVERY_MS = 30_000;

const say = (line: string) => process.stdout.write(`${line}\n`);

function minutesSeconds(ms: number): string {
  const s = Math.ceil(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

function describeRun(r: RunningExport): string {
  return `${r.workflowId} (scheduling ${r.scheduling ?? '?'}, ${r.rows} rows so far, attempt ${r.attempt})`;
}

function describeSchedule(o: ScheduleOutcome): string {
  const note = o.note ? ` (note: ${JSON.stringify(o.note)})` : '';
  const verb = { paused: 'paused', 'left-paused': 'left paused', resumed: 'resumed' }[o.action];
  return `${verb.padEnd(12)} ${o.scheduleId}${note}`;
}

export async function drainCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseOptions(args, { timeout: { type: 'string', default: '10m' } }, DRAIN_USAGE);
  const timeoutMs = parseDurationOption('--timeout', values.timeout);
  const config = loadRuntimeConfig(positionals[0]).app;
  const client = await connectTemporalClient(config.temporal);
  try {
    let lastKey = '';
    let lastAt = 0;
    const result = await drain(client, {
      taskQueue: config.temporal.task_queue,
      timeoutMs,
      onPaused: (outcomes) => {
        for (const o of outcomes) say(describeSchedule(o));
        if (outcomes.length === 0) say(`no scheduling on task queue ${config.temporal.task_queue}`);
      },
      onProgress: (running, remainingMs) => {
        const key = running.map((r) => r.workflowId).join(',');
        if (key === lastKey && Date.now() - lastAt < PROGRESS_EVERY_MS) return;
        lastKey = key;
        lastAt = Date.now();
        say(`waiting for ${running.length} running export(s), ${minutesSeconds(remainingMs)} left:`);
        for (const r of running) say(`  ${describeRun(r)}`);
      },
    });
    if (result.stillRunning.length === 0) {
      say('nothing running: the service can be stopped now; `pstt resume` re-enables what drain paused');
      return 0;
    }
    say(`still running after ${minutesSeconds(timeoutMs)}; stopping the worker now would cancel and retry them:`);
    for (const r of result.stillRunning) say(`  ${describeRun(r)}`);
    return 1;
  } finally {
    await client.connection.close();
  }
}

export async function resumeCommand(args: string[]): Promise<number> {
  const { positionals } = parseOptions(args, {}, RESUME_USAGE);
  const config = loadRuntimeConfig(positionals[0]).app;
  const client = await connectTemporalClient(config.temporal);
  try {
    const outcomes = await resumeAfterDrain(client, config.temporal.task_queue);
    for (const o of outcomes) say(describeSchedule(o));
    if (!outcomes.some((o) => o.action === 'resumed')) say('no scheduling was paused by drain');
    return 0;
  } finally {
    await client.connection.close();
  }
}
