import path from 'node:path';
import type { Client } from '@temporalio/client';
import { loadConfig, type AppConfig } from '../../core/config';
import { PROJECT_ROOT } from '../../core/paths';
import { scheduleIdOf } from '../../core/temporal/naming';
import { connectTemporalClient } from '../../core/temporal/client';
import { applySchedulings } from '../../core/temporal/schedules';
import { uniqueName } from '../support/names';
import { makeScheduling } from '../support/scheduling';
import { exportJob } from '../../workflows';

describe('temporal.yaml applied to Temporal Schedules (real dev server)', () => {
  let client: Client;
  const created: string[] = [];

  beforeAll(async () => {
    client = await connectTemporalClient(loadConfig().temporal);
  });

  afterAll(async () => {
    for (const id of created) await client.schedule.getHandle(id).delete();
    await client.connection.close();
  });

  it('creates the demo schedule of the repository temporal.yaml, as the stack does at start', async () => {
    const config = loadConfig(path.join(PROJECT_ROOT, 'temporal.yaml'));
    // The first apply creates or updates it, depending on what this dev server holds; applied again, the
    // file changes nothing.
    expect((await applySchedulings(client, config)).map((o) => o.name)).toContain('demo-orders');
    expect((await applySchedulings(client, config)).find((o) => o.name === 'demo-orders')?.action).toBe('unchanged');

    const description = await client.schedule.getHandle(scheduleIdOf('demo-orders')).describe();
    expect(description.spec.calendars?.length).toBeGreaterThan(0);
    expect(description.spec.timezone).toBe('Europe/Rome');
    expect(description.action.type).toBe('startWorkflow');
    if (description.action.type === 'startWorkflow') {
      expect(description.action.workflowType).toBe(exportJob.name);
      expect(description.action.taskQueue).toBe(config.temporal.task_queue);
    }
  });

  it('reports created, then unchanged, then updated, and pauses a disabled scheduling', async () => {
    const base = loadConfig();
    const name = uniqueName('sched');
    const scheduling = makeScheduling({
      name,
      description: 'test',
      schedule: { every: '1h' },
      source: 'demo',
      query: 'SELECT 1 AS id',
      export_format: 'kafka',
      timeout: 60,
      kafka_config: { topic: 't', batch_size: 10 },
    });
    const config: AppConfig = { ...base, schedulings: [scheduling] };
    created.push(scheduleIdOf(name));

    expect((await applySchedulings(client, config))[0]?.action).toBe('created');
    expect((await applySchedulings(client, config))[0]?.action).toBe('unchanged');

    const disabled: AppConfig = { ...config, schedulings: [{ ...scheduling, enabled: false, timeout: 120 }] };
    expect((await applySchedulings(client, disabled))[0]?.action).toBe('updated');
    const description = await client.schedule.getHandle(scheduleIdOf(name)).describe();
    expect(description.state.paused).toBe(true);
    const args = description.action.type === 'startWorkflow' ? description.action.args : undefined;
    expect(args?.[0]).toMatchObject({ scheduling: { name, timeout: 120 } });
  });
});
