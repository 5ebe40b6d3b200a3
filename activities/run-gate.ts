import { ConfigError } from '../core/errors';
import type { ExportActivityInput } from '../core/job';
import {
  isFileScheduling,
  isKafkaScheduling,
  type FileScheduling,
  type KafkaScheduling,
  type Scheduling,
} from '../core/scheduling';
import { admitScheduling, type AdmittedScheduling } from '../core/scheduling-gate';
import type { ActivityDeps } from './deps';

/** The workflow's first step (a local activity): the scheduling as the gate admits it, or a non-retryable refusal. */
export function admitRun(deps: Pick<ActivityDeps, 'config'>) {
  return async function admitRun(scheduling: unknown): Promise<Scheduling> {
    return (await admitScheduling(scheduling, deps.config)).scheduling;
  };
}

/** The schedulings an export runs (a variant of the model), and what it says of the others. */
export interface RunsOn<S extends Scheduling> {
  accepts: (s: Scheduling) => s is S;
  refusal: string;
}

export const RUNS_ON_KAFKA: RunsOn<KafkaScheduling> = {
  accepts: isKafkaScheduling,
  refusal: 'a Kafka export needs export_format "kafka" and a kafka_config, without sinks',
};

export const RUNS_ON_FILE: RunsOn<FileScheduling> = {
  accepts: isFileScheduling,
  refusal: 'a file export needs export_format csv or excel and a file_config, without sinks',
};

/** Every scheduling: the sinks' export takes both forms (sinksOf). */
export const RUNS_ON_ANY: RunsOn<Scheduling> = { accepts: (_s): _s is Scheduling => true, refusal: '' };

/**
 * Runs an export only on a scheduling the API would accept, checked here again before any I/O:
 * the worker cannot tell who started the workflow. The export gets the variant of the model it runs
 * on (the workflow picks the export by the same fields), and writes to the folder the gate resolved,
 * not to the path it was given.
 */
export function gateRun<S extends Scheduling, R>(
  deps: Pick<ActivityDeps, 'config'>,
  runsOn: RunsOn<S>,
  exportFn: (input: ExportActivityInput<S>) => Promise<R>,
): (input: ExportActivityInput) => Promise<R> {
  const gated = async (input: ExportActivityInput): Promise<R> => {
    const raw = (input as Partial<ExportActivityInput> | undefined)?.scheduling;
    const scheduling = withResolvedDirs(await admitScheduling(raw, deps.config));
    if (!runsOn.accepts(scheduling)) throw new ConfigError(`scheduling "${scheduling.name}": ${runsOn.refusal}`);
    return exportFn({ ...input, scheduling });
  };
  Object.defineProperty(gated, 'name', { value: exportFn.name });
  return gated;
}

/** The scheduling with each file destination's `output_dir` replaced by the real folder the gate resolved. */
function withResolvedDirs({ scheduling, outputDir, sinkOutputDirs }: AdmittedScheduling): Scheduling {
  if (scheduling.sinks) {
    const sinks = scheduling.sinks.map((sink, i) => {
      const dir = sinkOutputDirs?.[i];
      return sink.format !== 'kafka' && dir ? { ...sink, file_config: { ...sink.file_config, output_dir: dir } } : sink;
    });
    return { ...scheduling, sinks };
  }
  if (scheduling.export_format === 'kafka' || !outputDir) return scheduling;
  return { ...scheduling, file_config: { ...scheduling.file_config, output_dir: outputDir } };
}
