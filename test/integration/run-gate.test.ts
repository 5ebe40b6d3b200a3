import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ApplicationFailure,
  ScheduleNotFoundError,
  WorkflowFailedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import request from 'supertest';
import { type ExportJobInput, type ExportResult, type RunMemo } from '../../core/job';
import { scheduleIdOf, RUN_MEMO_KEY, notifyWorkflowIdOf } from '../../core/temporal/naming';
import { type Scheduling, type SchedulingInput } from '../../core/scheduling';
import { applySchedulings } from '../../core/temporal/schedules';
import { connectWorkerConnection, createExportWorker } from '../../worker/create-worker';
import { buildWorkerDeps } from '../../worker/worker-deps';
import { startApiStack, type ApiStack } from '../support/api-stack';
import { uniqueName } from '../support/names';
import { quietWorkflowBundle } from '../support/quiet-runtime';
import { makeScheduling } from '../support/scheduling';
import { exportJob } from '../../workflows';
import { runtimeConfigOf } from '../support/runtime-config';

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
    for (const name of created)
      await stack.client.schedule
        .getHandle(scheduleIdOf(name))
        .delete()
        .catch(() => undefined);
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
      return await stack.client.workflow.execute(exportJob, {
        taskQueue: stack.config.temporal.task_queue,
        workflowId,
        args: [input],
      });
    } finally {
      // The failure e-mail is an abandoned child: let it finish before the stack's worker stops.
      await stack.client.workflow
        .getHandle(notifyWorkflowIdOf(workflowId))
        .result()
        .catch(() => undefined);
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
    return applicationFailureOf(error);
  }

  /** The run's own failure: the first ApplicationFailure under the WorkflowFailedError. */
  function applicationFailureOf(error: unknown): Failure {
    expect(error).toBeInstanceOf(WorkflowFailedError);
    let cause = (error as Error).cause;
    while (cause instanceof Error && !(cause instanceof ApplicationFailure)) cause = cause.cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    return cause as Failure;
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
  ])(
    'a direct run to %s fails at its first attempt, non-retryably, naming the field, and writes nothing',
    async (_case, dirOf) => {
      const cause = await refusal(csvScheduling(dirOf()));
      expect(cause).toMatchObject({ type: 'SchedulingRefusedError', nonRetryable: true });
      expect(cause.message).toContain('file_config.output_dir: must lie under one of files.allowed_roots');
      expect(cause.details?.[0]).toEqual({ attempt: 1 });
      expect(filesUnder(outside)).toEqual([]);
    },
  );

  it('a direct run of source "constructor" fails at its first attempt, non-retryably, naming the field', async () => {
    const before = filesUnder(root);
    const cause = await refusal(csvScheduling(root, { source: 'constructor' }));
    expect(cause).toMatchObject({ type: 'SchedulingRefusedError', nonRetryable: true });
    expect(cause.message).toContain('source: expected one of the declared sources (orders), got "constructor"');
    expect(cause.details?.[0]).toEqual({ attempt: 1 });
    expect(filesUnder(root)).toEqual(before);
  });

  it('a direct run the model refuses (no schedule, a two-character delimiter) fails non-retryably, naming each field', async () => {
    const cause = await refusal({
      ...csvScheduling(root),
      schedule: undefined,
      file_config: { output_dir: root, delimiter: ';;' },
    });
    expect(cause).toMatchObject({ type: 'SchedulingRefusedError', nonRetryable: true });
    expect(cause.message).toContain('schedule: ');
    expect(cause.message).toContain('file_config.delimiter: expected one character');
    expect(cause.details?.[0]).toEqual({ attempt: 1 });
  });

  it.each([
    ['no scheduling at all', () => undefined, ['(root)']],
    [
      'timeout 0 (the workflow would schedule an activity with no timeout)',
      () => ({ ...csvScheduling(root), timeout: 0 }),
      ['timeout'],
    ],
    [
      'retry.max_attempts 0 (unlimited attempts to Temporal)',
      () => ({ ...csvScheduling(root), retry: { max_attempts: 0 } }),
      ['retry.max_attempts'],
    ],
    ['a query that is not text', () => ({ ...csvScheduling(root), query: 42 }), ['query']],
  ])(
    'a direct run with %s fails at once (not a workflow task retried forever), recording why in the run memo',
    async (_case, inputOf, paths) => {
      const workflowId = uniqueName('gate-direct');
      const handle = await stack.client.workflow.start(exportJob, {
        taskQueue: stack.config.temporal.task_queue,
        workflowId,
        // Any Temporal client can send input the gate refuses: cast past the workflow's parameter type.
        args: [{ scheduling: inputOf() } as ExportJobInput],
      });
      const error = await handle.result().then(
        () => new Error('expected the run to be refused'),
        (err: unknown) => err,
      );
      const cause = applicationFailureOf(error);
      expect(cause).toMatchObject({ type: 'SchedulingRefusedError', nonRetryable: true });
      for (const field of paths) expect(cause.message).toContain(`${field}: `);
      const memo = (await handle.describe()).memo?.[RUN_MEMO_KEY] as RunMemo;
      expect(memo).toMatchObject({ rows: null, attempts: 1, error_message: cause.message });
      // No e-mail: the notify list came with the refused input.
      await expect(stack.client.workflow.getHandle(notifyWorkflowIdOf(workflowId)).describe()).rejects.toThrow(
        WorkflowNotFoundError,
      );
    },
  );

  it('replays a run recorded by the workflow code before the gate, without the gate step', async () => {
    const taskQueue = uniqueName('gate-v2-queue');
    const connection = await connectWorkerConnection(stack.config);
    const deps = await buildWorkerDeps(runtimeConfigOf(stack.config, { ...process.env, SMTP_HOST: '' }));
    const oldBundle = await quietWorkflowBundle(require.resolve('../fixtures/export-job-v2'));
    const workflowId = uniqueName('gate-v2');
    try {
      const worker = await createExportWorker({
        connection,
        config: stack.config,
        deps,
        taskQueue,
        workflowBundle: oldBundle,
      });
      const result = await worker.runUntil(
        stack.client.workflow.execute(exportJob, {
          taskQueue,
          workflowId,
          args: [{ scheduling: csvScheduling(root) }],
        }),
      );
      expect(result).toMatchObject({ rows: 50, attempts: 1 });
    } finally {
      await deps.close();
      await connection.close();
    }
    const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
    const bundle = await quietWorkflowBundle();
    await expect(
      Worker.runReplayHistory({ workflowBundle: bundle, replayName: 'v2' }, history, workflowId),
    ).resolves.toBeUndefined();
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
    expect(
      (await request(stack.app).get(`/api/scheduler/scheduling/${body.name}`).set(stack.bearer('read'))).status,
    ).toBe(404);
  });

  it('npm run apply reports a refused scheduling of the file and applies the others', async () => {
    const refused = csvScheduling(path.join(root, 'escape'));
    const accepted = csvScheduling(root);
    created.push(refused.name, accepted.name);
    const outcomes = await applySchedulings(stack.client, { ...stack.config, schedulings: [refused, accepted] });
    expect(outcomes[0]?.error).toMatch(/^scheduling "gate-csv-[^"]+" refused: file_config\.output_dir: must lie under/);
    expect(outcomes[1]).toMatchObject({ action: 'created' });
    expect(outcomes[1]?.error).toBeUndefined();
    await expect(stack.client.schedule.getHandle(scheduleIdOf(refused.name)).describe()).rejects.toThrow(
      ScheduleNotFoundError,
    );
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
