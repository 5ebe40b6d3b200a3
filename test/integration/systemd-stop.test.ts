import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROJECT_ROOT } from '../../core/paths';
import { ensureBuilt } from '../../scripts/build';
import { uniqueName } from '../support/names';
import { writeWorkerConfig } from '../support/worker-config';
import { exited } from '../support/child-process';

const UNIT = path.join(PROJECT_ROOT, 'deploy', 'systemd', 'pstt-worker.service');

function unitValue(key: string): string {
  const line = fs
    .readFileSync(UNIT, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${key}=`));
  if (!line) throw new Error(`${key} missing from ${UNIT}`);
  return line.slice(key.length + 1);
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * What `systemctl stop pstt-worker` does, without systemd (none runs here as PID 1): the unit's own
 * ExecStart, then its KillSignal to every process of the unit (KillMode=control-group; a process group
 * stands in for the cgroup). The worker must get the signal through npm and its shell, stop cleanly and
 * leave no process behind, well before TimeoutStopSec. With KillMode=mixed (the signal to npm alone)
 * the worker never gets it: npm's shell does not pass it on.
 */
describe('the worker unit stopped as systemd stops it (real worker, Temporal)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-unit-'));
  // `npm run worker` runs the compiled worker: the install steps build it, so does this test.
  beforeAll(() => ensureBuilt(() => undefined), 300_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it(`ExecStart, then ${unitValue('KillSignal')} to the whole unit: the worker stops cleanly and nothing is left`, async () => {
    expect(unitValue('KillMode')).toBe('control-group');
    const [command, ...args] = unitValue('ExecStart').split(' ');
    const configFile = writeWorkerConfig(path.join(dir, 'worker.yaml'), {
      taskQueue: uniqueName('deploy-unit-queue'),
      sources: {},
      more: { metrics: { url: `sqlite:${path.join(dir, 'metrics.db')}` } },
    });
    const logFile = path.join(dir, 'worker.log');
    const out = fs.openSync(logFile, 'w');
    const unit = spawn(command!, args, {
      cwd: PROJECT_ROOT,
      env: { ...process.env, PSTT_CONFIG: configFile, PSTT_DATA_DIR: dir, LOG_LEVEL: 'info' },
      stdio: ['ignore', out, out],
      detached: true, // its own process group: the unit's cgroup
    });
    fs.closeSync(out);
    const pgid = unit.pid!;
    try {
      for (let i = 0; !fs.readFileSync(logFile, 'utf8').includes('"worker started"'); i++) {
        if (i > 1_200 || unit.exitCode !== null)
          throw new Error(`the worker did not start; see ${fs.readFileSync(logFile, 'utf8')}`);
        await sleep(100);
      }
      process.kill(-pgid, unitValue('KillSignal'));
      const stopTimeoutMs = Number(/^(\d+)$/.exec(unitValue('TimeoutStopSec'))![1]) * 1000;
      for (let waited = 0; groupAlive(pgid) && waited < stopTimeoutMs; waited += 100) await sleep(100);
      expect(groupAlive(pgid)).toBe(false);
      await exited(unit);
      const log = fs.readFileSync(logFile, 'utf8');
      expect(log).toContain('"worker stopped"');
      expect(log).toContain('"workflows":"prebuilt bundle"');
    } finally {
      if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
    }
  });
});
