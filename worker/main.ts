import { loadRuntimeConfig } from '../core/config';
import { withDeadline } from '../core/deadline';
import { logger } from '../core/logger';
import { exitOnUnhandledErrors } from '../core/process-guard';
import { connectWorkerConnection, createExportWorker } from './create-worker';
import { startWorkerMetricsServer } from './metrics-server';
import { buildWorkerDeps, WORKER_SECRETS } from './worker-deps';
import { workflowSource } from './workflow-source';

/** How long closing the clients may take once the worker has stopped (a blocked read never ends). */
const CLOSE_DEADLINE_MS = 10_000;

exitOnUnhandledErrors('worker');

async function run(): Promise<void> {
  const runtime = loadRuntimeConfig(undefined, process.env, { secrets: WORKER_SECRETS });
  const config = runtime.app;
  // First: a port in use fails the start before any connection, and the process shows while it waits for Temporal.
  const { metrics_port: metricsPort, metrics_host: metricsHost } = config.worker;
  const metricsServer = metricsPort
    ? await startWorkerMetricsServer(metricsPort, metricsHost ?? '127.0.0.1')
    : undefined;
  if (metricsServer) logger.info({ url: metricsServer.url }, 'worker metrics served');
  // Before any connection too: a compiled worker without its workflow bundle stops here.
  const workflows = workflowSource();
  const deps = await buildWorkerDeps(runtime);
  const connection = await connectWorkerConnection(config);
  try {
    const worker = await createExportWorker({ connection, config, deps, workflowBundle: workflows.workflowBundle });
    logger.info(
      {
        taskQueue: config.temporal.task_queue,
        temporal: config.temporal.address,
        workflows: workflows.workflowBundle ? 'prebuilt bundle' : 'bundled at start',
        startupMs: Math.round(performance.now()),
      },
      'worker started',
    );
    await worker.run();
    logger.info('worker stopped');
  } finally {
    const closing = Promise.allSettled([deps.close(), connection.close(), metricsServer?.close()]);
    await withDeadline(
      closing,
      CLOSE_DEADLINE_MS,
      () => new Error(`clients not closed within ${CLOSE_DEADLINE_MS} ms`),
    ).catch((err: unknown) => logger.warn({ err }, 'worker: exiting without closing every client'));
  }
}

run().then(
  () => process.exit(0),
  (err: unknown) => {
    logger.error({ err }, 'worker failed');
    process.exit(1);
  },
);
