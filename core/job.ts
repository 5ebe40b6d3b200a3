import type { Scheduling } from './scheduling';

/**
 * What one `exportJob` run carries through workflow history: the scheduling's spec (no
 * secrets: sources are referenced by name) and counts. Never rows.
 */
export interface ExportJobInput {
  scheduling: Scheduling;
}

/** Counts of one finished export. */
export interface ExportResult {
  rows: number;
  messages: number;
  batches: number;
  bytes: number;
  durationMs: number;
}

/** Progress an export activity heartbeats, and resumes from on retry. */
export interface ExportProgress {
  rowsAcked: number;
  messages: number;
  batches: number;
  bytes: number;
}

export const EXPORT_WORKFLOW_TYPE = 'exportJob';
