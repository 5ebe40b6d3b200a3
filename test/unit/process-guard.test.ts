import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../core/paths';

/** A process with the guard, failing in `failure` (JavaScript run after the guard is installed). */
function runGuarded(failure: string) {
  const guard = JSON.stringify(path.join(PROJECT_ROOT, 'core', 'process-guard.ts'));
  const script = `require(${guard}).exitOnUnhandledErrors('test-process'); ${failure}; setTimeout(() => process.exit(0), 2000);`;
  return spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, LOG_LEVEL: 'info' },
    encoding: 'utf8',
  });
}

describe('exitOnUnhandledErrors', () => {
  it.each([
    [
      'an unhandled rejection',
      "Promise.reject(new Error('lost promise'))",
      'test-process: unhandled promise rejection; exiting',
      'lost promise',
    ],
    [
      'an uncaught exception',
      "setTimeout(() => { throw new Error('thrown in a callback'); }, 10)",
      'test-process: uncaught exception; exiting',
      'thrown in a callback',
    ],
  ])('logs %s with its error and exits 1', (_, failure, line, cause) => {
    const { status, stdout } = runGuarded(failure);
    expect(status).toBe(1);
    const logged = stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; msg: string; err?: { message?: string } });
    expect(logged).toEqual([
      expect.objectContaining({ level: 60, msg: line, err: expect.objectContaining({ message: cause }) }),
    ]);
  });
});
