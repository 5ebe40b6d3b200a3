import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ScheduleNotFoundError, WorkflowFailedError } from '@temporalio/client';
import request from 'supertest';
import type { ExportJobInput, ExportResult } from '../../core/job';
import { scheduleIdOf, type Scheduling, type SchedulingInput } from '../../core/scheduling';
import { applySchedulings } from '../../core/temporal/schedules';
import { startApiStack, type ApiStack } from '../support/api-stack';
import { uniqueName } from '../support/names';
import { makeScheduling } from '../support/scheduling';

/**
 * The run gate on the real Temporal server and a real worker: workflows started straight through the
 * Temporal client (no API, no role) are refused by the worker before any I/O, and the API refuses the
 * same schedulings with a 400 naming the field.
 */
describe('one gate for every run, whoever starts it', () => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'gate-run-')));
  const root = path.join(dir, 'exports');
  const outside = path.join(dir, 'outside');
  const created: string[] = [];
  let stack: ApiStack;

  beforeAll(async () => {
    fs.mkdirSync(root);
    fs.mkdirSync(outside);
    // A link inside the allowed root that leads out of it.
    fs.symlinkSync(outside, path.join(root, 'escape'));
    stack = await startApiStack({ rows: 50, files: { allowed_roots: [root] } });
  });

  afterAll(async () => {
    for (const name of created) await stack.client.schedule.getHandle(scheduleIdOf(name)).delete().catch(() => undefined);
    await stack.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** As the model parses it (defaults filled in), like a Temporal Schedule's input. */
  function csvScheduling(outputDir: string, overrides: Partial<SchedulingInput> = {}): Scheduling {
    return makeScheduling({
      name: uniqueName('gate-csv'),
      schedule: { every: '1h' },
      source: 'orders',
      query: 'SELECT order_id, customer FROM orders ORDER BY order_id',
      export_format: 'csv',
      // Two quick attempts: a retryable failure would show as attempt 2.
      retry: { max_attempts: 2, initial_backoff: '1s' },
      file_config: { output_dir: outputDir },
      ...overrides,
    });
  }

  /** Starts exportJob straight through the Temporal client, as anyone reaching port 7233 could. */
  async function runDirectly(scheduling: unknown): Promise<ExportResult> {
    const workflowId = uniqueName('gate-direct');
    const input = { scheduling } as ExportJobInput;
    try {
      return (await stack.client.workflow.execute('exportJob', {
        taskQueue: stack.config.temporal.task_queue,
        workflowId,
        args: [input],
      })) as ExportResult;
    } finally {
      // The failure e-mail is an abandoned child: let it finish before the stack's worker stops.
      await stack.client.workflow.getHandle(`${workflowId}-notify`).result().catch(() => undefined);
    }
  }

  type Failure = Error & { type?: string; nonRetryable?: boolean; details?: unknown[] };
  async function refusal(scheduling: unknown): Promise<Failure> {
    const error = await runDirectly(scheduling).then(
      () => {
        throw new Error('expected the run to be refused');
      },
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    return (error as WorkflowFailedError).cause?.cause as Failure;
  }

  function filesUnder(folder: string): string[] {
    return fs.readdirSync(folder, { recursive: true, encoding: 'utf8' });
  }

  it('a direct run writing under an allowed root succeeds (the control case)', async () => {
    const result = await runDirectly(csvScheduling(path.join(root, 'daily')));
    expect(result.rows).toBe(50);
    expect(path.dirname(result.file!)).toBe(path.join(root, 'daily'));
    expect(fs.existsSync(result.file!)).toBe(true);
  });

  it.each([
    ['an absolute folder outside the roots', () => outside],
    ['a ../ path out of the root', () => `${root}/../outside`],
    ['a symbolic link inside the root that points outside', () => path.join(root, 'escape')],
    ['a folder below that link', () => path.join(root, 'escape', 'deeper')],
  ])('a direct run to %s fails at its first attempt, non-retryably, naming the field, and writes nothing', async (_case, dirOf) => {
    const cause = await refusal(csvScheduling(dirOf()));
    expect(cause).toMatchObject({ type: 'SchedulingRefusedError', nonRetryable: true });
    expect(cause.message).toContain('file_config.output_dir: must lie under one of files.allowed_roots');
    expect(cause.details?.[0]).toEqual({ attempt: 1 });
    expect(filesUnder(outside)).toEqual([]);
  });

  it('a direct run of source "constructor" fails at its first attempt, non-retryably, naming the field', async () => {
    const before = filesUnder(root);
    const cause = await refusal(csvScheduling(root, { source: 'constructor' }));
    expect(cause).toMatchObject({ type: 'SchedulingRefusedError', nonRetryable: true });
    expect(cause.message).toContain('source: expected one of the declared sources (orders), got "constructor"');
    expect(cause.details?.[0]).toEqual({ attempt: 1 });
    expect(filesUnder(root)).toEqual(before);
  });

  it('a direct run the model refuses (no schedule, a two-character delimiter) fails non-retryably, naming each field', async () => {
    const cause = await refusal({ ...csvScheduling(root), schedule: undefined, file_config: { output_dir: root, delimiter: ';;' } });
    expect(cause).toMatchObject({ type: 'SchedulingRefusedError', nonRetryable: true });
    expect(cause.message).toContain('schedule: ');
    expect(cause.message).toContain('file_config.delimiter: expected one character');
    expect(cause.details?.[0]).toEqual({ attempt: 1 });
  });

  it.each([
    ['a folder outside the roots', () => csvScheduling(outside), 'file_config.output_dir'],
    ['a link out of the root', () => csvScheduling(path.join(root, 'escape')), 'file_config.output_dir'],
    ['source "constructor"', () => csvScheduling(root, { source: 'constructor' }), 'source'],
    ['source "__proto__"', () => csvScheduling(root, { source: '__proto__' }), 'source'],
  ])('the API answers 400 naming the field for %s, and creates nothing', async (_case, bodyOf, field) => {
    const body = bodyOf();
    const res = await request(stack.app).post('/api/scheduler/scheduling').set(stack.bearer('admin')).send(body);
    created.push(body.name);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    expect((res.body.details as { path: string }[]).map((d) => d.path)).toEqual([field]);
    expect((await request(stack.app).get(`/api/scheduler/scheduling/${body.name}`).set(stack.bearer('read'))).status).toBe(404);
  });

  it('npm run apply reports a refused scheduling of the file and applies the others', async () => {
    const refused = csvScheduling(path.join(root, 'escape'));
    const accepted = csvScheduling(root);
    created.push(refused.name, accepted.name);
    const outcomes = await applySchedulings(stack.client, { ...stack.config, schedulings: [refused, accepted] });
    expect(outcomes[0]?.error).toMatch(/^scheduling "gate-csv-[^"]+" refused: file_config\.output_dir: must lie under/);
    expect(outcomes[1]).toMatchObject({ action: 'created' });
    expect(outcomes[1]?.error).toBeUndefined();
    await expect(stack.client.schedule.getHandle(scheduleIdOf(refused.name)).describe()).rejects.toThrow(ScheduleNotFoundError);
  });

  it('the API accepts the same scheduling writing under the root (the control case)', async () => {
    const body = csvScheduling(path.join(root, 'daily'));
    const res = await request(stack.app).post('/api/scheduler/scheduling').set(stack.bearer('admin')).send(body);
    created.push(body.name);
    expect(res.status).toBe(201);
    // Stored as given: the resolved folder is the worker's business.
    expect(res.body.file_config.output_dir).toBe(path.join(root, 'daily'));
  });
});
