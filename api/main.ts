import { loadConfig } from '../core/config';
import { logger } from '../core/logger';
import { createApp } from './app';

async function run(): Promise<void> {
  const config = loadConfig();
  const app = createApp();
  const server = app.listen(config.api.port, config.api.host, () => {
    logger.info({ url: `http://${config.api.host}:${config.api.port}` }, 'API listening');
  });
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

run().catch((err: unknown) => {
  logger.error({ err }, 'API failed');
  process.exit(1);
});
