import { loadRuntimeConfig } from '../core/config';
import { logger } from '../core/logger';
import { exitOnUnhandledErrors } from '../core/process-guard';
import { API_SECRETS, buildApiDeps } from './api-deps';
import { createApp } from './app';

exitOnUnhandledErrors('API');

async function run(): Promise<void> {
  const runtime = loadRuntimeConfig(undefined, process.env, { secrets: API_SECRETS });
  const config = runtime.app;
  const deps = await buildApiDeps(runtime);
  const server = createApp(deps).listen(config.api.port, config.api.host, () => {
    logger.info({ url: `http://${config.api.host}:${config.api.port}` }, 'API listening');
  });
  const stop = () =>
    server.close(() => {
      void deps.close().finally(() => process.exit(0));
    });
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

run().catch((err: unknown) => {
  logger.error({ err }, 'API failed');
  process.exit(1);
});
