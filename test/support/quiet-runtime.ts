import { bundleWorkflowCode, DefaultLogger, Runtime, type WorkflowBundle } from '@temporalio/worker';

const nothing = () => undefined;
/** A logger that drops everything: what the workflow bundler prints is noise in test output. */
export const silentLogger = {
  log: nothing,
  trace: nothing,
  debug: nothing,
  info: nothing,
  warn: nothing,
  error: nothing,
};

let installed = false;

/** Worker logs at ERROR only, so test output shows results; the runtime is installed once per process. */
export function quietTemporalRuntime(): void {
  if (installed) return;
  installed = true;
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // Another test file of this process installed it already.
  }
}

const bundles = new Map<string, Promise<WorkflowBundle>>();

/**
 * The workflow bundle of `workflowsPath` (the app's `workflows/` by default), built once per test file and
 * without the bundler's output; the quiet runtime is installed first, as a worker needs it.
 */
export function quietWorkflowBundle(workflowsPath = require.resolve('../../workflows')): Promise<WorkflowBundle> {
  quietTemporalRuntime();
  let bundle = bundles.get(workflowsPath);
  if (!bundle) {
    bundle = bundleWorkflowCode({ workflowsPath, logger: silentLogger });
    // A failed build is not kept: the next caller builds again.
    bundle.catch(() => bundles.delete(workflowsPath));
    bundles.set(workflowsPath, bundle);
  }
  return bundle;
}
