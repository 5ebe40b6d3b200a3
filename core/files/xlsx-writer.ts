import { EventEmitter, once } from 'node:events';
import type ExcelJS from 'exceljs';
import { FileValueError } from '../errors';
import type { Row } from '../row-serializer';
import { discardFile, openNewFile, policyValue, type FileWriter } from './file-writer';

/** Rows of one Excel sheet, its header row included. */
export const EXCEL_MAX_ROWS = 1_048_576;
/** Characters of one Excel cell. */
export const EXCEL_MAX_CELL_CHARS = 32_767;
/**
 * exceljs adds ~25 MB to a process once loaded, more than a third of what the worker's export path
 * needs: it is loaded at the first Excel export, not at the worker's start.
 */
function loadExcelJs(): typeof ExcelJS {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('exceljs') as typeof ExcelJS;
}

/** Characters of an Excel sheet name. */
const EXCEL_MAX_SHEET_NAME = 31;
/** How dates are shown: UTC wall-clock time (Excel dates have no time zone). */
export const XLSX_DATE_FORMAT = 'yyyy-mm-dd hh:mm:ss.000';

export interface XlsxWriterOptions {
  /** Name of the first sheet; later sheets get " (2)", " (3)"... @default "Export" */
  sheetName?: string;
  /**
   * Rows per sheet, header row included, before rolling over to a new sheet.
   * @internal tests lower it to exercise rolling without a million rows.
   * @default EXCEL_MAX_ROWS (1,048,576)
   */
  maxRowsPerSheet?: number;
}

/**
 * Opens an XLSX writer on `tempPath` (which must not exist), streaming with exceljs's
 * `WorkbookWriter`: each row is committed as it is added, shared strings are off, and each chunk
 * waits for the zip to take it (exceljs itself would buffer a whole sheet when the source is faster
 * than compression), so memory stays flat. Every sheet starts with a bold, frozen header row.
 *
 * Cell types: numbers (and integers within 2^53) are numbers, booleans booleans, dates real Excel
 * dates in UTC shown as `yyyy-mm-dd hh:mm:ss.000`, NULL an empty cell; everything else is text by
 * the JSON value policy (big integers and DECIMALs as the drivers give them, binary as base64,
 * JSON columns as JSON text). A text over 32,767 characters fails the export (`FileValueError`)
 * rather than being cut.
 */
export async function createXlsxWriter(
  tempPath: string,
  columns: readonly string[],
  options: XlsxWriterOptions = {},
): Promise<FileWriter> {
  const baseName = options.sheetName ?? 'Export';
  const maxRows = options.maxRowsPerSheet ?? EXCEL_MAX_ROWS;
  if (!Number.isInteger(maxRows) || maxRows < 2) {
    throw new RangeError('maxRowsPerSheet must be an integer of at least 2');
  }

  const file = await openNewFile(tempPath);
  const workbook = new (loadExcelJs().stream.xlsx.WorkbookWriter)({
    stream: file,
    useStyles: true,
    useSharedStrings: false,
  });
  let failure: Error | undefined;
  let failed!: (err: Error) => void;
  const failedPromise = new Promise<never>((_, reject) => (failed = reject));
  failedPromise.catch(() => {});
  // Without listeners an error of the file or of the zip would crash the process; it fails the next call instead.
  const onError = (err: Error): void => {
    failure ??= err;
    failed(err);
  };
  file.on('error', onError);
  zipOf(workbook)?.on('error', onError);
  let sheets = 0;
  let rowsInSheet = 0;
  let rowsWritten = 0;

  const startSheet = (previous?: ExcelJS.Worksheet): ExcelJS.Worksheet => {
    // A sheet's XML must be complete before the zip moves on to the next one, or the next one is buffered.
    previous?.commit();
    sheets += 1;
    const suffix = sheets === 1 ? '' : ` (${sheets})`;
    const name = baseName.slice(0, EXCEL_MAX_SHEET_NAME - suffix.length) + suffix;
    const next = workbook.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1 }] });
    const header = next.addRow([...columns]);
    header.font = { bold: true };
    header.commit();
    rowsInSheet = 1;
    return next;
  };
  let sheet = startSheet();

  return {
    async writeRows(rows: Row[]): Promise<void> {
      if (failure) throw failure;
      for (const row of rows) {
        if (rowsInSheet >= maxRows) sheet = startSheet(sheet);
        rowsWritten += 1;
        // Array.from, not columns.map: exceljs tests `instanceof Array`, and a native driver's column list can
        // come from another realm (better-sqlite3 under jest's VM), whose arrays exceljs would take for objects.
        const values = Array.from(columns, (column) => cellValue(row[column], column, rowsWritten));
        const added = sheet.addRow(values);
        values.forEach((value, i) => {
          if (value instanceof Date) added.getCell(i + 1).numFmt = XLSX_DATE_FORMAT;
        });
        added.commit();
        rowsInSheet += 1;
      }
      // exceljs ignores the zip's backpressure: without this wait a fast source buffers the whole sheet.
      const zipInput = zipInputOf(sheet);
      if (zipInput?._writableState?.needDrain) await Promise.race([once(zipInput, 'drain'), failedPromise]);
    },

    async finish() {
      if (failure) throw failure;
      await workbook.commit();
      if (!file.closed) await once(file, 'close');
      return { bytes: file.bytesWritten, sheets, rows: rowsWritten };
    },

    async abort(): Promise<void> {
      await discardFile(file, tempPath);
    },
  };
}

function cellValue(value: unknown, column: string, rowNumber: number): ExcelJS.CellValue {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new FileValueError(column, rowNumber, 'invalid date');
    return value;
  }
  const policy = policyValue(value, column, rowNumber);
  if (typeof policy === 'string' && policy.length > EXCEL_MAX_CELL_CHARS) {
    throw new FileValueError(
      column,
      rowNumber,
      `${policy.length} characters, over the ${EXCEL_MAX_CELL_CHARS} an Excel cell holds (export it as CSV instead)`,
    );
  }
  return policy;
}

/**
 * exceljs 4.4.0 internals this writer relies on (the version is pinned; unit tests check both):
 * a `WorksheetWriter`'s `stream` is a StreamBuf whose one pipe is the zip's input stream for that
 * sheet (a readable-stream 2 PassThrough), and a `WorkbookWriter`'s `zip` is its archiver, whose
 * 'error' event exceljs listens to only during `commit()`.
 */
interface ZipInput extends NodeJS.EventEmitter {
  _writableState?: { needDrain?: boolean; length?: number };
}

/** The stream exceljs writes a sheet's XML into, towards the zip. */
export function zipInputOf(sheet: ExcelJS.Worksheet): ZipInput | undefined {
  const pipes = (sheet as unknown as { stream?: { pipes?: unknown } }).stream?.pipes;
  const input: unknown = Array.isArray(pipes) ? pipes[0] : undefined;
  return input instanceof EventEmitter ? (input as ZipInput) : undefined;
}

function zipOf(workbook: ExcelJS.stream.xlsx.WorkbookWriter): NodeJS.EventEmitter | undefined {
  const zip: unknown = (workbook as unknown as { zip?: unknown }).zip;
  return zip instanceof EventEmitter ? zip : undefined;
}
