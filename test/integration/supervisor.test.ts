import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { stringify } from 'yaml';
import { loadConfig } from '../../core/config';
import { PROJECT_ROOT } from '../../core/paths';
import { alertScheduleIdOf, retentionScheduleIdOf } from '../../core/temporal/naming';
import { connectTemporalClient } from '../../core/temporal/client';
import { taskQueuePollers } from '../../core/temporal/task-queue-pollers';
import { devPostgresUrl } from '../../devstack/postgres-server';
import { uniqueName } from '../support/names';
import { eventually } from '../support/eventually';
import { freePort } from '../support/ports';
import { exited } from '../support/child-process';

/**
 * `npm start` (scripts/start.ts, the real entry point) on its own config, data folder, API port and
 * task queue, with the shared services declared external so that it never manages them.
 */
describe('npm start supervises the worker and the API', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-supervisor-'));
  const base = loadConfig();
  const taskQueue = uniqueName('rt-supervisor-queue');
  let output = '';
  let start: ChildProcess | undefined;
  let client: Client;
  let apiUrl: string;

  beforeAll(async () => {
    client = await connectTemporalClient(base.temporal);
    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    const configFile = path.join(dir, 'config.yaml');
    fs.writeFileSync(
      configFile,
      stringify({
        temporal: { task_queue: taskQueue },
        api: { port, tokens: [{ name: 'rt', role: 'admin', token_env: 'RT_SUPERVISOR_TOKEN' }] },
        metrics: { url: `sqlite:${path.join(dir, 'metrics.db')}` },
      }),
    );
    start = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'scripts', 'start.ts')], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        PSTT_CONFIG: configFile,
        PSTT_DATA_DIR: dir,
        RT_SUPERVISOR_TOKEN: uniqueName('rt-token'),
        // External: the devstack leaves the shared services alone.
        TEMPORAL_ADDRESS: base.temporal.address,
        KAFKA_BOOTSTRAP_SERVERS: base.kafka.bootstrap_servers.join(','),
        PSTT_TEST_POSTGRES_URL: devPostgresUrl('pstt_test'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    start.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    start.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  });

  afterAll(async () => {
    if (start && start.exitCode === null) {
      start.kill('SIGTERM');
      await exited(start);
    }
    for (const id of [retentionScheduleIdOf(taskQueue), alertScheduleIdOf(taskQueue)]) {
      await client.schedule
        .getHandle(id)
        .delete()
        .catch(() => undefined);
    }
    await client.connection.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const pidOf = (verb: 'started' | 'restarted', name: string) => {
    const match = new RegExp(`^${name}: ${verb} \\(pid (\\d+);`, 'm').exec(output);
    return match ? Number(match[1]) : undefined;
  };
  const polling = async (pid: number) =>
    (await taskQueuePollers(client, taskQueue)).includes(`${pid}@${os.hostname()}`) ? true : undefined;
  const apiAnswers = async () => {
    const res = await fetch(`${apiUrl}/healthz`).catch(() => null);
    return res?.status === 200 ? true : undefined;
  };

  it('a worker killed with SIGKILL is restarted (new pid, polling again), the API keeps answering, and both the console and the log say so', async () => {
    await eventually(
      `"PSTT is running" on the console:\n${output}`,
      () => (output.includes('PSTT is running') ? true : undefined),
      150_000,
    );
    const workerPid = await eventually('the worker pid', () => pidOf('started', 'worker'));
    const apiPid = await eventually('the API pid', () => pidOf('started', 'api'));
    await eventually('the API', apiAnswers);
    await eventually('the worker polling its task queue', () => polling(workerPid), 120_000);

    process.kill(workerPid, 'SIGKILL');
    const restartedPid = await eventually(`the worker's restart on the console:\n${output}`, () =>
      pidOf('restarted', 'worker'),
    );
    expect(restartedPid).not.toBe(workerPid);
    expect(output).toMatch(
      /^worker exited \(SIGKILL\) after \d+ s; restarting in 1 s \(restart 1 in a row\); see .*worker\.log$/m,
    );
    await eventually('the restarted worker polling its task queue', () => polling(restartedPid), 120_000);

    // The rest of the stack went on: same API process, still answering; the supervisor itself too.
    expect(await apiAnswers()).toBe(true);
    expect(pidOf('restarted', 'api')).toBeUndefined();
    expect(() => process.kill(apiPid, 0)).not.toThrow();
    expect(start!.exitCode).toBeNull();

    const log = fs
      .readFileSync(path.join(dir, 'logs', 'worker.log'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'));
    const line = log
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.component === 'supervisor' && String(l.msg).startsWith('worker exited'));
    expect(line).toMatchObject({ level: 40, exit: 'SIGKILL', restartInMs: 1000, restart: 1 });
  }, 400_000);

  it('Ctrl-C (SIGTERM) stops the worker and the API, and nothing is restarted', async () => {
    const workerPid = pidOf('restarted', 'worker')!;
    const apiPid = pidOf('started', 'api')!;
    start!.kill('SIGTERM');
    await exited(start!);
    for (const pid of [workerPid, apiPid]) expect(() => process.kill(pid, 0)).toThrow('ESRCH');
    expect(output.match(/^worker: restarted/gm)).toHaveLength(1);
  });
});
