import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { CLI_TYPE_NAMES, CUSTOM_SEARCH_ATTRIBUTES } from '../core/temporal/naming';
import { dataDir, logsDir, toolsDir } from '../core/paths';
import { onPath, runLogged, startDetached, stopDetached } from './process';
import { ServiceError } from './service-error';
import type { ManagedService } from './service';

/** v1.5.1 is the newest CLI whose go.mod has no replace directive, so `go install` can build it. */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';
const NAME = 'temporal';
const PROTO_TYPES: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  [SearchAttributeType.KEYWORD]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  [SearchAttributeType.DATETIME]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
};
const GRPC_PORT = 7233;
const UI_PORT = 8233;

/** Finds a Temporal CLI: TEMPORAL_CLI, the tools folder, then PATH. */
export async function findTemporalCli(): Promise<string | undefined> {
  if (process.env.TEMPORAL_CLI) return process.env.TEMPORAL_CLI;
  const local = path.join(toolsDir(), 'bin', 'temporal');
  if (fs.existsSync(local)) return local;
  return onPath('temporal');
}

/** The Temporal CLI dev server, SQLite-persisted under the data folder, with PSTT's search attributes. */
export function temporalServer(): ManagedService {
  const logFile = path.join(logsDir(), 'temporal.log');
  const fix = 'read the log; free ports 7233/8233 or set TEMPORAL_ADDRESS to an existing server';
  return {
    name: NAME,
    ports: [GRPC_PORT, UI_PORT],
    logFile,
    externalReason: process.env.TEMPORAL_ADDRESS ? `TEMPORAL_ADDRESS=${process.env.TEMPORAL_ADDRESS}` : undefined,
    startDeadlineMs: 90_000,
    fix,
    async install() {
      if (await findTemporalCli()) return;
      const go = await onPath('go');
      if (!go) {
        throw new ServiceError(
          NAME,
          'no temporal CLI and no Go toolchain to build one',
          undefined,
          'install Go (apt-get install golang-go), put a temporal CLI on PATH, or set TEMPORAL_CLI',
        );
      }
      const buildLog = path.join(logsDir(), 'temporal-build.log');
      process.stdout.write(
        `temporal: building the CLI with go install (first time only, a few minutes; log: ${buildLog})\n`,
      );
      await runLogged(NAME, go, ['install', TEMPORAL_CLI_MODULE], buildLog, 'check the Go module proxy is reachable', {
        env: { GOBIN: path.join(toolsDir(), 'bin') },
        timeoutMs: 40 * 60_000,
      });
    },
    async start() {
      const cli = await findTemporalCli();
      if (!cli) throw new ServiceError(NAME, 'temporal CLI missing after install', logFile, fix);
      const dbFile = path.join(dataDir(), 'temporal', 'temporal.db');
      fs.mkdirSync(path.dirname(dbFile), { recursive: true });
      const args = [
        'server',
        'start-dev',
        '--ip',
        '127.0.0.1',
        '--port',
        String(GRPC_PORT),
        '--ui-port',
        String(UI_PORT),
        '--db-filename',
        dbFile,
        '--namespace',
        'default',
        '--log-format',
        'json',
        '--log-level',
        'warn',
        ...CUSTOM_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${CLI_TYPE_NAMES[key.type]}`]),
      ];
      return startDetached(NAME, cli, args, logFile);
    },
    async isReady() {
      const connection = await Connection.connect({ address: `127.0.0.1:${GRPC_PORT}`, connectTimeout: '2s' });
      try {
        const response = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
        const known = Object.keys(response.customAttributes ?? {});
        const missing = CUSTOM_SEARCH_ATTRIBUTES.filter((key) => !known.includes(key.name));
        // A server started by an older PSTT lacks newer attributes: register them in place.
        if (missing.length) {
          await connection.operatorService.addSearchAttributes({
            namespace: 'default',
            searchAttributes: Object.fromEntries(missing.map((key) => [key.name, PROTO_TYPES[key.type]!])),
          });
        }
        return true;
      } finally {
        await connection.close();
      }
    },
    stop: () => stopDetached(NAME),
  };
}
