import fs from 'node:fs';
import path from 'node:path';
import type { WorkerOptions } from '@temporalio/worker';
import { ConfigError } from '../core/errors';
import { PROJECT_ROOT, WORKFLOW_BUNDLE_FILE } from '../core/paths';

/** Where the worker's workflow code comes from: the bundle built by `npm run build`, or `workflows/` bundled at start. */
export type WorkflowSource = Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'>;

/**
 * The compiled worker (`dist/worker/main.js`) loads the workflow bundle built with it; bundling
 * webpacks the workflows in the worker itself, which took ~320 MB of peak RSS and seconds at every
 * start (BENCHMARKS.md). Run from TypeScript (tsx, jest), the worker bundles `workflows/` as it is,
 * so that an edit there never meets a stale bundle.
 */
export function workflowSource(compiled = __filename.endsWith('.js')): WorkflowSource {
  if (!compiled) return { workflowsPath: require.resolve('../workflows') };
  if (!fs.existsSync(WORKFLOW_BUNDLE_FILE)) {
    throw new ConfigError(`${path.relative(PROJECT_ROOT, WORKFLOW_BUNDLE_FILE)} is missing: run \`npm run build\``);
  }
  return { workflowBundle: { codePath: WORKFLOW_BUNDLE_FILE } };
}
