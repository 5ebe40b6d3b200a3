import { compileSerializer } from '../compiled-serializer';
import { withDeadline } from '../deadline';
import {
  DuplicateColumnError,
  InvalidQueryError,
  MissingPasswordError,
  NotAQueryError,
  QueryParameterError,
  QueryTimeoutError,
  RowSerializationError,
  TopicNotFoundError,
  UnknownSourceError,
  UnsupportedSourceError,
} from '../errors';
import { csvFormat } from '../files/csv-writer';
import { policyValue } from '../files/file-writer';
import type { KafkaClient } from '../kafka/client';
import { messageOfRow, recordBytesOf } from '../kafka/message';
import { partitionOfKey } from '../kafka/partitioner';
import { rowBuilder, type ColumnInfo, type RowValues } from '../row-values';
import { runBindingOf } from '../run-params';
import { admitScheduling, type GateConfig } from '../scheduling-gate';
import type { FileConfig, Scheduling } from '../scheduling';
import { previewedForm, sinkField } from '../sinks/previewed-sink';
import type { SourceRegistry } from '../sources';
import type { SqlDialect } from '../sources/named-params';
import { inferColumnTypes, type PreviewColumn } from './column-types';
import { readTopicLayout, type TopicLayout } from './topic-layout';

/** Rows a preview reads unless asked for another number. */
export const PREVIEW_ROWS_DEFAULT = 10;
/** The most rows a preview reads. */
export const PREVIEW_ROWS_MAX = 100;
/** Statement timeout of a preview's query (and deadline of its broker look-up): a preview is a quick look. */
export const PREVIEW_TIMEOUT_MS = 10_000;

/** Something that would go wrong (or already does) with this scheduling, on the field to change. */
export interface PreviewProblem {
  field: string;
  message: string;
}

/** Whether a column the scheduling names is among the query's columns; `present` null when the query did not run. */
export interface ColumnPresence {
  name: string;
  present: boolean | null;
}

/** One message exactly as the export would produce it. */
export interface PreviewMessage {
  key: string | null;
  value: string;
  headers: Record<string, string>;
  /** The partition the key maps to (Java client's rule); null for a null key, whose partition is chosen per send. */
  partition: number | null;
  /** What the record weighs against `max.message.bytes`: key, value, headers and the record framing. */
  bytes: number;
}

export type FilePreview =
  | { format: 'csv'; text: string }
  | { format: 'excel'; sheet: string; header: string[]; rows: (string | number | boolean | null)[][] };

/** What `POST /api/scheduler/scheduling/preview` and `pstt preview` report. */
export interface SchedulingPreview {
  scheduling: string;
  source: string;
  dialect: SqlDialect | null;
  export_format: Scheduling['export_format'];
  /** The rows asked for. */
  limit: number;
  /** The `:scheduled_time` bound (now); `:last_success_time` is bound null, as for a first run. */
  scheduled_time: string;
  columns: PreviewColumn[];
  rows_sampled: number;
  /** The planner's estimate (PostgreSQL EXPLAIN); null where the dialect has none or the query failed. */
  estimated_rows: number | null;
  /** Kafka exports: the first messages; null for file exports. */
  messages: PreviewMessage[] | null;
  topic: TopicLayout | null;
  largest_message: { bytes: number; key: string | null; max_message_bytes: number | null; fits: boolean | null } | null;
  /** File exports: the start of the file. */
  file: FilePreview | null;
  fields: {
    message_key_field: ColumnPresence | null;
    resume_key: ColumnPresence[] | null;
    incremental_column: ColumnPresence | null;
  };
  problems: PreviewProblem[];
}

export interface PreviewDeps {
  config: GateConfig;
  sources: SourceRegistry;
  kafka: KafkaClient;
}

/** The field an error of the source or the query is about. */
function fieldOf(err: unknown): string {
  if (err instanceof QueryParameterError) return 'params';
  if (
    err instanceof InvalidQueryError ||
    err instanceof NotAQueryError ||
    err instanceof DuplicateColumnError ||
    err instanceof QueryTimeoutError ||
    err instanceof RowSerializationError
  ) {
    return 'query';
  }
  return 'source';
}

function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  if (err instanceof MissingPasswordError || err instanceof UnknownSourceError || err instanceof UnsupportedSourceError)
    return text;
  return fieldOf(err) === 'source' ? `the source could not be read: ${text}` : text;
}

/** What a preview read of the source. */
interface Sample {
  dialect: SqlDialect;
  columns: PreviewColumn[];
  /** The driver's columns, as the serialiser compiles them. */
  fields: readonly ColumnInfo[];
  rows: RowValues[];
  estimate: number | null;
}

/** The sampled rows of the query, read in a read-only transaction under the preview's timeout. */
async function sample(
  deps: PreviewDeps,
  scheduling: Scheduling,
  limit: number,
  now: Date,
): Promise<Sample | PreviewProblem> {
  try {
    const driver = deps.sources.get(scheduling.source);
    const source = deps.config.sources[scheduling.source];
    const timeoutMs = Math.min(PREVIEW_TIMEOUT_MS, (source?.statement_timeout ?? scheduling.timeout) * 1000);
    const binding = { ...runBindingOf(scheduling, now, null), timeoutMs };
    const cursor = await driver.open(scheduling.query, binding);
    let rows: RowValues[];
    try {
      rows = await cursor.readValues(limit);
    } finally {
      await cursor.close();
    }
    const estimate = driver.estimateRows
      ? await driver.estimateRows(scheduling.query, binding).catch(() => null)
      : null;
    return {
      dialect: driver.dialect,
      columns: inferColumnTypes(cursor.fields, rows),
      fields: cursor.fields,
      rows,
      estimate,
    };
  } catch (err) {
    return { field: fieldOf(err), message: messageOf(err) };
  }
}

/** The topic as the broker has it, or the problem that stops a send to it. */
async function topicOf(kafka: KafkaClient, topic: string): Promise<TopicLayout | PreviewProblem> {
  try {
    return await withDeadline(
      readTopicLayout(kafka, topic),
      PREVIEW_TIMEOUT_MS,
      () => new Error(`no answer within ${PREVIEW_TIMEOUT_MS} ms`),
    );
  } catch (err) {
    if (err instanceof TopicNotFoundError) return { field: 'kafka_config.topic', message: err.message };
    return {
      field: 'kafka_config.topic',
      message: `the topic could not be read from the broker: ${(err as Error).message}`,
    };
  }
}

const isProblem = (value: object): value is PreviewProblem => 'field' in value && 'message' in value;

/** The incremental column of a scheduling that declares one (incremental mode), else undefined. */
function incrementalColumnOf(scheduling: Scheduling): string | undefined {
  const incremental = (scheduling as { incremental?: { column?: unknown } }).incremental;
  return typeof incremental?.column === 'string' ? incremental.column : undefined;
}

/**
 * Previews a scheduling, saved or not, without exporting anything: validates it as the API and the
 * worker do (SchedulingRefusedError, a 400, when the model or the gate refuses it), reads its first
 * `limit` rows read-only under a short statement timeout, and turns them into the messages (or file
 * lines) a run would produce, with the serialiser, message builder and partitioner of the export.
 * Everything that would fail a run, or silently change its output, is listed in `problems`.
 */
export async function previewScheduling(
  raw: unknown,
  deps: PreviewDeps,
  limit = PREVIEW_ROWS_DEFAULT,
  now = new Date(),
): Promise<SchedulingPreview> {
  // A scheduling with sinks is previewed through the sink its export_format names.
  const { scheduling, prefix } = previewedForm((await admitScheduling(raw, deps.config)).scheduling);
  const kafka = scheduling.export_format === 'kafka' ? scheduling.kafka_config : undefined;
  const [read, topic] = await Promise.all([
    sample(deps, scheduling, limit, now),
    kafka ? topicOf(deps.kafka, kafka.topic) : null,
  ]);
  const problems: PreviewProblem[] = [];
  const ran = !isProblem(read);
  if (!ran) problems.push(read);
  const layout = topic && !isProblem(topic) ? topic : null;
  if (topic && isProblem(topic)) problems.push(topic);

  const names = ran ? new Set(read.columns.map((c) => c.name)) : null;
  const presence = (name: string): ColumnPresence => ({ name, present: names ? names.has(name) : null });
  const columnsText = ran ? read.columns.map((c) => c.name).join(', ') || 'none' : '';
  const missing = (field: string, name: string, why: string) =>
    problems.push({ field, message: `"${name}" is not among the query's columns (${columnsText}): ${why}` });

  const keyField = kafka?.message_key_field ? presence(kafka.message_key_field) : null;
  if (keyField?.present === false)
    missing('kafka_config.message_key_field', keyField.name, 'a run fails before sending');
  const resumeKey = kafka?.resume_key ? kafka.resume_key.map(presence) : null;
  for (const column of resumeKey ?? [])
    if (column.present === false) missing('kafka_config.resume_key', column.name, 'a run cannot resume by key');
  const incrementalName = incrementalColumnOf(scheduling);
  const incremental = incrementalName ? presence(incrementalName) : null;
  if (incremental?.present === false) missing('incremental.column', incremental.name, 'the watermark cannot be read');

  let messages: PreviewMessage[] | null = null;
  let largest: SchedulingPreview['largest_message'] = null;
  let file: FilePreview | null = null;
  if (ran && kafka) {
    messages = [];
    try {
      const serializer = compileSerializer(read.fields, kafka.message_key_field);
      const headers = Object.keys(kafka.headers).length ? kafka.headers : undefined;
      for (const row of read.rows) {
        const { message } = messageOfRow(row, serializer, headers);
        const partitions = layout?.partitions;
        messages.push({
          key: message.key,
          value: message.value,
          headers: message.headers ?? {},
          partition: message.key !== null && partitions ? partitionOfKey(message.key, partitions) : null,
          bytes: recordBytesOf(message),
        });
      }
    } catch (err) {
      problems.push({ field: 'query', message: (err as Error).message });
    }
    const biggest = messages.reduce<PreviewMessage | null>((max, m) => (max && max.bytes >= m.bytes ? max : m), null);
    if (biggest) {
      const limitBytes = layout?.max_message_bytes ?? null;
      const fits = limitBytes === null ? null : biggest.bytes <= limitBytes;
      largest = { bytes: biggest.bytes, key: biggest.key, max_message_bytes: limitBytes, fits };
      if (fits === false) {
        problems.push({
          field: 'kafka_config.topic',
          message: `the message${biggest.key === null ? '' : ` with key "${biggest.key}"`} is ${biggest.bytes} bytes, over the topic's max.message.bytes (${limitBytes}): a run fails on it`,
        });
      }
    }
  } else if (ran && scheduling.file_config) {
    try {
      file = filePreviewOf(
        { ...scheduling, file_config: scheduling.file_config },
        read.columns.map((c) => c.name),
        read.rows,
      );
    } catch (err) {
      problems.push({ field: 'query', message: (err as Error).message });
    }
  }

  return {
    scheduling: scheduling.name,
    source: scheduling.source,
    dialect: ran ? read.dialect : null,
    export_format: scheduling.export_format,
    limit,
    scheduled_time: now.toISOString(),
    columns: ran ? read.columns : [],
    rows_sampled: ran ? read.rows.length : 0,
    estimated_rows: ran ? read.estimate : null,
    messages,
    topic: layout,
    largest_message: largest,
    file,
    fields: { message_key_field: keyField, resume_key: resumeKey, incremental_column: incremental },
    problems: problems.map((p) => ({ ...p, field: sinkField(p.field, prefix) })),
  };
}

/** The start of the file a file export would write: CSV text as the writer formats it, or Excel's cells. */
function filePreviewOf(
  scheduling: Scheduling & { file_config: FileConfig },
  names: string[],
  rows: RowValues[],
): FilePreview {
  const config = scheduling.file_config;
  const objects = rows.map(rowBuilder(names));
  if (scheduling.export_format === 'csv') {
    const csv = csvFormat(names, {
      delimiter: config.delimiter,
      header: config.header,
      bom: config.bom,
      formulaGuard: config.formula_guard,
    });
    return { format: 'csv', text: csv.head + csv.lines(objects, 1) };
  }
  return {
    format: 'excel',
    sheet: config.sheet_name,
    header: names,
    rows: rows.map((values, r) => names.map((name, i) => policyValue(values[i], name, r + 1))),
  };
}
