import { logger } from './logger';

/**
 * Makes a process (worker, API) die loudly on an error nothing handled: it is logged and the process
 * exits with code 1, and its supervisor restarts it. Carrying on would leave it in an unknown state
 * (a half-closed client, a lost callback) that could hang exports without a word.
 */
export function exitOnUnhandledErrors(processName: string): void {
  const die = (what: string) => (err: unknown) => {
    logger.fatal({ err }, `${processName}: ${what}; exiting`);
    process.exit(1);
  };
  process.on('unhandledRejection', die('unhandled promise rejection'));
  process.on('uncaughtException', die('uncaught exception'));
}
