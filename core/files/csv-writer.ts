import { once } from 'node:events';
import { stringify } from 'csv-stringify/sync';
import type { Row } from '../row-serializer';
import { discardFile, openNewFile, policyValue, type FileWriter } from './file-writer';
import { guardFormula } from './formula-guard';

export interface CsvWriterOptions {
  /** Field delimiter, one character. @default "," */
  delimiter?: string;
  /** Write a first line with the column names as the query returns them. @default true */
  header?: boolean;
  /** Start the file with a UTF-8 byte order mark, so that Excel on Windows reads it as UTF-8. @default false */
  bom?: boolean;
  /** Prefix `'` to text cells a spreadsheet would run as formulas (see `guardFormula`). @default true */
  formulaGuard?: boolean;
}

const BOM = '\ufeff';

/** The CSV text of an export: its head (BOM, header line) and the lines of its rows, as the writer writes them. */
export interface CsvFormat {
  /** BOM and header line, as configured; possibly empty. */
  readonly head: string;
  /** The lines of `rows`, the first being row number `firstRow` (1-based, for errors). */
  lines(rows: Row[], firstRow: number): string;
}

/** Formats CSV by the options (see `createCsvWriter`); the file preview uses it too. */
export function csvFormat(columns: readonly string[], options: CsvWriterOptions = {}): CsvFormat {
  const delimiter = options.delimiter ?? ',';
  const guard = options.formulaGuard ?? true;
  const cell = (value: string | number | boolean | null) =>
    guard && typeof value === 'string' ? guardFormula(value) : value;
  const format = (records: (string | number | boolean | null)[][]): string =>
    stringify(records, { delimiter, cast: { boolean: (value) => String(value) } });
  let head = options.bom ? BOM : '';
  if (options.header ?? true) head += format([columns.map(cell)]);
  return {
    head,
    lines: (rows, firstRow) =>
      rows.length
        ? format(rows.map((row, i) => columns.map((column) => cell(policyValue(row[column], column, firstRow + i)))))
        : '',
  };
}

/**
 * Opens a CSV writer on `tempPath` (which must not exist). Values go through the JSON value policy:
 * NULL is an empty field, dates ISO-8601 UTC, binary base64, booleans `true`/`false`, JSON columns
 * their JSON text. Fields holding the delimiter, quotes or line breaks are quoted (RFC 4180); lines
 * end with `\n`. Each chunk of rows is formatted, then written with the file stream's backpressure.
 * With `formulaGuard`, text cells (the header's too) that start like a formula get a leading `'`.
 */
export async function createCsvWriter(
  tempPath: string,
  columns: readonly string[],
  options: CsvWriterOptions = {},
): Promise<FileWriter> {
  const csv = csvFormat(columns, options);
  const file = await openNewFile(tempPath);
  let failure: Error | undefined;
  // Without a listener a write error would crash the process; it surfaces at the next call instead.
  file.on('error', (err) => (failure ??= err));
  let rowsWritten = 0;

  const write = async (text: string): Promise<void> => {
    if (failure) throw failure;
    if (!file.write(text)) await once(file, 'drain');
  };
  if (csv.head) await write(csv.head);

  return {
    async writeRows(rows: Row[]): Promise<void> {
      const text = csv.lines(rows, rowsWritten + 1);
      rowsWritten += rows.length;
      if (text) await write(text);
    },

    async finish() {
      if (failure) throw failure;
      await new Promise<void>((resolve, reject) => file.end((err?: Error | null) => (err ? reject(err) : resolve())));
      if (!file.closed) await once(file, 'close');
      return { bytes: file.bytesWritten, rows: rowsWritten };
    },

    async abort(): Promise<void> {
      await discardFile(file, tempPath);
    },
  };
}
