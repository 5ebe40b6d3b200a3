import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { dataDir } from '../core/paths';
import { ServiceError } from './service-error';

export const execFileAsync = promisify(execFile);

/** True when something accepts TCP connections on host:port. */
export function isPortOpen(port: number, host = '127.0.0.1', timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** True when an executable of that name is on PATH. */
export async function onPath(command: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, command);
    try {
      await fs.promises.access(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

function pidFile(service: string): string {
  return path.join(dataDir(), 'run', `${service}.pid`);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pid of a service this project started, when it is still running. */
export function runningPid(service: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(pidFile(service), 'utf8').trim());
    return pid > 0 && isAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Starts a long-running process detached from this one, output appended to its log file. */
export function startDetached(
  service: string,
  command: string,
  args: string[],
  logFile: string,
  env?: NodeJS.ProcessEnv,
): number {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  fs.mkdirSync(path.dirname(pidFile(service)), { recursive: true });
  const out = fs.openSync(logFile, 'a');
  const child = spawn(command, args, { detached: true, stdio: ['ignore', out, out], env: { ...process.env, ...env } });
  fs.closeSync(out);
  if (!child.pid) throw new ServiceError(service, `could not start ${command}`, logFile, `check that ${command} runs`);
  child.unref();
  fs.writeFileSync(pidFile(service), String(child.pid));
  return child.pid;
}

/** Stops a service this project started: SIGTERM to its process group, SIGKILL after the grace time. */
export async function stopDetached(service: string, graceMs = 20_000): Promise<boolean> {
  const pid = runningPid(service);
  fs.rmSync(pidFile(service), { force: true });
  if (!pid) return false;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(200);
  if (isAlive(pid)) signal('SIGKILL');
  return true;
}

export interface WaitOptions {
  service: string;
  logFile: string;
  deadlineMs: number;
  /** Pid of the process being awaited: if it exits, stop waiting at once. */
  pid?: number;
  fix: string;
}

/** Polls `ready` until it answers true, the process dies, or the deadline passes. */
export async function waitUntilReady(ready: () => Promise<boolean>, o: WaitOptions): Promise<void> {
  const deadline = Date.now() + o.deadlineMs;
  for (;;) {
    if (await ready().catch(() => false)) return;
    if (o.pid !== undefined && !isAlive(o.pid)) {
      throw new ServiceError(o.service, 'exited during start-up', o.logFile, o.fix);
    }
    if (Date.now() > deadline) {
      throw new ServiceError(o.service, `not ready after ${Math.round(o.deadlineMs / 1000)} s`, o.logFile, o.fix);
    }
    await sleep(500);
  }
}

/** Runs a command to completion with its output appended to a log file; throws a ServiceError on failure. */
export async function runLogged(
  service: string,
  command: string,
  args: string[],
  logFile: string,
  fix: string,
  options: { env?: NodeJS.ProcessEnv; timeoutMs: number; cwd?: string },
): Promise<void> {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const out = fs.openSync(logFile, 'a');
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(command, args, {
        stdio: ['ignore', out, out],
        env: { ...process.env, ...options.env },
        cwd: options.cwd,
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
      child.once('error', reject);
      child.once('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    if (code !== 0) {
      throw new ServiceError(service, `${path.basename(command)} ${args[0] ?? ''} failed (exit ${code})`, logFile, fix);
    }
  } catch (err) {
    if (err instanceof ServiceError) throw err;
    throw new ServiceError(service, `cannot run ${command}: ${(err as Error).message}`, logFile, fix);
  } finally {
    fs.closeSync(out);
  }
}
