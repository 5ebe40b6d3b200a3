import { MicroDate } from '../../core/micro-date';
import { parseTimestampAsUtc, parseTimestamptz } from '../../core/sources/postgres-types';

/** What parseTimestampAsUtc gave before its character-code path: Date's own arithmetic and formatting. */
function viaDate(text: string): { ms: number; iso: string } {
  const [date, time] = text.split(' ') as [string, string];
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const [clock, fraction = ''] = time.split('.') as [string, string?];
  const [hour, minute, second] = clock.split(':').map(Number) as [number, number, number];
  const at = new Date(0);
  at.setUTCFullYear(year, month - 1, day);
  const ms = at.setUTCHours(hour, minute, second, Number(fraction.padEnd(3, '0').slice(0, 3)));
  const micros = fraction.padEnd(6, '0').slice(3, 6);
  return { ms, iso: `${new Date(ms).toISOString().slice(0, -1)}${micros}Z` };
}

describe('parseTimestampAsUtc: the server’s canonical text read by character codes', () => {
  it.each([
    '2026-01-01 00:01:00',
    '2026-03-01 12:34:56.789012',
    '2026-03-01 12:34:56.5',
    '2024-02-29 23:59:59.000001',
    '1969-12-31 23:59:59.999999',
    '1900-01-01 00:00:00',
    '0001-01-01 00:00:00',
    '0099-12-31 12:00:00.12',
    '9999-12-31 23:59:59.999999',
  ])('%s: the same time and ISO text as through Date', (text) => {
    const parsed = parseTimestampAsUtc(text) as MicroDate;
    const expected = viaDate(text);
    expect(parsed).toBeInstanceOf(MicroDate);
    expect(parsed.getTime()).toBe(expected.ms);
    expect(parsed.toISOString()).toBe(expected.iso);
  });

  it.each(['2023-02-29 00:00:00', '2026-01-01 24:00:00', '2026-13-01 00:00:00', '12026-01-01 00:00:00'])(
    '%s (out of range or another shape): the general path, as before',
    (text) => {
      const expected = viaDate(text);
      expect((parseTimestampAsUtc(text) as Date).toISOString()).toBe(expected.iso);
    },
  );

  it('formats from the time again once the Date is changed', () => {
    const parsed = parseTimestampAsUtc('2026-03-01 12:34:56.789012') as MicroDate;
    parsed.setTime(Date.UTC(2000, 0, 1));
    expect(parsed.toISOString()).toBe('2000-01-01T00:00:00.000012Z');
  });
});

describe('parseTimestamptz: the canonical text with its offset', () => {
  it.each([
    ['2026-03-01 12:34:56.789012+00', '2026-03-01T12:34:56.789012Z'],
    ['2026-03-01 12:34:56+00', '2026-03-01T12:34:56.000000Z'],
    ['2026-03-01 12:34:56.5+02', '2026-03-01T10:34:56.500000Z'],
    ['2026-03-01 00:04:56.000001-03:30', '2026-03-01T03:34:56.000001Z'],
    ['1883-11-18 12:00:00+05:53:28', '1883-11-18T06:06:32.000000Z'],
    ['2026-01-01 00:00:00-00', '2026-01-01T00:00:00.000000Z'],
  ])('%s is the instant %s', (text, iso) => {
    const parsed = parseTimestamptz(text) as MicroDate;
    expect(parsed).toBeInstanceOf(MicroDate);
    expect(parsed.toISOString()).toBe(iso);
    expect(parsed.getTime()).toBe(Date.parse(iso.replace(/(\.\d{3})\d{3}Z$/, '$1Z')));
  });

  it('leaves what the general path reads to it (BC dates, infinity)', () => {
    expect(parseTimestamptz('infinity')).toBe(Infinity);
    expect((parseTimestamptz('0044-03-15 12:00:00+00 BC') as Date).getUTCFullYear()).toBe(-43);
  });
});
