import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { entryArgs } from '../core/entry-point';
import { RESTART_POLICY, RestartBackoff, type RestartPolicy } from '../core/restart-policy';
import { PROJECT_ROOT } from '../core/paths';

/** A PSTT process the supervisor runs: a compiled entry point (dist/), its output in `<logsDir>/<name>.log`. */
export interface ChildSpec {
  name: string;
  /** Entry point, relative to the project root, without extension (`worker/main` runs `dist/worker/main.js`). */
  entry: string;
  nodeOptions?: string[];
  /** Environment of the child; this process's own when absent. */
  env?: NodeJS.ProcessEnv;
}

/** How long a child may take to stop on SIGTERM before it is killed (the worker lets exports finish for 30 s). */
const STOP_GRACE_MS = 45_000;

interface Supervised {
  spec: ChildSpec;
  logFile: string;
  backoff: RestartBackoff;
  child: ChildProcess | null;
  startedAt: number;
  restartTimer: NodeJS.Timeout | null;
}

/**
 * Runs the worker and the API for `npm start` and restarts one that exits, with the backoff of
 * RESTART_POLICY, instead of stopping the stack; each restart is told on the console and in the
 * child's own log file. Children run from process.execPath, so their pids are their own.
 */
export class Supervisor {
  private readonly children: Supervised[] = [];
  private stopping = false;

  constructor(
    private readonly say: (line: string) => void,
    private readonly logsDir: string,
    private readonly policy: RestartPolicy = RESTART_POLICY,
  ) {}

  start(spec: ChildSpec): void {
    fs.mkdirSync(this.logsDir, { recursive: true });
    const supervised: Supervised = {
      spec,
      logFile: path.join(this.logsDir, `${spec.name}.log`),
      backoff: new RestartBackoff(this.policy),
      child: null,
      startedAt: 0,
      restartTimer: null,
    };
    this.children.push(supervised);
    this.spawn(supervised, 'started');
  }

  private spawn(s: Supervised, verb: 'started' | 'restarted'): void {
    const out = fs.openSync(s.logFile, 'a');
    const child = spawn(process.execPath, [...(s.spec.nodeOptions ?? []), ...entryArgs(s.spec.entry, 'compiled')], {
      stdio: ['ignore', out, out],
      cwd: PROJECT_ROOT,
      env: s.spec.env ?? process.env,
    });
    fs.closeSync(out);
    s.child = child;
    s.startedAt = Date.now();
    child.once('exit', (code, signal) => this.exited(s, code, signal));
    this.say(`${s.spec.name}: ${verb} (pid ${child.pid}; log ${s.logFile})`);
  }

  private exited(s: Supervised, code: number | null, signal: NodeJS.Signals | null): void {
    s.child = null;
    if (this.stopping) return;
    const uptimeMs = Date.now() - s.startedAt;
    const { delayMs, restart } = s.backoff.next(uptimeMs);
    const how = signal ?? `code ${code}`;
    const line =
      `${s.spec.name} exited (${how}) after ${Math.round(uptimeMs / 1000)} s; restarting in ${delayMs / 1000} s ` +
      `(restart ${restart} in a row)`;
    this.say(`${line}; see ${s.logFile}`);
    this.logTo(s.logFile, {
      level: 40,
      exit: how,
      uptimeMs,
      restartInMs: delayMs,
      restart,
      component: 'supervisor',
      msg: line,
    });
    s.restartTimer = setTimeout(() => {
      s.restartTimer = null;
      if (!this.stopping) this.spawn(s, 'restarted');
    }, delayMs);
  }

  /** One line in the child's log, in the processes' own JSON format, so that its log tells the restart too. */
  private logTo(logFile: string, fields: Record<string, unknown> & { level: number; msg: string }): void {
    const { level, msg, ...rest } = fields;
    const line = { level, time: Date.now(), pid: process.pid, hostname: os.hostname(), ...rest, msg };
    try {
      fs.appendFileSync(logFile, `${JSON.stringify(line)}\n`);
    } catch {
      // The console line stands when the log cannot be written.
    }
  }

  /** SIGTERM to every child, SIGKILL to one that is still there after the grace time; no more restarts. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.children.map(async (s) => {
        if (s.restartTimer) clearTimeout(s.restartTimer);
        const child = s.child;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => {
          this.say(`${s.spec.name}: still running ${STOP_GRACE_MS / 1000} s after SIGTERM; killing it`);
          child.kill('SIGKILL');
        }, STOP_GRACE_MS);
        await gone;
        clearTimeout(timer);
      }),
    );
  }
}
