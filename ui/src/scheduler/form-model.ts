/**
 * The scheduling form as flat text fields, and the way back to the API's scheduling body. Pure:
 * the unit tests check the mapping both ways and where each server error is shown.
 */
import type { FieldError, SchedulingView } from '../types';

export interface SchedulingForm {
  name: string;
  description: string;
  enabled: boolean;
  schedule_kind: 'cron' | 'every';
  cron: string;
  timezone: string;
  every: string;
  source: string;
  export_format: 'kafka' | 'csv' | 'excel';
  query: string;
  timeout: string;
  overlap: string;
  /** `off` or `count`. */
  reconcile: string;
  notify: string;
  retry_max_attempts: string;
  retry_initial_backoff: string;
  retry_max_backoff: string;
  topic: string;
  message_key_field: string;
  /** Comma-separated columns. */
  resume_key: string;
  delivery: string;
  batch_size: string;
  max_batch_bytes: string;
  compression: string;
  acks: string;
  output_dir: string;
  file_name: string;
  delimiter: string;
  header: boolean;
  sheet_name: string;
}

export type FieldName = keyof SchedulingForm;

export function emptyForm(source = ''): SchedulingForm {
  return {
    name: '',
    description: '',
    enabled: true,
    schedule_kind: 'cron',
    cron: '0 6 * * *',
    timezone: 'UTC',
    every: '',
    source,
    export_format: 'kafka',
    query: '',
    timeout: '3600',
    overlap: 'skip',
    reconcile: 'off',
    notify: '',
    retry_max_attempts: '5',
    retry_initial_backoff: '5s',
    retry_max_backoff: '5m',
    topic: '',
    message_key_field: '',
    resume_key: '',
    delivery: 'at_least_once',
    batch_size: '500',
    max_batch_bytes: '1048576',
    compression: '',
    acks: 'all',
    output_dir: '',
    file_name: '',
    delimiter: ',',
    header: true,
    sheet_name: 'Export',
  };
}

export function formOf(s: SchedulingView): SchedulingForm {
  const schedule = s.schedule as { cron?: string; timezone?: string; every?: string };
  return {
    ...emptyForm(s.source),
    name: s.name,
    description: s.description,
    enabled: s.enabled,
    schedule_kind: schedule.every ? 'every' : 'cron',
    cron: schedule.cron ?? '',
    timezone: schedule.timezone ?? 'UTC',
    every: schedule.every ?? '',
    export_format: s.export_format,
    query: s.query,
    timeout: String(s.timeout),
    overlap: s.overlap,
    reconcile: s.reconcile,
    notify: s.notify.join(', '),
    retry_max_attempts: String(s.retry.max_attempts),
    retry_initial_backoff: s.retry.initial_backoff,
    retry_max_backoff: s.retry.max_backoff,
    topic: s.kafka_config?.topic ?? '',
    message_key_field: s.kafka_config?.message_key_field ?? '',
    resume_key: (s.kafka_config?.resume_key ?? []).join(', '),
    delivery: s.kafka_config?.delivery ?? 'at_least_once',
    batch_size: String(s.kafka_config?.batch_size ?? 500),
    max_batch_bytes: String(s.kafka_config?.max_batch_bytes ?? 1048576),
    compression: s.kafka_config?.compression ?? '',
    acks: s.kafka_config?.acks ?? 'all',
    output_dir: s.file_config?.output_dir ?? '',
    file_name: s.file_config?.file_name ?? '',
    delimiter: s.file_config?.delimiter ?? ',',
    header: s.file_config?.header ?? true,
    sheet_name: s.file_config?.sheet_name ?? 'Export',
  };
}

/** A number field: a number when it reads as one, else the text itself so the server names the field. */
const numeric = (text: string): number | string | undefined => {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : trimmed;
};
const optional = (text: string): string | undefined => (text.trim() === '' ? undefined : text.trim());
/** A comma-separated list; undefined when empty. */
const listOf = (text: string): string[] | undefined => {
  const items = text
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  return items.length ? items : undefined;
};

/**
 * The body of POST/PUT /api/scheduler/scheduling. Fields the form does not show (query params,
 * Kafka headers, the CSV BOM, the catch-up window) are kept from the edited scheduling.
 */
export function bodyOf(form: SchedulingForm, original?: SchedulingView): Record<string, unknown> {
  const schedule =
    form.schedule_kind === 'cron'
      ? { cron: form.cron.trim(), timezone: optional(form.timezone) ?? 'UTC' }
      : { every: form.every.trim() };
  const body: Record<string, unknown> = {
    name: form.name.trim(),
    description: form.description,
    enabled: form.enabled,
    schedule,
    source: form.source,
    query: form.query,
    export_format: form.export_format,
    timeout: numeric(form.timeout),
    overlap: form.overlap,
    reconcile: form.reconcile,
    catchup_window: original?.catchup_window,
    time_format: original?.time_format,
    params: original?.params,
    incremental: original?.incremental,
    notify: form.notify
      .split(/[,;\s]+/)
      .map((a) => a.trim())
      .filter(Boolean),
    retry: {
      max_attempts: numeric(form.retry_max_attempts),
      initial_backoff: optional(form.retry_initial_backoff),
      max_backoff: optional(form.retry_max_backoff),
    },
  };
  if (original?.sinks) {
    // The form edits one destination: a scheduling's several sinks are kept as they are.
    body.sinks = original.sinks;
  } else if (form.export_format === 'kafka') {
    body.kafka_config = {
      topic: form.topic.trim(),
      message_key_field: optional(form.message_key_field),
      resume_key: listOf(form.resume_key),
      delivery: form.delivery,
      batch_size: numeric(form.batch_size),
      max_batch_bytes: numeric(form.max_batch_bytes),
      compression: optional(form.compression),
      acks: form.acks,
      headers: original?.kafka_config?.headers,
    };
  } else {
    body.file_config = {
      output_dir: form.output_dir.trim(),
      file_name: optional(form.file_name),
      delimiter: form.delimiter === '' ? undefined : form.delimiter,
      header: form.header,
      bom: original?.file_config?.bom,
      formula_guard: original?.file_config?.formula_guard,
      sheet_name: optional(form.sheet_name),
    };
  }
  return JSON.parse(JSON.stringify(body)) as Record<string, unknown>; // drops the undefined fields
}

const FIELD_OF_PATH: Record<string, FieldName> = {
  'schedule.cron': 'cron',
  'schedule.timezone': 'timezone',
  'schedule.every': 'every',
  'retry.max_attempts': 'retry_max_attempts',
  'retry.initial_backoff': 'retry_initial_backoff',
  'retry.max_backoff': 'retry_max_backoff',
  kafka_config: 'topic',
  'kafka_config.topic': 'topic',
  'kafka_config.message_key_field': 'message_key_field',
  'kafka_config.resume_key': 'resume_key',
  'kafka_config.delivery': 'delivery',
  'kafka_config.batch_size': 'batch_size',
  'kafka_config.max_batch_bytes': 'max_batch_bytes',
  'kafka_config.compression': 'compression',
  'kafka_config.acks': 'acks',
  file_config: 'output_dir',
  'file_config.output_dir': 'output_dir',
  'file_config.file_name': 'file_name',
  'file_config.delimiter': 'delimiter',
  'file_config.header': 'header',
  'file_config.sheet_name': 'sheet_name',
};

const TOP_LEVEL = new Set<FieldName>([
  'name',
  'description',
  'enabled',
  'source',
  'query',
  'export_format',
  'timeout',
  'overlap',
  'reconcile',
  'notify',
]);

/** The form field a server error belongs to (`notify.2` → notify); null when the form has no such field. */
export function fieldOfPath(path: string, form: Pick<SchedulingForm, 'schedule_kind'>): FieldName | null {
  if (FIELD_OF_PATH[path]) return FIELD_OF_PATH[path];
  if (path.startsWith('kafka_config.resume_key.')) return 'resume_key';
  if (path === 'schedule') return form.schedule_kind;
  const head = path.split('.')[0] as FieldName;
  return TOP_LEVEL.has(head) ? head : null;
}

/** Server errors grouped by form field; those of no field go under `other`, to be shown above the form. */
export function placeErrors(details: readonly FieldError[], form: Pick<SchedulingForm, 'schedule_kind'>) {
  const byField: Partial<Record<FieldName, string[]>> = {};
  const other: FieldError[] = [];
  for (const d of details) {
    const field = fieldOfPath(d.path, form);
    if (field) (byField[field] ??= []).push(d.message);
    else other.push(d);
  }
  return { byField, other };
}
