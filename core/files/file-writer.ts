import fs from 'node:fs';
import { once } from 'node:events';
import { FileValueError } from '../errors';
import { jsonTextOf } from '../json-text';
import { toJsonValue, type Row } from '../row-serializer';

/** What a finished file holds. */
export interface FileWriteResult {
  /** Size of the file. */
  bytes: number;
  /** Sheets written (XLSX only). */
  sheets?: number;
  /** Data rows the writer put in the file (headers not counted): the file side of a run's reconciliation. */
  rows: number;
}

/**
 * Writes the rows of one export to a temporary file. Rows go in as they come (memory stays flat);
 * the caller publishes the file after `finish()`, or calls `abort()` on any failure.
 */
export interface FileWriter {
  /** Appends rows; resolves when the file can take more (backpressure). */
  writeRows(rows: Row[]): Promise<void>;
  /** Completes and closes the file. */
  finish(): Promise<FileWriteResult>;
  /** Closes the file and deletes it; safe to call twice and after a failed `finish()`. */
  abort(): Promise<void>;
}

/** Creates `file` for writing, failing when it exists; resolves once it is open. */
export async function openNewFile(file: string): Promise<fs.WriteStream> {
  const stream = fs.createWriteStream(file, { flags: 'wx' });
  await once(stream, 'open');
  return stream;
}

/** Closes `stream` without finishing it and deletes its file. */
export async function discardFile(stream: fs.WriteStream, file: string): Promise<void> {
  if (!stream.closed) {
    // Writes still pending fail with ERR_STREAM_DESTROYED: expected here, not an error to report.
    stream.on('error', () => {});
    await new Promise<void>((resolve) => {
      stream.once('close', () => resolve());
      stream.destroy();
    });
  }
  await fs.promises.rm(file, { force: true });
}

/**
 * A value through the JSON value policy (`toJsonValue`): text, number, boolean, null, or a JSON
 * column's object. Failures name the column and the row.
 */
export function policyValue(value: unknown, column: string, rowNumber: number): string | number | boolean | null {
  try {
    const json = toJsonValue(value);
    if (json === null || typeof json === 'string' || typeof json === 'number' || typeof json === 'boolean') return json;
    return jsonTextOf(json) ?? null;
  } catch (err) {
    throw new FileValueError(column, rowNumber, (err as Error).message);
  }
}
