import type { Client } from '@temporalio/client';
import type { NativeConnection, Worker, WorkflowBundle } from '@temporalio/worker';
import { loadConfig, type AppConfig } from '../../core/config';
import type { ExportJobInput, ExportResult } from '../../core/job';
import type { Scheduling } from '../../core/scheduling';
import { connectTemporalClient } from '../../core/temporal/client';
import { connectWorkerConnection, createExportWorker } from '../../worker/create-worker';
import { buildWorkerDeps } from '../../worker/worker-deps';
import { uniqueName } from './names';
import { quietTemporalRuntime, quietWorkflowBundle } from './quiet-runtime';
import { exportJob } from '../../workflows';
import { notifyWorkflowIdOf } from '../../core/temporal/naming';
import { runtimeConfigOf } from './runtime-config';

/*
 * The one harness for real export workers in the test process: each is built by `buildExportWorker`
 * (its dependencies as `npm run worker` builds them, its own task queue); `runExportWorker` and
 * `startQueueWorker` keep one polling, `createExportHarness` runs one per export.
 */

export interface ExportWorkerOptions {
  config: AppConfig;
  /** A connection the caller owns and closes. */
  connection: NativeConnection;
  /** Where the worker's SMTP and alert settings are read. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** @default config.temporal.task_queue */
  taskQueue?: string;
  /** @default the app's workflows, bundled once per test file */
  workflowBundle?: WorkflowBundle;
}

/** A built, not yet running, export worker; `close()` frees its dependencies once it has stopped. */
interface BuiltExportWorker {
  worker: Worker;
  taskQueue: string;
  close: () => Promise<void>;
}

async function buildExportWorker(options: ExportWorkerOptions): Promise<BuiltExportWorker> {
  const { config, connection, env, taskQueue = config.temporal.task_queue } = options;
  const workflowBundle = options.workflowBundle ?? (await quietWorkflowBundle());
  const deps = await buildWorkerDeps(runtimeConfigOf(config, env));
  try {
    const worker = await createExportWorker({ connection, config, deps, taskQueue, workflowBundle });
    return { worker, taskQueue, close: () => deps.close() };
  } catch (err) {
    await deps.close();
    throw err;
  }
}

export interface QueueWorker {
  worker: Worker;
  /** The task queue it polls. */
  taskQueue: string;
  stop(): Promise<void>;
}

/** A real export worker in this process on the caller's connection, polling until stop(). */
export async function runExportWorker(options: ExportWorkerOptions): Promise<QueueWorker> {
  const { worker, taskQueue, close } = await buildExportWorker(options);
  const running = worker.run();
  return {
    worker,
    taskQueue,
    async stop() {
      worker.shutdown();
      await running;
      await close();
    },
  };
}

/** A real export worker in this process with its own connection, polling `config.temporal.task_queue` until stop(). */
export async function startQueueWorker(config: AppConfig): Promise<QueueWorker> {
  const workflowBundle = await quietWorkflowBundle();
  const connection = await connectWorkerConnection(config);
  let running: QueueWorker;
  try {
    running = await runExportWorker({ config, connection, workflowBundle });
  } catch (err) {
    await connection.close();
    throw err;
  }
  return {
    ...running,
    async stop() {
      await running.stop();
      await connection.close();
    },
  };
}

export interface ExportHarness {
  config: AppConfig;
  client: Client;
  /** Runs one exportJob to completion with a real worker on this harness's own task queue. */
  runExport(s: Scheduling): Promise<{ result: ExportResult; workflowId: string }>;
  /** Like runExport, but resolves with the failure instead of throwing it. */
  runExportExpectingFailure(s: Scheduling): Promise<unknown>;
  close(): Promise<void>;
}

/** A real worker (in this process) and client on the dev server, with the given sources. */
export async function createExportHarness(overrides: Partial<AppConfig>): Promise<ExportHarness> {
  quietTemporalRuntime();
  const config: AppConfig = { ...loadConfig(), ...overrides };
  const taskQueue = uniqueName('pstt-test-queue');
  const client = await connectTemporalClient(config.temporal);
  const connection: NativeConnection = await connectWorkerConnection(config);
  const workflowBundle = await quietWorkflowBundle();

  async function run(s: Scheduling) {
    // E-mail off: a failed run's notification completes at once, whatever SMTP the test machine has.
    const env = { ...process.env, SMTP_HOST: '' };
    const { worker, close } = await buildExportWorker({ config, connection, env, taskQueue, workflowBundle });
    try {
      const workflowId = uniqueName('export-test');
      const input: ExportJobInput = { scheduling: s };
      const result = await worker.runUntil(async (): Promise<ExportResult> => {
        try {
          return await client.workflow.execute(exportJob, { taskQueue, workflowId, args: [input] });
        } catch (err) {
          // The failure e-mail is an abandoned child: let it finish before this worker stops.
          await client.workflow
            .getHandle(notifyWorkflowIdOf(workflowId))
            .result()
            .catch(() => undefined);
          throw err;
        }
      });
      return { result, workflowId };
    } finally {
      await close();
    }
  }

  return {
    config,
    client,
    runExport: run,
    runExportExpectingFailure: (s) =>
      run(s).then(
        () => {
          throw new Error('expected the export to fail');
        },
        (err: unknown) => err,
      ),
    async close() {
      await client.connection.close();
      await connection.close();
    },
  };
}
