import fs from 'node:fs/promises';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { createCsvWriter } from '../core/files/csv-writer';
import type { FileWriter } from '../core/files/file-writer';
import { renderFileName, timeZoneOf, type FileFormat } from '../core/files/file-name';
import { publishFile, temporaryPathFor } from '../core/files/publish';
import { createXlsxWriter, EXCEL_MAX_ROWS } from '../core/files/xlsx-writer';
import type { ExportActivityInput, ExportResult } from '../core/job';
import { reconcile } from '../core/reconcile';
import { checkRowBudget, rowBudgetBytes } from '../core/row-budget';
import { incrementalKeyOf } from '../core/incremental-key';
import { keyOf, ResumeKeyTracker } from '../core/resume-key';
import type { Row } from '../core/row-serializer';
import type { FileConfig, FileScheduling } from '../core/scheduling';
import type { ActivityDeps } from './deps';
import { startKeepAlive } from './checkpoint';
import { INCREMENTAL_FIELD } from './incremental';
import { openKeyedQuery } from './resume';
import { openRunQuery } from './run-query';

/** What a file export needs of the worker's dependencies (no Kafka). */
export type FileExportDeps = Pick<ActivityDeps, 'config' | 'sources'>;

/** @internal Knobs for tests; the worker uses the defaults. */
export interface FileExportOptions {
  /** Rows read from the source and written per step (and per heartbeat). @default 1000 */
  chunkRows?: number;
  /** Rows per sheet, header included. @default EXCEL_MAX_ROWS */
  maxRowsPerSheet?: number;
}

/** What a file export heartbeats. Only progress for operators: a retry starts over (see below). */
export interface FileExportProgress {
  /** Rows read from the source and handed to the writer. */
  rowsWritten: number;
}

/**
 * Streams a scheduling's rows into a CSV or XLSX file: into a hidden temporary file in the output
 * folder, published under its final name only once complete and synced, with a `_1`, `_2`...
 * suffix rather than replacing an existing file (see `publishFile`). On any failure or
 * cancellation the temporary file is deleted, so no partial file ever appears under a final name.
 *
 * Unlike the Kafka export, a retried attempt starts again from the first row: a half-written file
 * cannot be resumed (the XLSX zip is only valid once finished), and the previous attempt's
 * temporary file was deleted or belongs to a worker that died.
 */
export function makeExportToFile(deps: FileExportDeps, options: FileExportOptions = {}) {
  const chunkRows = options.chunkRows ?? 1000;
  const maxRowsPerSheet = options.maxRowsPerSheet ?? EXCEL_MAX_ROWS;

  return async function exportToFile(input: ExportActivityInput<FileScheduling>): Promise<ExportResult> {
    const ctx = Context.current();
    const { scheduling } = input;
    const fileConfig = scheduling.file_config;
    const format: FileFormat = scheduling.export_format;
    const started = Date.now();
    const fileName = renderFileName(fileConfig.file_name, {
      name: scheduling.name,
      scheduledTime: new Date(input.scheduledTime),
      timeZone: timeZoneOf(scheduling.schedule),
      format,
    });
    const dir = path.resolve(deps.config.baseDir, fileConfig.output_dir);
    await fs.mkdir(dir, { recursive: true });
    const finalPath = path.join(dir, fileName);
    if (ctx.info.attempt > 1) {
      ctx.log.info('file export starts over', { scheduling: scheduling.name, attempt: ctx.info.attempt });
    }

    const progress: FileExportProgress = { rowsWritten: 0 };
    const budget = rowBudgetBytes();
    const stopKeepAlive = startKeepAlive(ctx, () => ({ ...progress }));
    const incrementalKey = scheduling.incremental ? incrementalKeyOf(scheduling.incremental) : null;
    // Incremental: ordered by (column, ...key) and read within its window (incremental.ts).
    const opened = incrementalKey ? openKeyedQuery(deps, input, incrementalKey, null) : openRunQuery(deps, input);
    const cursor = await opened.catch((err: unknown) => {
      stopKeepAlive();
      throw err;
    });
    const tempPath = temporaryPathFor(finalPath);
    let writer: FileWriter | undefined;
    const tracker = incrementalKey
      ? new ResumeKeyTracker(incrementalKey, scheduling.name, null, INCREMENTAL_FIELD)
      : null;
    let lastRow: Row | undefined;
    try {
      writer = await openWriter(format, tempPath, cursor.columns, fileConfig, maxRowsPerSheet);
      for (;;) {
        ctx.cancellationSignal.throwIfAborted();
        const rows = await cursor.read(chunkRows);
        if (rows.length === 0) break;
        checkRowBudget(rows, budget, progress.rowsWritten + 1, () => null);
        if (tracker) for (const row of rows) tracker.check(row);
        lastRow = rows[rows.length - 1];
        await writer.writeRows(rows);
        progress.rowsWritten += rows.length;
        ctx.heartbeat({ ...progress });
      }
      const counted = (await cursor.counted?.()) ?? null;
      // Closed before publishing: a failure once the file is in place would make the retry write a second one.
      await cursor.close();
      const { bytes, sheets, rows: rowsWritten } = await writer.finish();
      ctx.cancellationSignal.throwIfAborted();
      const file = await publishFile(tempPath, finalPath);
      return {
        rows: progress.rowsWritten,
        messages: 0,
        batches: format === 'excel' ? (sheets ?? 1) : 1,
        bytes,
        durationMs: Date.now() - started,
        attempts: ctx.info.attempt,
        file,
        // A retry starts over, so the rows read are this attempt's; the writer counts what it put in the file.
        reconciliation: reconcile(progress.rowsWritten, rowsWritten, counted),
        ...(incrementalKey
          ? { watermark: lastRow ? keyOf(lastRow, incrementalKey, scheduling.name) : (input.watermark ?? null) }
          : {}),
      };
    } catch (err) {
      await discard(writer, tempPath).catch((cleanupErr: unknown) => {
        ctx.log.warn('could not delete temporary file', { file: tempPath, error: String(cleanupErr) });
      });
      throw err;
    } finally {
      stopKeepAlive();
      await cursor.close();
    }
  };
}

export function openWriter(
  format: FileFormat,
  tempPath: string,
  columns: readonly string[],
  fileConfig: FileConfig,
  maxRowsPerSheet: number,
): Promise<FileWriter> {
  return format === 'csv'
    ? createCsvWriter(tempPath, columns, {
        delimiter: fileConfig.delimiter,
        header: fileConfig.header,
        bom: fileConfig.bom,
        formulaGuard: fileConfig.formula_guard,
      })
    : createXlsxWriter(tempPath, columns, { sheetName: fileConfig.sheet_name, maxRowsPerSheet });
}

export async function discard(writer: FileWriter | undefined, tempPath: string): Promise<void> {
  await writer?.abort();
  // Also when the writer never opened, or failed after it closed its file.
  await fs.rm(tempPath, { force: true });
}
