/**
 * The API's contract: the JSON shapes its routes answer with, and the one server file the operator
 * pages (ui/src) may import. Types only from elsewhere, so nothing of the server is bundled into the
 * pages; the run statuses and export formats are the runtime values, shared by the routes' validation and the pages.
 */
import type { Scheduling } from '../core/scheduling';

export type { Scheduling, SchedulingInput } from '../core/scheduling';
// A plain list (no zod), so the pages can bundle it.
export { EXPORT_FORMATS, type ExportFormat } from '../core/export-formats';
export type { HourlyPoint, MetricsSummary } from '../core/metrics/metrics-store';
export type { SchedulingPreview } from '../core/preview/scheduling-preview';

/** What a token may do: `read` < `operate` < `admin`. */
export type Role = 'read' | 'operate' | 'admin';

/** One SLA figure's colours: below `target` (success rate) or at/above it (latency), warning, critical. */
export interface SlaLevelsView {
  target: number;
  warning: number;
  critical: number;
}

/**
 * What the UI learns at sign-in: the token's role (buttons it may press), the sources a scheduling may
 * name, and the thresholds the dashboard colours today's figures by (the alerts' own, ALERT_*).
 */
export interface SessionView {
  role: Role;
  sources: string[];
  sla: { success_rate: SlaLevelsView; p99_latency_ms: SlaLevelsView };
}

/** A field error of a 400 answer: `path` is dotted (`schedule.cron`, `kafka_config.topic`). */
export interface FieldError {
  path: string;
  message: string;
}

/** `suspect`: completed, but the run's counts disagree (see `Reconciliation`); Temporal shows it Completed. */
export const RUN_STATUSES = ['success', 'suspect', 'error', 'running', 'cancelled', 'timeout'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** A scheduling as `/api/scheduler/scheduling` shows it. */
export type SchedulingView = Scheduling & {
  next_run_times: string[];
  last_run: { workflow_id: string; scheduled_at: string; started_at: string } | null;
  pause_note: string | null;
};

/** What "run now" answers: the run it started, or that the run waits behind the one going. */
export type RunNowView =
  { workflow_id: string; buffered: false } | { workflow_id: null; buffered: true; running_workflow_id: string };

/** What a backfill request answers: the window Temporal was asked to run, and how its runs overlap (see backfillOverlapOf). */
export interface BackfillView {
  scheduling: string;
  from: string;
  to: string;
  overlap: 'allow_all' | 'buffer_all';
}

/** One run as `/api/scheduler/history` shows it (the runbook's field names). */
export interface RunView {
  run_id: string;
  workflow_id: string;
  scheduling_name: string | null;
  export_format: string | null;
  status: RunStatus;
  /** The time the run exports for (`:scheduled_time`): the schedule's, the backfilled one, or the start for "run now". */
  scheduled_time: string | null;
  /** Started by a backfill request (POST /api/scheduler/scheduling/:name/backfill). */
  backfill: boolean;
  start_time: string;
  end_time: string | null;
  duration_ms: number | null;
  rows: number | null;
  messages: number | null;
  attempts: number | null;
  error_message: string | null;
  /** Rows read from the source; null for runs recorded before reconciliation and unfinished runs. */
  rows_read: number | null;
  /** Rows Kafka acknowledged or the file received. */
  rows_delivered: number | null;
  /** The query's COUNT(*), with `reconcile: count`. */
  query_count: number | null;
  /** Why the run is suspect; null otherwise. */
  suspect_reason: string | null;
  /** This run's page in the Temporal Web UI. */
  web_ui_url: string;
}

/** A running run plus its progress, read from the export activity's latest checkpoint. */
export interface RunningView extends RunView {
  progress: { rows: number; messages: number; rows_per_s: number; attempt: number };
}

/** `/api/kafka/health` (admins see `last_error`; others get it without). */
export interface KafkaHealthReport {
  status: 'healthy' | 'degraded' | 'unhealthy';
  connected: boolean;
  producer_ready: boolean;
  brokers: number;
  last_error: string | null;
  checked_at: string;
}
