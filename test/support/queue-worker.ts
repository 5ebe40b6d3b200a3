import type { NativeConnection, Worker, WorkflowBundle } from '@temporalio/worker';
import type { AppConfig } from '../../core/config';
import { connectWorkerConnection, createExportWorker } from '../../worker/create-worker';
import { buildWorkerDeps } from '../../worker/worker-deps';
import { quietWorkflowBundle } from './quiet-runtime';

export interface QueueWorker {
  worker: Worker;
  /** The task queue it polls. */
  taskQueue: string;
  stop(): Promise<void>;
}

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

/** A real export worker in this process on the caller's connection, polling until stop(). */
export async function runExportWorker(options: ExportWorkerOptions): Promise<QueueWorker> {
  const { config, connection, env, taskQueue = config.temporal.task_queue } = options;
  const workflowBundle = options.workflowBundle ?? (await quietWorkflowBundle());
  const deps = await buildWorkerDeps(config, env);
  let worker: Worker;
  try {
    worker = await createExportWorker({ connection, config, deps, taskQueue, workflowBundle });
  } catch (err) {
    await deps.close();
    throw err;
  }
  const running = worker.run();
  return {
    worker,
    taskQueue,
    async stop() {
      worker.shutdown();
      await running;
      await deps.close();
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
