import type { ExportActivityInput } from '../core/job';
import { incrementalKeyOf } from '../core/incremental-key';
import { keyParams } from '../core/resume-key';
import { durationToMs, type KafkaScheduling } from '../core/scheduling';
import type { KeyWindow } from '../core/sources/resume-query';
import type { ParamValue } from '../core/sources/source';
import type { SqlDialect } from '../core/sources/named-params';
import { sourceClockMinus } from '../core/sources/source-clock';

/** What errors about an incremental export's columns call them. */
export const INCREMENTAL_FIELD = 'incremental';

/**
 * The input as an incremental Kafka export runs it: its `(column, ...key)` is the resume key (the
 * model allows no other), so a retried attempt resumes after the last acknowledged row in that order.
 */
export function withIncrementalKey(input: ExportActivityInput<KafkaScheduling>): ExportActivityInput<KafkaScheduling> {
  const { incremental, kafka_config: kafka } = input.scheduling;
  if (!incremental) return input;
  return {
    ...input,
    scheduling: { ...input.scheduling, kafka_config: { ...kafka, resume_key: incrementalKeyOf(incremental) } },
  };
}

/**
 * Where an incremental run reads: strictly after `after` (an attempt's checkpoint) or else after the
 * previous run's watermark, or from `initial` for the first run; and up to the source's clock minus `lag`.
 * Null for a scheduling that is not incremental.
 */
export function incrementalWindow(
  input: ExportActivityInput,
  dialect: SqlDialect,
  after: readonly ParamValue[] | null,
): { after: readonly ParamValue[] | null; window: KeyWindow } | null {
  const { incremental, time_format: timeFormat } = input.scheduling;
  if (!incremental) return null;
  const start = after ?? (input.watermark ? keyParams(input.watermark) : null);
  const window: KeyWindow = { upTo: sourceClockMinus(dialect, durationToMs(incremental.lag), timeFormat) };
  if (!start && incremental.initial) window.from = new Date(incremental.initial);
  return { after: start, window };
}
