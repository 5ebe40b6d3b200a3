import type { AppConfig } from './config';
import { SchedulingRefusedError } from './errors';
import { checkOutputDir } from './files/output-dir';
import { checkedSchedulingSchema, isFileScheduling, type Scheduling } from './scheduling';

/** What the gate reads of the config: the declared sources and the allowed output folders. */
export type GateConfig = Pick<AppConfig, 'sources' | 'files' | 'baseDir'>;

export interface AdmittedScheduling {
  /** The scheduling as the model parses it (defaults filled in). */
  scheduling: Scheduling;
  /** The real folder a CSV or Excel export writes to (symbolic links resolved). */
  outputDir?: string;
  /** The same for each file sink of `sinks`, by index. */
  sinkOutputDirs?: Record<number, string>;
}

function nameOf(raw: unknown): string {
  const name = raw && typeof raw === 'object' ? (raw as { name?: unknown }).name : undefined;
  return typeof name === 'string' ? name.slice(0, 63) : '(unnamed)';
}

/**
 * The one gate every scheduling passes, whoever brings it: the API before it stores one, `npm run
 * apply` before it applies the config's, and the worker before a run touches a source or a folder
 * (anyone who reaches Temporal can start `exportJob` with any input). Refuses with every problem,
 * each naming its field.
 */
export async function admitScheduling(raw: unknown, config: GateConfig): Promise<AdmittedScheduling> {
  const parsed = checkedSchedulingSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
    throw new SchedulingRefusedError(nameOf(raw), problems);
  }
  const scheduling = parsed.data;
  const problems: { path: string; message: string }[] = [];
  // Own keys only: `in` would take "constructor" or "toString" for a declared source.
  if (!Object.hasOwn(config.sources, scheduling.source)) {
    const declared = Object.keys(config.sources).join(', ') || 'none';
    problems.push({
      path: 'source',
      message: `expected one of the declared sources (${declared}), got "${scheduling.source}"`,
    });
  }
  let outputDir: string | undefined;
  if (isFileScheduling(scheduling)) {
    const check = await checkOutputDir(scheduling.file_config.output_dir, config);
    if ('problem' in check) problems.push({ path: 'file_config.output_dir', message: check.problem });
    else outputDir = check.dir;
  }
  const sinkOutputDirs: Record<number, string> = {};
  for (const [i, sink] of (scheduling.sinks ?? []).entries()) {
    if (sink.format === 'kafka') continue;
    const check = await checkOutputDir(sink.file_config.output_dir, config);
    if ('problem' in check) problems.push({ path: `sinks.${i}.file_config.output_dir`, message: check.problem });
    else sinkOutputDirs[i] = check.dir;
  }
  if (problems.length) throw new SchedulingRefusedError(scheduling.name, problems);
  return { scheduling, outputDir, ...(scheduling.sinks ? { sinkOutputDirs } : {}) };
}
