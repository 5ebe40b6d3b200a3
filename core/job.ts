import type { Reconciliation } from './reconcile';
import type { KeyValue } from './resume-key';
import type { ExportFormat, Scheduling } from './scheduling';
import type { SinkManifest } from './sinks/manifest';

/**
 * What one `exportJob` run carries through workflow history: the scheduling's spec (no
 * secrets: sources are referenced by name), times and counts. Never rows.
 */
export interface ExportJobInput {
  scheduling: Scheduling;
}

/** What an export activity receives from the workflow; `S` the variant of the model the export runs on. */
export interface ExportActivityInput<S extends Scheduling = Scheduling> {
  scheduling: S;
  /** This run's scheduled time (ISO-8601), bound as `:scheduled_time`. */
  scheduledTime: string;
  /** The previous successful run's scheduled time (ISO-8601) or null, bound as `:last_success_time`. */
  lastSuccessTime: string | null;
  /**
   * Incremental mode: the high-water mark `(column, ...key)` the previous successful run of this scheduling,
   * task queue and workflow type ended at; null for the first run (which starts at `incremental.initial`).
   */
  watermark?: KeyValue[] | null;
}

/** Counts of one finished export. */
export interface ExportResult {
  /** Rows read from the source. */
  rows: number;
  /** Kafka messages acknowledged (0 for file exports). */
  messages: number;
  /** Producer sends (Kafka) or sheets (Excel) or 1 (CSV). */
  batches: number;
  /** Bytes of the messages (keys and values) or of the file. */
  bytes: number;
  durationMs: number;
  /** Attempt of the activity that finished the export (1 when no retry was needed). */
  attempts: number;
  /** Final path of the written file (csv, excel). */
  file?: string;
  /**
   * True when a retried Kafka export found the rows it had sent no longer first in the result set
   * (rows deleted or reordered, and no `resume_key`) and sent everything again: duplicates, never a
   * gap.
   */
  startedOver?: boolean;
  /** Rows read against rows delivered (and the query's count with `reconcile: count`); absent from older workers' results. */
  reconciliation?: Reconciliation;
  /**
   * Incremental mode: the `(column, ...key)` of the last row exported, or the watermark the run started
   * from when it exported none (null when there was none either). The next run starts after it.
   */
  watermark?: KeyValue[] | null;
  /** A run with `sinks`: what each sink received, in the order of `sinks`. */
  sinks?: SinkManifest[];
}

/** Progress an export activity heartbeats, and resumes from on retry. */
export interface ExportProgress {
  /** Rows the destination has durably taken (acknowledged by Kafka). */
  rowsAcked: number;
  messages: number;
  batches: number;
  bytes: number;
  /** The `resume_key` tuple of the last acknowledged row (with a resume key). */
  lastKey?: KeyValue[];
  /** Fingerprint of the last acknowledged row, which a count-based resume checks (without a resume key). */
  lastRowHash?: string;
  /** Set once an attempt has started over; kept so that the run's result says so. */
  startedOver?: boolean;
  /** Exactly-once: the run's last transaction, with every row, has committed. */
  done?: boolean;
}

/** What a finished run leaves in its memo (`RUN_MEMO_KEY`; null where unknown, e.g. counts of a failed run). */
export interface RunMemo {
  rows: number | null;
  messages: number | null;
  bytes: number | null;
  duration_ms: number | null;
  attempts: number | null;
  error_message: string | null;
  /** Rows read from the source (absent from runs recorded before reconciliation). */
  rows_read?: number | null;
  /** Rows Kafka acknowledged or the file received. */
  rows_delivered?: number | null;
  /** The query's COUNT(*) with `reconcile: count`. */
  query_count?: number | null;
  /** The run completed but its counts disagree (see `Reconciliation`). */
  suspect?: boolean;
  /** Why it is suspect. */
  suspect_reason?: string | null;
  /** Incremental mode: the high-water mark the run ended at (ExportResult.watermark); absent otherwise. */
  watermark?: KeyValue[] | null;
  /** The columns of `watermark`, `(incremental.column, ...incremental.key)` when it was recorded. */
  watermark_columns?: string[];
}

/**
 * What the failure notification of a run carries through workflow history: names, the error and ids (no
 * secrets, no rows). The activity adds the Temporal Web UI link from the worker's config.
 */
export interface RunFailureNotice {
  /** `suspect`: the run completed but its counts disagree (`error_message` says how). @default "failure" */
  kind?: 'failure' | 'suspect';
  scheduling_name: string;
  export_format: ExportFormat;
  /** The scheduling's `notify` list; empty means SMTP_TO. */
  notify: string[];
  error_message: string;
  /** Type of the root failure (e.g. `MissingKeyFieldError`), when it has one. */
  error_type: string | null;
  /** Attempts made by the activity that failed; null when unknown. */
  attempts: number | null;
  workflow_id: string;
  run_id: string;
  namespace: string;
  /** When the run failed (workflow time), ISO-8601. */
  failed_at: string;
}
