import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import { stringify } from 'yaml';
import { loadConfig } from '../../core/config';
import { scheduleIdOf, alertScheduleIdOf, retentionScheduleIdOf } from '../../core/temporal/naming';
import { connectTemporalClient } from '../../core/temporal/client';
import { uniqueName } from '../support/names';
import { pstt as runPstt } from '../support/pstt-cli';

/** Runs the real `pstt` command line. */
const pstt = (...args: string[]) => runPstt(args);

describe('pstt apply (real Temporal dev server)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pstt-apply-'));
  const file = path.join(dir, 'temporal.yaml');
  const taskQueue = uniqueName('pstt-apply-queue');
  const names = [uniqueName('alpha'), uniqueName('beta')];
  let client: Client;

  const scheduling = (name: string, batch = 100) => ({
    name,
    schedule: { cron: '0 3 * * *', timezone: 'Europe/Rome' },
    source: 'demo',
    query: 'SELECT 1 AS id',
    export_format: 'kafka',
    kafka_config: { topic: 'pstt-apply-test', batch_size: batch },
  });

  function writeConfig(schedulings: unknown[]): void {
    const base = loadConfig();
    fs.writeFileSync(
      file,
      stringify({
        temporal: { ...base.temporal, task_queue: taskQueue },
        sources: { demo: { url: 'sqlite:demo.db' } },
        schedulings,
      }),
    );
  }

  const exists = async (name: string) =>
    client.schedule
      .getHandle(scheduleIdOf(name))
      .describe()
      .then(
        () => true,
        (err: unknown) => {
          if (err instanceof ScheduleNotFoundError) return false;
          throw err;
        },
      );

  beforeAll(async () => {
    client = await connectTemporalClient(loadConfig().temporal);
  });

  afterAll(async () => {
    for (const name of names)
      await client.schedule
        .getHandle(scheduleIdOf(name))
        .delete()
        .catch(() => undefined);
    // apply also makes this task queue's system schedules: without a worker their runs would wait forever.
    for (const id of [alertScheduleIdOf(taskQueue), retentionScheduleIdOf(taskQueue)]) {
      await client.schedule
        .getHandle(id)
        .delete()
        .catch(() => undefined);
    }
    await client.connection.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('dry run shows what would be created and creates nothing; apply creates, then reports unchanged', async () => {
    writeConfig(names.map((n) => scheduling(n)));
    const dry = await pstt('apply', file, '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`would be created ${names[0]} (schedule ${scheduleIdOf(names[0]!)})`);
    expect(await exists(names[0]!)).toBe(false);

    const applied = await pstt('apply', file);
    expect(applied.stdout).toContain(`created   ${names[0]}`);
    expect(applied.stdout).toContain(`created   ${names[1]}`);
    expect(applied.stdout).toContain('created   alert evaluation (every 5m)');
    expect(await exists(names[0]!)).toBe(true);

    expect((await pstt('apply', file)).stdout).toContain(`unchanged ${names[0]}`);
  });

  it('shows the changed fields, and --prune deletes managed schedules no longer declared', async () => {
    writeConfig([scheduling(names[0]!, 250)]);
    const dry = await pstt('apply', file, '--dry-run', '--prune');
    expect(dry.stdout).toContain(`would be updated ${names[0]}`);
    expect(dry.stdout).toContain('kafka_config.batch_size: 100 -> 250');
    expect(dry.stdout).toContain(`would be deleted ${names[1]}`);
    expect(await exists(names[1]!)).toBe(true);

    const applied = await pstt('apply', file, '--prune');
    expect(applied.stdout).toContain(`updated   ${names[0]}`);
    expect(applied.stdout).toContain(`deleted   ${names[1]}`);
    expect(await exists(names[1]!)).toBe(false);
    // Schedules of other deployments (the demo's, on another task queue) are left alone.
    expect(applied.stdout).not.toContain('demo-orders');
  });

  it('rejects an invalid file whole, listing every error with its path, and applies nothing', async () => {
    const bad = uniqueName('gamma');
    writeConfig([scheduling(bad), { ...scheduling(uniqueName('delta')), kafka_config: { topic: 't', batch_size: 0 } }]);
    const result = await pstt('apply', file);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'schedulings[1].kafka_config.batch_size: expected an integer from 1 to 10000, got 0',
    );
    expect(await exists(bad)).toBe(false);
  });
});
