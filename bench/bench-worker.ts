import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { EntryMode } from '../core/entry-point';
import { spawnWorkerProcess } from '../worker/spawn-worker';

// temporal.api.enums.v1.TaskQueueType: the worker is ready once it polls both kinds of task.
const WORKFLOW_TASKS = 1;
const ACTIVITY_TASKS = 2;

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on Linux). */
const CLOCK_TICKS = 100;

/** Node's options to write a V8 CPU profile of every thread into `dir` on exit; none without a dir. */
export function cpuProfileArgs(dir: string | undefined): string[] {
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/** The real worker entry point as a child process of its own, so that its memory is one case's alone. */
export class BenchWorker {
  private constructor(
    private readonly child: ChildProcess,
    readonly logFile: string,
  ) {}

  /** When the process was spawned (performance.now()): start-up time runs from here to polling. */
  readonly spawnedAt = performance.now();

  /** `nodeArgs`: more options of the worker's node (a CPU profile). */
  static start(configFile: string, logFile: string, mode: EntryMode, nodeArgs: string[] = []): BenchWorker {
    // The pid read below must be the worker's node process itself: spawnWorkerProcess guarantees it.
    return new BenchWorker(spawnWorkerProcess(configFile, logFile, 'w', { mode, nodeArgs }), logFile);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits until the worker polls the task queue for workflow and activity tasks. */
  async ready(client: Client, taskQueue: string, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const polling = async (taskQueueType: number) => {
      const { pollers } = await client.workflowService.describeTaskQueue({
        namespace: client.options.namespace,
        taskQueue: { name: taskQueue },
        taskQueueType,
      });
      return (pollers?.length ?? 0) > 0;
    };
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`the worker exited during start-up; see ${this.logFile}`);
      if ((await polling(WORKFLOW_TASKS)) && (await polling(ACTIVITY_TASKS))) return;
      await sleep(250);
    }
    throw new Error(`the worker did not poll ${taskQueue} within ${timeoutMs} ms; see ${this.logFile}`);
  }

  /** A `/proc/<pid>/status` field in MiB (VmRSS: now, VmHWM: peak since start or the last reset). */
  memoryMb(field: 'VmRSS' | 'VmHWM'): number {
    const status = fs.readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
    if (kb === undefined) throw new Error(`no ${field} in /proc/${this.child.pid}/status`);
    return Number(kb) / 1024;
  }

  /**
   * CPU seconds the worker process has used (user + system, every thread), from `/proc/<pid>/stat`:
   * unlike wall time, it barely changes when other work shares the machine.
   */
  cpuSeconds(): number {
    // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are 14 and 15.
    const fields = fs.readFileSync(`/proc/${this.child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  }

  /** Resets VmHWM to the current RSS (Linux clear_refs "5"), so the next peak is the export's own. */
  resetPeak(): void {
    fs.writeFileSync(`/proc/${this.child.pid}/clear_refs`, '5');
  }

  /** SIGTERM (the worker drains, then exits), SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 45_000): Promise<number | null> {
    if (!this.running) return this.child.exitCode;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
    return this.child.exitCode;
  }
}
