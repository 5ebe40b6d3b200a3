/** Shapes of the API's answers, from the server's contract (type-only: nothing of the server is bundled). */
export type {
  ExportFormat,
  FieldError,
  HourlyPoint,
  KafkaHealthReport,
  MetricsSummary,
  Role,
  RunningView,
  RunStatus,
  RunView,
  Scheduling,
  SchedulingInput,
  SchedulingPreview,
  SchedulingView,
  SessionView,
} from '../../api/contract';
