import { z } from 'zod';

/**
 * The scheduling model: the single source of truth for temporal.yaml, the API and the UI.
 * Field names follow the runbook (`export_format`, `kafka_config.message_key_field`, `timeout`, ...).
 */

const durationPattern = /^\d+(ms|s|m|h|d)$/;

export const kafkaConfigSchema = z.object({
  /** Destination topic. */
  topic: z.string().min(1, 'expected a topic name'),
  /** Column whose value becomes the message key; null key when absent. */
  message_key_field: z.string().min(1).optional(),
  /** Rows per producer send. @default 500 */
  batch_size: z
    .number({ error: 'expected an integer from 1 to 10000' })
    .int('expected an integer from 1 to 10000')
    .min(1, 'expected an integer from 1 to 10000')
    .max(10_000, 'expected an integer from 1 to 10000')
    .default(500),
});

export const scheduleSchema = z.union([
  z.object({
    /** Five-field cron expression. */
    cron: z.string().min(1),
    /** IANA time zone the cron expression is read in. @default "UTC" */
    timezone: z.string().default('UTC'),
  }),
  z.object({
    /** Interval such as "5m", "1h", "30s". */
    every: z.string().regex(durationPattern, 'expected a duration such as 30s, 5m, 1h'),
  }),
]);

export const schedulingSchema = z.object({
  /** Unique slug; the Temporal Schedule id is derived from it. */
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected a slug: lowercase letters, digits, - and _'),
  description: z.string().default(''),
  /** A disabled scheduling has a paused Temporal Schedule. @default true */
  enabled: z.boolean().default(true),
  schedule: scheduleSchema,
  /** Name of a connection declared under `sources`. */
  source: z.string().min(1),
  /** SQL text; give it a deterministic ORDER BY. */
  query: z.string().min(1),
  export_format: z.enum(['kafka', 'csv', 'excel']),
  /** Seconds one run may take. @default 3600 */
  timeout: z.number().int().positive().default(3600),
  kafka_config: kafkaConfigSchema.optional(),
});

export type Scheduling = z.infer<typeof schedulingSchema>;
export type KafkaConfig = z.infer<typeof kafkaConfigSchema>;

/** Temporal Schedule id of a scheduling. */
export function scheduleIdOf(schedulingName: string): string {
  return `pstt-${schedulingName}`;
}
