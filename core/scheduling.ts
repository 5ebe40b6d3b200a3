import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { compressionSchema, exportFormatSchema, schedulingNameSchema, topicNameSchema } from './field-schemas';
import { incrementalKeyOf } from './incremental-key';
import { MAX_BATCH_BYTES_DEFAULT, RETRY_DEFAULTS, TIMEOUT_DEFAULT_SECONDS } from './scheduling-defaults';
import { checkSinks } from './sinks/sink-checks';
import { TIME_FORMATS } from './sources/source';

/**
 * The scheduling model: the single source of truth for temporal.yaml, the API and the UI.
 * Field names follow the runbook (`export_format`, `kafka_config.message_key_field`,
 * `batch_size`, `timeout`, `enabled`). Every option carries its default here.
 *
 * Parsed in two steps (`checkedSchedulingSchema`): every field on its own, then the checks across fields,
 * each problem named by its path; what passes is then typed as `schedulingSchema`, a union discriminated
 * by `sinks` and `export_format`, so that code given a Kafka scheduling has its `kafka_config`.
 */

const DURATION = /^\d+(ms|s|m|h|d)$/;
export type Duration = `${number}${'ms' | 's' | 'm' | 'h' | 'd'}`;
/** A duration such as `30s`, `5m`, `1h`, `2d`, typed as Temporal takes it. */
export const durationSchema = z.custom<Duration>(
  (value) => typeof value === 'string' && DURATION.test(value),
  'expected a duration such as 500ms, 30s, 5m, 1h, 2d',
);

const DURATION_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Milliseconds of a duration the schema accepted. */
export function durationToMs(duration: Duration): number {
  const [, count, unit] = /^(\d+)(ms|s|m|h|d)$/.exec(duration) ?? [];
  return Number(count) * DURATION_MS[unit as keyof typeof DURATION_MS];
}

/** An integer in [min, max] whose every error says so. */
export function intRange(min: number, max: number) {
  const message = `expected an integer from ${min} to ${max}`;
  return z.number({ error: message }).int(message).min(min, message).max(max, message);
}

export const kafkaConfigSchema = z.object({
  /** Destination topic; must exist unless the cluster auto-creates topics. */
  topic: topicNameSchema,
  /** Column whose value becomes the message key; null key when absent. */
  message_key_field: z.string().min(1).optional(),
  /**
   * Columns that order the query's rows uniquely (those of its ORDER BY, in the same order): a retried
   * attempt resumes strictly after the last acknowledged key tuple, in SQL. Without it a retry skips
   * by count, and starts over when the skipped rows are not the ones sent.
   */
  resume_key: z
    .array(z.string().min(1, 'expected a column name'))
    .min(1, 'expected at least one column')
    .refine((cols) => new Set(cols).size === cols.length, 'expected distinct columns')
    .optional(),
  /** Rows per producer send. @default 500 */
  batch_size: intRange(1, 10_000).default(500),
  /**
   * Bytes (keys and values) per producer send, and about what one read of the source holds: a send
   * ends at `batch_size` rows or at this size, whichever comes first (and always within the topic's
   * max.message.bytes). A single larger row is sent alone. @default 1048576 (1 MiB)
   */
  max_batch_bytes: intRange(1024, 64 * 1024 * 1024).default(MAX_BATCH_BYTES_DEFAULT),
  /** Compression of each batch. @default the Kafka defaults' `compression` ("none") */
  compression: compressionSchema.optional(),
  /** Acknowledgements the broker must give: all in-sync replicas, the leader only, or none. @default "all" */
  acks: z.enum(['all', 'leader', 'none']).default('all'),
  /**
   * `exactly_once`: a transactional producer writes each chunk of rows and its checkpoint in one
   * transaction, so a `read_committed` consumer sees every row once, whatever crashes. Needs
   * `resume_key` and `acks: all`. @default "at_least_once"
   */
  delivery: z.enum(['at_least_once', 'exactly_once']).default('at_least_once'),
  /** Static headers added to every message. @default {} */
  headers: z.record(z.string().min(1), z.string()).default({}),
});

export const fileConfigSchema = z.object({
  /** Folder the file is written to (created when missing); relative paths are read from the config file's folder. */
  output_dir: z.string().min(1),
  /**
   * File name without extension; tokens `{name}`, `{yyyy}`, `{MM}`, `{dd}`, `{HH}`, `{mm}`, `{ss}`
   * from the run's scheduled time in the schedule's timezone. @default "{name}_{yyyy}{MM}{dd}_{HH}{mm}{ss}"
   */
  file_name: z
    .string()
    .regex(/^[^/\\]+$/, 'expected a file name without folders')
    .default('{name}_{yyyy}{MM}{dd}_{HH}{mm}{ss}'),
  /** CSV field delimiter. @default "," */
  delimiter: z.string().length(1, 'expected one character').default(','),
  /** CSV: write a header line with the column names. @default true */
  header: z.boolean().default(true),
  /** CSV: start with a UTF-8 byte order mark (for Excel on Windows). @default false */
  bom: z.boolean().default(false),
  /**
   * CSV: a text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so
   * that a spreadsheet shows it instead of running it as a formula (plain numbers such as `-12.50` are
   * left alone). False writes every cell verbatim, for files read by programs. @default true
   */
  formula_guard: z.boolean().default(true),
  /** XLSX: name of the first sheet; later sheets get " (2)", " (3)"... @default "Export" */
  sheet_name: z
    .string()
    .regex(/^[^\\/?*[\]:]{1,25}$/, 'expected 1 to 25 characters, none of \\ / ? * [ ] :')
    .default('Export'),
});

/** One destination of a run with several (`sinks`): `kafka_config` for Kafka, `file_config` for csv and excel. */
export const sinkSchema = z.strictObject({
  /** @default "kafka" */
  format: exportFormatSchema.default('kafka'),
  kafka_config: kafkaConfigSchema.optional(),
  file_config: fileConfigSchema.optional(),
});

const jitter = durationSchema.optional();

const CRON_EXAMPLE = 'expected a five-field cron expression such as "0 6 * * *"';
/** A cron expression Temporal will accept: five fields, each in range (checked by cron-parser, not by Temporal at apply time). */
const cronSchema = z
  .string()
  .regex(/^\S+(\s+\S+){4}$/, CRON_EXAMPLE)
  .superRefine((value, ctx) => {
    try {
      CronExpressionParser.parse(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `${CRON_EXAMPLE} (${(err as Error).message})` });
    }
  });

/** An IANA time zone name the runtime knows. */
const timezoneSchema = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'expected an IANA time zone such as "UTC" or "Europe/Rome"');

export const scheduleSchema = z.union([
  z.strictObject({
    /** Five-field cron expression, e.g. "0 6 * * 1-5". */
    cron: cronSchema,
    /** IANA time zone the cron expression is read in. @default "UTC" */
    timezone: timezoneSchema.default('UTC'),
    /** Random delay added to each run, to spread load. */
    jitter,
  }),
  z.strictObject({
    /** Interval such as "5m", "1h". */
    every: durationSchema,
    /** Random delay added to each run, to spread load. */
    jitter,
  }),
]);

export const retrySchema = z.object({
  /** Attempts of the export activity, the first included. @default 5 */
  max_attempts: intRange(1, 100).default(RETRY_DEFAULTS.max_attempts),
  /** Delay before the second attempt; doubles after each. @default "5s" */
  initial_backoff: durationSchema.default(RETRY_DEFAULTS.initial_backoff),
  /** Longest delay between attempts. @default "5m" */
  max_backoff: durationSchema.default(RETRY_DEFAULTS.max_backoff),
});

/** Longest incremental lag: SQL Server's DATEADD takes the seconds as an int, and a year is plenty. */
const MAX_LAG_MS = 366 * 86_400_000;

/** A column name as the query's result names it. */
const columnName = z.string().min(1, 'expected a column name');

/**
 * Incremental mode: each run exports the rows after the previous run's high-water mark (the last exported
 * `(column, key)`) and up to the source database's own clock minus `lag`, ordered by `(column, key)`.
 */
export const incrementalSchema = z.strictObject({
  /** The column that grows with each change (e.g. `updated_at`): a time, or a number such as a version. */
  column: columnName,
  /** Columns that make `(column, key)` unique (e.g. the primary key), in the order they sort. */
  key: z
    .array(columnName)
    .min(1, 'expected at least one column')
    .refine((cols) => new Set(cols).size === cols.length, 'expected distinct columns'),
  /**
   * How far behind the source's clock a run stops reading, so that transactions still open when it reads
   * (their rows stamped earlier, visible later) commit before the window passes them. @default "30s"
   */
  lag: durationSchema.refine((lag) => durationToMs(lag) <= MAX_LAG_MS, 'expected at most 366d').default('30s'),
  /** Where the first run starts (inclusive), an ISO-8601 time; without it the first run reads from the oldest row. */
  initial: z.iso.datetime({ offset: true, error: 'expected an ISO-8601 time such as 2026-01-01T00:00:00Z' }).optional(),
});

/** Query parameter values given in the scheduling (besides the built-in `:scheduled_time` and `:last_success_time`). */
const paramValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** Names that are API paths under `/api/scheduler/scheduling/`. */
export const RESERVED_NAMES: readonly string[] = ['preview'];

/** `off`: rows read and delivered are recorded; `count`: the query's COUNT(*) is compared with them too. */
export const RECONCILE_MODES = ['off', 'count'] as const;

/** Every field of a scheduling, in the order they are written out. */
const schedulingShape = {
  /** Unique slug; the Temporal Schedule id is `pstt-<name>`. */
  name: schedulingNameSchema
    // `/api/scheduler/scheduling/preview` is the preview route, not a scheduling's path.
    .refine((name) => !RESERVED_NAMES.includes(name), 'expected another name: "preview" is reserved'),
  description: z.string().default(''),
  /** A disabled scheduling has a paused Temporal Schedule. @default true */
  enabled: z.boolean().default(true),
  schedule: scheduleSchema,
  /** Name of a connection declared under `sources`. */
  source: z.string().min(1),
  /**
   * SQL text. Named parameters (`:name`) are bound as real parameters: `:scheduled_time` (this
   * run's scheduled time), `:last_success_time` (the previous successful run's scheduled time, or
   * null), and those of `params`. Give it a deterministic ORDER BY: a retried run resumes by position.
   */
  query: z.string().min(1, 'expected SQL text'),
  /** Values of the query's own named parameters. @default {} */
  params: z.record(z.string().regex(/^[A-Za-z_]\w*$/, 'expected a parameter name'), paramValue).default({}),
  /**
   * SQLite only: the form `:scheduled_time`/`:last_success_time` are bound in, that of the compared
   * column: `sql` (`2024-01-01 06:00:00`, what `DEFAULT CURRENT_TIMESTAMP` writes), `iso`
   * (`2024-01-01T06:00:00.000Z`) or `epoch` (unix seconds). @default "sql"
   */
  time_format: z.enum(TIME_FORMATS).default('sql'),
  export_format: exportFormatSchema,
  /** Seconds one attempt of the export may take; the database's statement timeout too. @default 3600 */
  timeout: intRange(1, 7 * 24 * 3600).default(TIMEOUT_DEFAULT_SECONDS),
  retry: retrySchema.prefault({}),
  /** What a run due while the previous one is still going does. @default "skip" */
  overlap: z.enum(['skip', 'buffer_one', 'allow_all', 'cancel_other']).default('skip'),
  /** How far back missed runs (server down) are caught up. @default "10m" */
  catchup_window: durationSchema.default('10m'),
  /** E-mail addresses told when a run fails for good. @default [] */
  notify: z.array(z.email('expected an e-mail address')).default([]),
  /**
   * `count`: each run also takes the query's `COUNT(*)` (in the read's own snapshot where the dialect
   * allows it) and a run whose count, rows read and rows delivered disagree is `suspect`. @default "off"
   */
  reconcile: z.enum(RECONCILE_MODES).default('off'),
  kafka_config: kafkaConfigSchema.optional(),
  file_config: fileConfigSchema.optional(),
  /** Export only what changed since the previous run, by a data watermark (see incrementalSchema). */
  incremental: incrementalSchema.optional(),
  /**
   * Several destinations fed by one run of the query (core/sinks/sinks.ts); replaces `kafka_config`/`file_config`,
   * and `export_format` is then one of the sinks' formats (it labels the run).
   */
  sinks: z.array(sinkSchema).min(1, 'expected at least one sink').max(8, 'expected at most 8 sinks').optional(),
};

/** Every field checked on its own; what the checks across fields read. */
export const schedulingFieldsSchema = z.object(schedulingShape);

const fileFormatSchema = exportFormatSchema.exclude(['kafka']);

/** A sink once the checks across fields have passed: the config of its format, no other. */
const checkedSinkSchema = z.discriminatedUnion('format', [
  z.object({ format: z.literal('kafka'), kafka_config: kafkaConfigSchema }),
  z.object({ format: fileFormatSchema, file_config: fileConfigSchema }),
]);

// One destination, given by `export_format` and its config; the other config is accepted (and unused) as before.
const kafkaSchedulingSchema = z.object({
  ...schedulingShape,
  export_format: z.literal('kafka'),
  kafka_config: kafkaConfigSchema,
  sinks: z.undefined().optional(),
});
const fileSchedulingSchema = z.object({
  ...schedulingShape,
  export_format: fileFormatSchema,
  file_config: fileConfigSchema,
  sinks: z.undefined().optional(),
});
const oneSinkSchema = z.discriminatedUnion('export_format', [kafkaSchedulingSchema, fileSchedulingSchema]);

/** Several destinations (`sinks`); `export_format` is one of theirs and labels the run. */
const sinksSchedulingSchema = z.object({
  ...schedulingShape,
  kafka_config: z.undefined().optional(),
  file_config: z.undefined().optional(),
  sinks: z.array(checkedSinkSchema).min(1).max(8),
});

/**
 * The model's type: a scheduling the checks across fields have passed. Parse input with
 * `checkedSchedulingSchema`, whose messages name each field; this one only types what it returns.
 */
export const schedulingSchema = z.union([oneSinkSchema, sinksSchedulingSchema]);

/** The model: each field, then the checks across fields, then typed as `schedulingSchema`. */
export const checkedSchedulingSchema = schedulingFieldsSchema.superRefine(checkAcrossFields).transform((s, ctx) => {
  const typed = schedulingSchema.safeParse(s);
  if (typed.success) return typed.data;
  // Not reached while the checks across fields state every rule of the union: a test would say so.
  for (const issue of typed.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  return z.NEVER;
});

function checkAcrossFields(s: SchedulingFields, ctx: z.RefinementCtx): void {
  if (s.sinks) {
    // The sinks' activity neither windows the query nor counts it yet: refused rather than ignored.
    if (s.incremental)
      ctx.addIssue({ code: 'custom', path: ['incremental'], message: 'not available with sinks yet: use one sink' });
    if (s.reconcile === 'count')
      ctx.addIssue({ code: 'custom', path: ['reconcile'], message: 'must be "off" with sinks (not counted yet)' });
    return checkSinks(s, ctx);
  }
  if (s.export_format === 'kafka' && !s.kafka_config) {
    ctx.addIssue({ code: 'custom', path: ['kafka_config'], message: 'required when export_format is "kafka"' });
  }
  if (s.incremental) checkIncremental(s, s.incremental, ctx);
  if (s.kafka_config?.delivery === 'exactly_once') {
    // Incremental mode resumes by its own (column, key).
    if (!s.kafka_config.resume_key && !s.incremental) {
      ctx.addIssue({
        code: 'custom',
        path: ['kafka_config', 'resume_key'],
        message: 'required with delivery "exactly_once": a retry resumes after the committed key',
      });
    }
    if (s.kafka_config.acks !== 'all') {
      ctx.addIssue({
        code: 'custom',
        path: ['kafka_config', 'acks'],
        message: 'must be "all" with delivery "exactly_once"',
      });
    }
  }
  if (s.export_format !== 'kafka' && !s.file_config) {
    ctx.addIssue({
      code: 'custom',
      path: ['file_config'],
      message: `required when export_format is "${s.export_format}"`,
    });
  }
}

function checkIncremental(s: SchedulingFields, incremental: Incremental, ctx: z.RefinementCtx): void {
  const key = incrementalKeyOf(incremental);
  // The count is of the scheduling's whole query, not of the run's window: every run would be suspect.
  if (s.reconcile === 'count') {
    ctx.addIssue({
      code: 'custom',
      path: ['reconcile'],
      message: 'must be "off" with incremental (a count of the run\'s window is not built yet)',
    });
  }
  if (new Set(key).size !== key.length) {
    ctx.addIssue({ code: 'custom', path: ['incremental', 'key'], message: 'must not repeat incremental.column' });
  }
  // Without a `*` every result column is named in the text: a column never named there cannot be one.
  if (!s.query.includes('*')) {
    const named: [string, (string | number)[]][] = [
      [incremental.column, ['incremental', 'column']],
      ...incremental.key.map((c, i): [string, (string | number)[]] => [c, ['incremental', 'key', i]]),
    ];
    for (const [column, path] of named) {
      if (!mentions(s.query, column))
        ctx.addIssue({ code: 'custom', path, message: `"${column}" is not a column of the query` });
    }
  }
  const resumeKey = s.kafka_config?.resume_key;
  if (resumeKey && resumeKey.join('\u0000') !== key.join('\u0000')) {
    ctx.addIssue({
      code: 'custom',
      path: ['kafka_config', 'resume_key'],
      message: `must be [${key.join(', ')}] (incremental column then key) or left out: an incremental export resumes by it`,
    });
  }
}

/** True when `name` appears in `sql` as a whole word (quoted or not). */
function mentions(sql: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_$])${escaped}($|[^A-Za-z0-9_$])`, 'i').test(sql);
}

/** A scheduling as the model returns it (defaults filled in), one of the three below. */
export type Scheduling = z.output<typeof checkedSchedulingSchema>;
export type SchedulingInput = z.input<typeof checkedSchedulingSchema>;
/** A scheduling before the checks across fields: what they read. */
export type SchedulingFields = z.output<typeof schedulingFieldsSchema>;
/** One Kafka destination: `kafka_config` is there. */
export type KafkaScheduling = z.output<typeof kafkaSchedulingSchema>;
/** One CSV or Excel destination: `file_config` is there. */
export type FileScheduling = z.output<typeof fileSchedulingSchema>;
/** Several destinations. */
export type SinksScheduling = z.output<typeof sinksSchedulingSchema>;
export type KafkaConfig = z.infer<typeof kafkaConfigSchema>;
export type FileConfig = z.infer<typeof fileConfigSchema>;
export type Incremental = z.infer<typeof incrementalSchema>;
export type { ExportFormat } from './field-schemas';

/** True for a scheduling with one Kafka destination. */
export function isKafkaScheduling(s: Scheduling): s is KafkaScheduling {
  return !s.sinks && s.export_format === 'kafka';
}

/** True for a scheduling with one CSV or Excel destination. */
export function isFileScheduling(s: Scheduling): s is FileScheduling {
  return !s.sinks && s.export_format !== 'kafka';
}
