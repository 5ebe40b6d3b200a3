import { bundleWorkflowCode, type NativeConnection, type Worker, type WorkflowBundle } from '@temporalio/worker';
import type { AppConfig } from '../../core/config';
import { connectWorkerConnection, createExportWorker } from '../../worker/create-worker';
import { buildWorkerDeps } from '../../worker/worker-deps';
import { quietTemporalRuntime } from './quiet-runtime';

const nothing = () => undefined;
const silent = { log: nothing, trace: nothing, debug: nothing, info: nothing, warn: nothing, error: nothing };
let bundle: Promise<WorkflowBundle> | undefined;

export interface QueueWorker {
  worker: Worker;
  stop(): Promise<void>;
}

/** A real export worker in this process, polling `config.temporal.task_queue` until stop(). */
export async function startQueueWorker(config: AppConfig): Promise<QueueWorker> {
  quietTemporalRuntime();
  bundle ??= bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: silent });
  const connection: NativeConnection = await connectWorkerConnection(config);
  const deps = await buildWorkerDeps(config);
  const worker = await createExportWorker({ connection, config, deps, workflowBundle: await bundle });
  const running = worker.run();
  return {
    worker,
    async stop() {
      worker.shutdown();
      await running;
      await deps.close();
      await connection.close();
    },
  };
}
