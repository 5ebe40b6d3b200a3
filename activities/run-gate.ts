import type { ExportActivityInput } from '../core/job';
import type { Scheduling } from '../core/scheduling';
import { admitScheduling } from '../core/scheduling-gate';
import type { ActivityDeps } from './deps';

/** The workflow's first step (a local activity): the scheduling as the gate admits it, or a non-retryable refusal. */
export function admitRun(deps: Pick<ActivityDeps, 'config'>) {
  return async function admitRun(scheduling: unknown): Promise<Scheduling> {
    return (await admitScheduling(scheduling, deps.config)).scheduling;
  };
}

/**
 * Runs an export only on a scheduling the API would accept, checked here again before any I/O:
 * the worker cannot tell who started the workflow. The export writes to the folder the gate
 * resolved, not to the path it was given.
 */
export function gateRun<R>(
  deps: Pick<ActivityDeps, 'config'>,
  exportFn: (input: ExportActivityInput) => Promise<R>,
): (input: ExportActivityInput) => Promise<R> {
  const gated = async (input: ExportActivityInput): Promise<R> => {
    const raw = (input as Partial<ExportActivityInput> | undefined)?.scheduling;
    const { scheduling, outputDir, sinkOutputDirs } = await admitScheduling(raw, deps.config);
    const fileConfig =
      scheduling.file_config && outputDir
        ? { ...scheduling.file_config, output_dir: outputDir }
        : scheduling.file_config;
    const sinks = scheduling.sinks?.map((sink, i) => {
      const dir = sinkOutputDirs?.[i];
      return sink.file_config && dir ? { ...sink, file_config: { ...sink.file_config, output_dir: dir } } : sink;
    });
    return exportFn({ ...input, scheduling: { ...scheduling, file_config: fileConfig, ...(sinks ? { sinks } : {}) } });
  };
  Object.defineProperty(gated, 'name', { value: exportFn.name });
  return gated;
}
