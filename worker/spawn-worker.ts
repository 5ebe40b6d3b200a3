import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../core/paths';
import { workerNodeOptions } from './node-options';

/**
 * The real worker entry point (`worker/main.ts`) as a child process reading the given config file,
 * its output in `logFile`. Started with process.execPath (not npx/tsx) so the pid is the worker's own.
 */
export function spawnWorkerProcess(configFile: string, logFile: string, logMode: 'a' | 'w' = 'a'): ChildProcess {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const out = fs.openSync(logFile, logMode);
  const child = spawn(process.execPath, [...workerNodeOptions(), '--import', 'tsx', path.join(PROJECT_ROOT, 'worker', 'main.ts')], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, PSTT_CONFIG: configFile, LOG_LEVEL: 'warn' },
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  return child;
}
