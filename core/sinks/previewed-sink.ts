import type { FileScheduling, KafkaScheduling, Scheduling } from '../scheduling';

/**
 * What a preview shows of a scheduling with `sinks`: its one-sink form for the first sink of its
 * `export_format`, and the prefix that puts that sink's problems at their place (`sinks.1.`). A
 * scheduling without sinks is its own form, with no prefix.
 */
export function previewedForm(s: Scheduling): { scheduling: Scheduling; prefix: string } {
  if (!s.sinks) return { scheduling: s, prefix: '' };
  const index = s.sinks.findIndex((sink) => sink.format === s.export_format);
  const sink = s.sinks[index];
  if (!sink) return { scheduling: s, prefix: '' };
  const oneSink: KafkaScheduling | FileScheduling =
    sink.format === 'kafka'
      ? { ...s, export_format: 'kafka', sinks: undefined, kafka_config: sink.kafka_config, file_config: undefined }
      : { ...s, export_format: sink.format, sinks: undefined, kafka_config: undefined, file_config: sink.file_config };
  return { scheduling: oneSink, prefix: `sinks.${index}.` };
}

/** A preview problem's field, placed under the previewed sink when it names the sink's config. */
export function sinkField(field: string, prefix: string): string {
  return prefix && /^(kafka_config|file_config)(\.|$)/.test(field) ? `${prefix}${field}` : field;
}
