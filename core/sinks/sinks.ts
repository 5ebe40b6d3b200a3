import type { FileFormat } from '../files/file-name';
import type { FileConfig, KafkaConfig, Scheduling } from '../scheduling';

/** One destination of a run, whichever form the scheduling gives it in. */
export type Sink =
  { index: number; format: 'kafka'; kafka: KafkaConfig } | { index: number; format: FileFormat; file: FileConfig };

/**
 * The one place where both forms of a scheduling's destinations become one list: `sinks`, or the one-sink
 * form `export_format` + `kafka_config`/`file_config`. A checked scheduling always gives at least one.
 */
export function sinksOf(s: Scheduling): Sink[] {
  const entries = s.sinks ?? [{ format: s.export_format, kafka_config: s.kafka_config, file_config: s.file_config }];
  return entries.map((entry, index): Sink => {
    if (entry.format === 'kafka') {
      if (!entry.kafka_config) throw new Error(`scheduling "${s.name}": sink ${index} has no kafka_config`);
      return { index, format: 'kafka', kafka: entry.kafka_config };
    }
    if (!entry.file_config) throw new Error(`scheduling "${s.name}": sink ${index} has no file_config`);
    return { index, format: entry.format, file: entry.file_config };
  });
}

/** A sink as named in logs, errors and manifests: `sinks.1 (csv)`. */
export function sinkLabel(sink: Sink): string {
  return `sinks.${sink.index} (${sink.format})`;
}
