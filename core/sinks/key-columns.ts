import type { Sink } from './sinks';

/**
 * The columns every manifest of a run names its first and last row by, the same for all its sinks so that
 * they can be compared: the first Kafka sink's `resume_key`, else the first `message_key_field`, else none.
 */
export function manifestKeyColumns(sinks: readonly Sink[]): string[] {
  const kafka = sinks.flatMap((s) => (s.format === 'kafka' ? [s.kafka] : []));
  const resumeKey = kafka.find((k) => k.resume_key)?.resume_key;
  if (resumeKey) return [...resumeKey];
  const keyField = kafka.find((k) => k.message_key_field)?.message_key_field;
  return keyField ? [keyField] : [];
}
