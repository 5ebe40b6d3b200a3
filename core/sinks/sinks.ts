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
  if (!s.sinks) {
    return [
      s.export_format === 'kafka'
        ? { index: 0, format: 'kafka', kafka: s.kafka_config }
        : { index: 0, format: s.export_format, file: s.file_config },
    ];
  }
  return s.sinks.map((sink, index): Sink =>
    sink.format === 'kafka'
      ? { index, format: 'kafka', kafka: sink.kafka_config }
      : { index, format: sink.format, file: sink.file_config },
  );
}

/** A sink as named in logs, errors and manifests: `sinks.1 (csv)`. */
export function sinkLabel(sink: Sink): string {
  return `sinks.${sink.index} (${sink.format})`;
}
