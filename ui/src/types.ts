/** Shapes of the API's answers, taken from the server's own types (type-only: nothing of the server is bundled). */
export type { RunView, RunStatus } from '../../api/run-status';
export type { RunningView, SchedulingView } from '../../api/scheduler-service';
export type { KafkaHealthReport } from '../../api/kafka-health';
export type { SessionView } from '../../api/routes/session-routes';
export type { HourlyPoint, MetricsSummary } from '../../core/metrics/metrics-store';
export type { Scheduling, SchedulingInput, ExportFormat } from '../../core/scheduling';
export type { Role } from '../../api/auth';

/** A field error of a 400 answer: `path` is dotted (`schedule.cron`, `kafka_config.topic`). */
export interface FieldError {
  path: string;
  message: string;
}
export type { SchedulingPreview } from '../../core/preview/scheduling-preview';
