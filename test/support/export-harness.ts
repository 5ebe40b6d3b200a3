import type { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { loadConfig, type AppConfig } from '../../core/config';
import type { ExportJobInput, ExportResult } from '../../core/job';
import type { Scheduling } from '../../core/scheduling';
import { connectTemporalClient } from '../../core/temporal/client';
import { connectWorkerConnection, createExportWorker } from '../../worker/create-worker';
import { buildWorkerDeps } from '../../worker/worker-deps';
import { uniqueName } from './names';
import { quietTemporalRuntime, quietWorkflowBundle } from './quiet-runtime';

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
  const bundle = await quietWorkflowBundle();

  async function run(s: Scheduling) {
    // E-mail off: a failed run's notification completes at once, whatever SMTP the test machine has.
    const deps = await buildWorkerDeps(config, { ...process.env, SMTP_HOST: '' });
    try {
      const worker = await createExportWorker({ connection, config, deps, taskQueue, workflowBundle: bundle });
      const workflowId = uniqueName('export-test');
      const input: ExportJobInput = { scheduling: s };
      const result = await worker.runUntil(async (): Promise<ExportResult> => {
        try {
          return (await client.workflow.execute('exportJob', { taskQueue, workflowId, args: [input] })) as ExportResult;
        } catch (err) {
          // The failure e-mail is an abandoned child: let it finish before this worker stops.
          await client.workflow
            .getHandle(`${workflowId}-notify`)
            .result()
            .catch(() => undefined);
          throw err;
        }
      });
      return { result, workflowId };
    } finally {
      await deps.close();
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
