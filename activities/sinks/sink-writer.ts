import type { Row } from '../../core/row-serializer';
import type { RowValues } from '../../core/row-values';
import type { SinkManifest } from '../../core/sinks/manifest';

/** One sink of a run with several (export-to-sinks.ts): takes every row of the one query, in order. */
export interface SinkWriter {
  /** `sinks.1 (csv)`. */
  readonly label: string;
  /** Takes the next rows, as values and as row objects (the same rows). */
  write(values: readonly RowValues[], rows: readonly Row[]): Promise<void>;
  /** After the last row: completes what the sink holds (a file is finished, not yet published). */
  finish(): Promise<void>;
  /** Once every sink has finished: makes the sink's output visible (a file's rename) and says what it holds. */
  publish(): Promise<SinkManifest>;
  /** Releases what the sink holds after a failure; a file sink deletes its temporary file. */
  abort(): Promise<void>;
}
