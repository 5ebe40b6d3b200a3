import { DefaultLogger, Runtime } from '@temporalio/worker';

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
