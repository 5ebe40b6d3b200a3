import { loadConfig } from '../core/config';
import { logger } from '../core/logger';
import { connectWorkerConnection, createExportWorker } from './create-worker';
import { buildWorkerDeps } from './worker-deps';

async function run(): Promise<void> {
  const config = loadConfig();
  const deps = await buildWorkerDeps(config);
  const connection = await connectWorkerConnection(config);
  try {
    const worker = await createExportWorker({ connection, config, deps });
    logger.info({ taskQueue: config.temporal.task_queue, temporal: config.temporal.address }, 'worker started');
    await worker.run();
    logger.info('worker stopped');
  } finally {
    await deps.close();
    await connection.close();
  }
}

run().catch((err: unknown) => {
  logger.error({ err }, 'worker failed');
  process.exit(1);
});
