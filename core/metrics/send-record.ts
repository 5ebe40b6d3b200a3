/** One producer send, as the metrics store records it (from export runs and from /api/kafka/send). */
export interface SendRecord {
  at: Date;
  topic: string;
  /** Scheduling the send belongs to; null for ad-hoc sends. */
  scheduling: string | null;
  messages: number;
  bytes: number;
  latencyMs: number;
  success: boolean;
  error: string | null;
}

/** Receives every send; must never throw nor block the export (the store buffers). */
export type SendObserver = (record: SendRecord) => void;

export const ignoreSends: SendObserver = () => undefined;
