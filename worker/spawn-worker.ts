import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { entryArgs, type EntryMode } from '../core/entry-point';
import { PROJECT_ROOT } from '../core/paths';
import { workerEnv, workerNodeOptions } from './node-options';

/**
 * The real worker entry point (`worker/main.ts`, or compiled `dist/worker/main.js`) as a child process
 * reading the given config file, its output in `logFile`. Started with process.execPath (not npx/tsx)
 * so the pid is the worker's own.
 */
export function spawnWorkerProcess(
  configFile: string,
  logFile: string,
  logMode: 'a' | 'w' = 'a',
  options: { mode?: EntryMode; env?: NodeJS.ProcessEnv; nodeArgs?: string[] } = {},
): ChildProcess {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const out = fs.openSync(logFile, logMode);
  const child = spawn(
    process.execPath,
    [...workerNodeOptions(), ...(options.nodeArgs ?? []), ...entryArgs('worker/main', options.mode ?? 'source')],
    {
      cwd: PROJECT_ROOT,
      env: { ...workerEnv(), PSTT_CONFIG: configFile, LOG_LEVEL: 'warn', ...options.env },
      stdio: ['ignore', out, out],
    },
  );
  fs.closeSync(out);
  return child;
}
