import { setTimeout as sleep } from 'node:timers/promises';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import type { AppConfig } from '../core/config';
import { logger } from '../core/logger';
import { TEMPORAL_RECONNECT } from '../core/temporal/client';
import { workflowSource } from './workflow-source';

const log = logger.child({ component: 'temporal' });

export interface ExportWorkerOptions {
  connection: NativeConnection;
  config: AppConfig;
  deps: ActivityDeps;
  /** Overrides the config's task queue (tests use their own). */
  taskQueue?: string;
  /** A pre-built workflow bundle; when absent, `workflowSource()`: dist/'s bundle when compiled, else `workflows/`. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/** The worker that runs export workflows and activities on the task queue. */
export async function createExportWorker(options: ExportWorkerOptions): Promise<Worker> {
  const { connection, config, deps } = options;
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: options.taskQueue ?? config.temporal.task_queue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : workflowSource()),
    activities: createActivities(deps),
    // Exports at once: more would wait for a source connection (pool_size) and share one heap.
    maxConcurrentActivityTaskExecutions: config.worker.max_concurrent_exports,
    // Let in-flight batches finish on SIGTERM instead of cancelling them at once.
    shutdownGraceTime: '30s',
    // Then give up on activities that ignore their cancellation (a read blocked in a driver): run() throws
    // and the process exits, instead of hanging on SIGTERM.
    shutdownForceTime: '40s',
  });
}

/**
 * Connects to Temporal, waiting for the server while it is down: the SDK does not retry a worker's
 * first connection, so this tries again with the clients' reconnect backoff and logs each wait.
 */
export async function connectWorkerConnection(config: AppConfig): Promise<NativeConnection> {
  const address = config.temporal.address;
  for (
    let delay: number = TEMPORAL_RECONNECT.initialMs, waited = false;
    ;
    delay = Math.min(delay * 2, TEMPORAL_RECONNECT.maxMs)
  ) {
    try {
      const connection = await NativeConnection.connect({ address });
      if (waited) log.info({ temporal: address }, 'connected: the worker starts polling');
      return connection;
    } catch (err) {
      log.warn(
        { temporal: address, retryInMs: delay, reason: err instanceof Error ? err.message : String(err) },
        'not reachable: the worker waits for it',
      );
      waited = true;
      await sleep(delay);
    }
  }
}
