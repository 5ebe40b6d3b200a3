import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { FileValueError } from '../../core/errors';
import { createCsvWriter } from '../../core/files/csv-writer';
import { numberedPath, publishFile, temporaryPathFor } from '../../core/files/publish';
import { createXlsxWriter, EXCEL_MAX_CELL_CHARS, EXCEL_MAX_ROWS, zipInputOf } from '../../core/files/xlsx-writer';

describe('file writers', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pstt-writers-'));
  let n = 0;
  const tempFile = (ext: string) => path.join(dir, `t${++n}${ext}`);

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('CSV', () => {
    it('writes a header and the values through the value policy', async () => {
      const file = tempFile('.csv');
      const writer = await createCsvWriter(file, ['id', 'Name', 'at', 'bin', 'ok', 'none', 'json', 'big']);
      await writer.writeRows([
        {
          id: 1n,
          Name: 'a, "quoted"\nline',
          at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
          bin: Buffer.from('hi'),
          ok: true,
          none: null,
          json: { a: [1] },
          big: 9007199254740993n,
        },
      ]);
      const { bytes, rows } = await writer.finish();
      const text = fs.readFileSync(file, 'utf8');
      expect(bytes).toBe(Buffer.byteLength(text));
      // Data rows only: the header is not one (what a run reconciles against the rows read).
      expect(rows).toBe(1);
      expect(parse(text)).toEqual([
        ['id', 'Name', 'at', 'bin', 'ok', 'none', 'json', 'big'],
        ['1', 'a, "quoted"\nline', '2026-01-02T03:04:05.000Z', 'aGk=', 'true', '', '{"a":[1]}', '9007199254740993'],
      ]);
    });

    it('honours the delimiter, no header and the BOM', async () => {
      const file = tempFile('.csv');
      const writer = await createCsvWriter(file, ['a', 'b'], { delimiter: ';', header: false, bom: true });
      await writer.writeRows([{ a: 'x;y', b: 2 }]);
      await writer.finish();
      expect(fs.readFileSync(file, 'utf8')).toBe('\ufeff"x;y";2\n');
    });

    it('refuses to open an existing file, and abort deletes what it wrote', async () => {
      const file = tempFile('.csv');
      fs.writeFileSync(file, 'old');
      await expect(createCsvWriter(file, ['a'])).rejects.toThrow(/EEXIST/);
      const other = tempFile('.csv');
      const writer = await createCsvWriter(other, ['a']);
      await writer.writeRows([{ a: 1 }]);
      await writer.abort();
      await writer.abort();
      expect(fs.existsSync(other)).toBe(false);
    });

    it('names the column and row of a value that has no text form', async () => {
      const writer = await createCsvWriter(tempFile('.csv'), ['a', 'b']);
      const rows = [
        { a: 1, b: 2 },
        { a: 1, b: Symbol('x') },
      ];
      const error = await writer.writeRows(rows).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(FileValueError);
      expect(error).toMatchObject({ column: 'b', row: 2 });
      expect((error as Error).message).toMatch(/column "b" of row 2/);
      await writer.abort();
    });
  });

  describe('XLSX', () => {
    async function readBack(file: string): Promise<ExcelJS.Workbook> {
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.readFile(file);
      return workbook;
    }

    it("uses Excel's row limit, header row included, by default", () => {
      expect(EXCEL_MAX_ROWS).toBe(1_048_576);
    });

    it('types cells: numbers, booleans, UTC dates, text, empty NULL', async () => {
      const file = tempFile('.xlsx');
      const writer = await createXlsxWriter(file, ['n', 'f', 'b', 'd', 's', 'none', 'big'], { sheetName: 'Data' });
      const at = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
      await writer.writeRows([{ n: 42n, f: 1.5, b: false, d: at, s: '=1+1', none: null, big: 9007199254740993n }]);
      const result = await writer.finish();
      expect(result).toEqual({ bytes: fs.statSync(file).size, sheets: 1, rows: 1 });

      const sheet = (await readBack(file)).worksheets[0]!;
      expect(sheet.name).toBe('Data');
      expect(sheet.getRow(1).values).toEqual([undefined, 'n', 'f', 'b', 'd', 's', 'none', 'big']);
      const row = sheet.getRow(2);
      expect(row.getCell(1).value).toBe(42);
      expect(row.getCell(2).value).toBe(1.5);
      expect(row.getCell(3).value).toBe(false);
      expect(row.getCell(4).value).toEqual(at);
      expect(row.getCell(4).numFmt).toBe('yyyy-mm-dd hh:mm:ss.000');
      expect(row.getCell(5).value).toBe('=1+1');
      expect(row.getCell(6).value).toBeNull();
      expect(row.getCell(7).value).toBe('9007199254740993');
    });

    it('rolls over to "<name> (2)", "(3)"... with a header on each sheet', async () => {
      const file = tempFile('.xlsx');
      const writer = await createXlsxWriter(file, ['id'], { sheetName: 'Orders', maxRowsPerSheet: 4 });
      // 3 data rows per sheet: 7 rows make 3 sheets; exactly 6 would make 2, never an empty third.
      await writer.writeRows(Array.from({ length: 7 }, (_, i) => ({ id: i + 1 })));
      expect(await writer.finish()).toMatchObject({ sheets: 3, rows: 7 });

      const workbook = await readBack(file);
      expect(workbook.worksheets.map((s) => s.name)).toEqual(['Orders', 'Orders (2)', 'Orders (3)']);
      const sheetValues = workbook.worksheets.map((s) =>
        s
          .getSheetValues()
          .slice(1)
          .map((r) => (r as ExcelJS.CellValue[])[1]),
      );
      expect(sheetValues).toEqual([
        ['id', 1, 2, 3],
        ['id', 4, 5, 6],
        ['id', 7],
      ]);
    });

    it('makes one sheet when the rows fill it exactly', async () => {
      const writer = await createXlsxWriter(tempFile('.xlsx'), ['id'], { maxRowsPerSheet: 4 });
      await writer.writeRows([{ id: 1 }, { id: 2 }, { id: 3 }]);
      expect((await writer.finish()).sheets).toBe(1);
    });

    it('takes a column list from another realm, as native drivers under jest give', async () => {
      const file = tempFile('.xlsx');
      const foreignColumns = vm.runInNewContext('["id", "name"]') as string[];
      expect(foreignColumns).not.toBeInstanceOf(Array);
      const writer = await createXlsxWriter(file, foreignColumns);
      await writer.writeRows([{ id: 1, name: 'a' }]);
      await writer.finish();
      expect((await readBack(file)).worksheets[0]!.getRow(2).values).toEqual([undefined, 1, 'a']);
    });

    it('keeps the zip in step with the rows instead of buffering the sheet in memory', async () => {
      const file = tempFile('.xlsx');
      const writer = await createXlsxWriter(file, ['id', 'name', 'amount']);
      for (let chunk = 0; chunk < 20; chunk++) {
        const rows = Array.from({ length: 1000 }, (_, i) => ({ id: chunk * 1000 + i, name: `c-${i}`, amount: i / 7 }));
        await writer.writeRows(rows);
      }
      // Without waiting for the zip, about a tenth of the file is on disk at this point; the rest sits in memory.
      const onDiskBeforeFinish = fs.statSync(file).size;
      const { bytes } = await writer.finish();
      expect(onDiskBeforeFinish / bytes).toBeGreaterThan(0.5);
    });

    it('finds the exceljs internals it waits on (pinned exceljs version)', () => {
      const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({});
      const sheet = workbook.addWorksheet('x');
      sheet.addRow([1]).commit();
      expect(typeof zipInputOf(sheet)?._writableState?.needDrain).toBe('boolean');
    });

    it('fails on a text longer than a cell holds instead of cutting it', async () => {
      const file = tempFile('.xlsx');
      const writer = await createXlsxWriter(file, ['s']);
      await expect(writer.writeRows([{ s: 'x'.repeat(EXCEL_MAX_CELL_CHARS + 1) }])).rejects.toThrow(FileValueError);
      await writer.abort();
      expect(fs.existsSync(file)).toBe(false);
    });
  });

  describe('publishing', () => {
    it('puts the temporary file next to the final one, hidden', () => {
      const temp = temporaryPathFor('/out/report.csv');
      expect(path.dirname(temp)).toBe('/out');
      expect(path.basename(temp)).toMatch(/^\.report\.csv\.[0-9a-f]{12}\.partial$/);
    });

    it('numbers alternatives before the extension', () => {
      expect(numberedPath('/out/report.csv', 0)).toBe('/out/report.csv');
      expect(numberedPath('/out/report.v2.xlsx', 3)).toBe('/out/report.v2_3.xlsx');
    });

    it('never replaces an existing file', async () => {
      const final = path.join(dir, 'published.csv');
      fs.writeFileSync(final, 'first');
      fs.writeFileSync(numberedPath(final, 1), 'second');
      const temp = temporaryPathFor(final);
      fs.writeFileSync(temp, 'third');
      await expect(publishFile(temp, final)).resolves.toBe(numberedPath(final, 2));
      expect(fs.readFileSync(final, 'utf8')).toBe('first');
      expect(fs.readFileSync(numberedPath(final, 1), 'utf8')).toBe('second');
      expect(fs.readFileSync(numberedPath(final, 2), 'utf8')).toBe('third');
      expect(fs.existsSync(temp)).toBe(false);
    });
  });
});
