import type { z } from 'zod';
import type { SchedulingFields } from '../scheduling';

/**
 * The checks across fields of a scheduling with `sinks`: each sink has the config its format needs and no
 * other, the one-sink fields are absent, and `export_format` (which labels the run) is one of the sinks'.
 */
export function checkSinks(s: SchedulingFields, ctx: z.RefinementCtx): void {
  const sinks = s.sinks ?? [];
  for (const field of ['kafka_config', 'file_config'] as const) {
    if (s[field])
      ctx.addIssue({ code: 'custom', path: [field], message: `not allowed with sinks: give it inside a sink` });
  }
  if (sinks.length && !sinks.some((sink) => sink.format === s.export_format)) {
    ctx.addIssue({ code: 'custom', path: ['export_format'], message: "expected one of the sinks' formats" });
  }
  sinks.forEach((sink, i) => {
    const at = (...path: (string | number)[]) => ['sinks', i, ...path];
    if (sink.format === 'kafka') {
      if (!sink.kafka_config)
        ctx.addIssue({ code: 'custom', path: at('kafka_config'), message: 'required when format is "kafka"' });
      if (sink.file_config)
        ctx.addIssue({ code: 'custom', path: at('file_config'), message: 'not allowed when format is "kafka"' });
      if (sink.kafka_config?.delivery === 'exactly_once') {
        ctx.addIssue({
          code: 'custom',
          path: at('kafka_config', 'delivery'),
          message: 'must be "at_least_once" in a sink: exactly-once needs one transaction per run, not one per sink',
        });
      }
    } else {
      if (!sink.file_config)
        ctx.addIssue({ code: 'custom', path: at('file_config'), message: `required when format is "${sink.format}"` });
      if (sink.kafka_config)
        ctx.addIssue({
          code: 'custom',
          path: at('kafka_config'),
          message: `not allowed when format is "${sink.format}"`,
        });
    }
  });
}
