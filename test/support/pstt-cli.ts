import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../core/paths';

const run = promisify(execFile);

export interface PsttOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `pstt` command line (bin/pstt.js) with extra environment; resolves with its exit code and output. */
export async function pstt(args: string[], env: NodeJS.ProcessEnv = {}): Promise<PsttOutcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'pstt.js'), ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
