import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { createCsvWriter } from '../../core/files/csv-writer';
import { compactJson, JsonText } from '../../core/json-text';
import { MicroDate, parseIsoDate } from '../../core/micro-date';
import { keyOf, keyParams, ResumeKeyTracker } from '../../core/resume-key';
import { keyText, rowToJson } from '../../core/row-serializer';
import { parseDateAsUtc, parseTimestampAsUtc, parseTimestamptz } from '../../core/sources/postgres-types';

describe('JsonText: JSON columns with every digit', () => {
  it('removes whitespace outside strings and keeps numbers, key order and repeated keys as sent', () => {
    expect(compactJson('{"b": 1, "a" :\n\t[1.0, 1e400, -0, 12345678901234567890] , "b": "x y"}')).toBe(
      '{"b":1,"a":[1.0,1e400,-0,12345678901234567890],"b":"x y"}',
    );
  });

  it('writes each string as JSON.stringify does, so escapes match a parse and stringify', () => {
    const text = '["\\u00e9\\/", "tab\\t \\"q\\" \\\\", "\\ud83c\\udf89", "plain 日本 \u2028", "\\u0000"]';
    expect(compactJson(text)).toBe(JSON.stringify(JSON.parse(text)));
  });

  it('handles a long string without backtracking trouble', () => {
    const long = `{"s": "${'a\\"'.repeat(200_000)}"}`;
    expect(compactJson(long)).toBe(JSON.stringify(JSON.parse(long)));
  });

  it('goes verbatim into a message, a key and a CSV cell; parsed where a row is stringified whole', async () => {
    const json = new JsonText('{"n":12345678901234567890}');
    expect(rowToJson({ j: json })).toBe('{"j":{"n":12345678901234567890}}');
    expect(keyText(json)).toBe('{"n":12345678901234567890}');
    expect(JSON.stringify({ j: json })).toBe('{"j":{"n":12345678901234567000}}');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'src-values-'));
    try {
      const file = path.join(dir, 'a.csv');
      const writer = await createCsvWriter(file, ['j', 'at']);
      await writer.writeRows([{ j: json, at: new MicroDate(Date.UTC(2026, 0, 1), 5) }]);
      await writer.finish();
      expect(parse(fs.readFileSync(file, 'utf8'))).toEqual([
        ['j', 'at'],
        ['{"n":12345678901234567890}', '2026-01-01T00:00:00.000005Z'],
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('MicroDate and the PostgreSQL timestamp parsers', () => {
  it('writes six fractional digits and stays a Date', () => {
    const at = new MicroDate(Date.UTC(2026, 2, 1, 12, 34, 56, 789), 12);
    expect(at).toBeInstanceOf(Date);
    expect(at.toISOString()).toBe('2026-03-01T12:34:56.789012Z');
    expect(JSON.stringify([at])).toBe('["2026-03-01T12:34:56.789012Z"]');
    expect(new MicroDate(Date.UTC(-5, 0, 1), 1).toISOString()).toBe('-000005-01-01T00:00:00.000001Z');
  });

  it('reads timestamp without time zone as UTC with its microseconds, before 1970 too', () => {
    expect((parseTimestampAsUtc('2026-03-01 12:34:56.789012') as Date).toISOString()).toBe(
      '2026-03-01T12:34:56.789012Z',
    );
    expect((parseTimestampAsUtc('1969-12-31 23:59:59.999999') as Date).toISOString()).toBe(
      '1969-12-31T23:59:59.999999Z',
    );
    expect((parseTimestampAsUtc('0044-03-15 00:00:00') as Date).toISOString()).toBe('0044-03-15T00:00:00.000000Z');
    expect(parseTimestampAsUtc('infinity')).toBe('infinity');
    expect(parseTimestampAsUtc('0001-01-01 00:00:00 BC')).toBe('0001-01-01 00:00:00 BC');
    expect((parseDateAsUtc('2026-03-01') as Date).toISOString()).toBe('2026-03-01T00:00:00.000Z');
  });

  it('reads timestamptz with offsets in hours, minutes and seconds, keeping microseconds', () => {
    expect((parseTimestamptz('2026-03-01 12:34:56.000001+05:30') as Date).toISOString()).toBe(
      '2026-03-01T07:04:56.000001Z',
    );
    expect((parseTimestamptz('2026-03-01 00:00:00-08') as Date).toISOString()).toBe('2026-03-01T08:00:00.000000Z');
    // Local mean time offsets (before 1900 in many zones) have seconds.
    expect((parseTimestamptz('1890-01-01 00:00:00.5+00:19:32') as Date).toISOString()).toBe(
      '1889-12-31T23:40:28.500000Z',
    );
    // What a Date cannot hold goes to pg's own parser, as before.
    expect(parseTimestamptz('infinity')).toBe(Infinity);
    expect(parseTimestamptz('0001-01-01 00:00:00+00 BC')).toBeInstanceOf(Date);
  });

  it('reads a checkpointed key back with its microseconds', () => {
    const back = parseIsoDate('2026-01-01T00:00:00.000001Z');
    expect(back).toBeInstanceOf(MicroDate);
    expect(back.toISOString()).toBe('2026-01-01T00:00:00.000001Z');
    expect(parseIsoDate('2026-01-01T00:00:00.123Z')).not.toBeInstanceOf(MicroDate);
    expect(parseIsoDate('2026-01-01T00:00:00.123Z').toISOString()).toBe('2026-01-01T00:00:00.123Z');
  });

  it('orders resume keys by microseconds within a millisecond', () => {
    const ms = Date.UTC(2026, 0, 1);
    const rows = [1, 2, 3].map((micros) => ({ at: new MicroDate(ms, micros) }));
    const checkpoint = JSON.parse(JSON.stringify(keyOf(rows[0] as { at: Date }, ['at'], 's'))) as ReturnType<
      typeof keyOf
    >;
    expect(keyParams(checkpoint)[0]).toEqual(rows[0]?.at);
    const tracker = new ResumeKeyTracker(['at'], 's', checkpoint);
    tracker.check(rows[1] as { at: Date });
    tracker.check(rows[2] as { at: Date });
    expect(() => tracker.check(rows[1] as { at: Date })).toThrow(/goes backwards/);
    expect(() => new ResumeKeyTracker(['at'], 's', checkpoint).check(rows[0] as { at: Date })).toThrow(/is not unique/);
  });
});
