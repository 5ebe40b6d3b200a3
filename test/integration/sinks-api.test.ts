import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { scheduleIdOf } from '../../core/temporal/naming';
import { startApiStack, type ApiStack } from '../support/api-stack';
import { uniqueName } from '../support/names';

describe('sinks through the REST API', () => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'sink-api-')));
  const root = path.join(dir, 'exports');
  const created: string[] = [];
  let stack: ApiStack;

  beforeAll(async () => {
    fs.mkdirSync(root);
    stack = await startApiStack({ rows: 10, files: { allowed_roots: [root] } });
  });

  afterAll(async () => {
    for (const name of created)
      await stack.client.schedule
        .getHandle(scheduleIdOf(name))
        .delete()
        .catch(() => undefined);
    await stack.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function body(sinks: unknown[]) {
    const name = uniqueName('sink-api');
    created.push(name);
    return {
      name,
      enabled: false,
      schedule: { every: '1h' },
      source: 'orders',
      query: 'SELECT order_id, customer FROM orders ORDER BY order_id',
      export_format: 'kafka',
      sinks,
    };
  }

  it('creates a scheduling with a Kafka and a CSV sink, and reads it back with its defaults', async () => {
    const b = body([
      { kafka_config: { topic: 'sink-api-t', message_key_field: 'order_id' } },
      { format: 'csv', file_config: { output_dir: root } },
    ]);
    const res = await request(stack.app).post('/api/scheduler/scheduling').set(stack.bearer('admin')).send(b);
    expect(res.status).toBe(201);
    const got = await request(stack.app).get(`/api/scheduler/scheduling/${b.name}`).set(stack.bearer('read'));
    expect(got.status).toBe(200);
    expect(got.body.sinks).toEqual([
      {
        format: 'kafka',
        kafka_config: expect.objectContaining({ topic: 'sink-api-t', message_key_field: 'order_id', batch_size: 500 }),
      },
      { format: 'csv', file_config: expect.objectContaining({ output_dir: root, delimiter: ',' }) },
    ]);
  });

  it.each([
    [
      'a file sink outside the allowed roots',
      [{ kafka_config: { topic: 't' } }, { format: 'csv', file_config: { output_dir: dir } }],
      ['sinks.1.file_config.output_dir'],
    ],
    [
      'a file sink without its folder',
      [{ kafka_config: { topic: 't' } }, { format: 'csv', file_config: {} }],
      ['sinks.1.file_config.output_dir'],
    ],
    [
      'a Kafka sink with a bad batch_size',
      [{ kafka_config: { topic: 't', batch_size: 0 } }],
      ['sinks.0.kafka_config.batch_size'],
    ],
  ])('answers 400 naming the field for %s, and creates nothing', async (_case, sinks, paths) => {
    const b = body(sinks);
    const res = await request(stack.app).post('/api/scheduler/scheduling').set(stack.bearer('admin')).send(b);
    expect(res.status).toBe(400);
    expect((res.body.details as { path: string }[]).map((d) => d.path)).toEqual(paths);
    expect((await request(stack.app).get(`/api/scheduler/scheduling/${b.name}`).set(stack.bearer('read'))).status).toBe(
      404,
    );
  });
});
