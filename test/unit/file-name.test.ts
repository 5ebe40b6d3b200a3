import { InvalidFileNameError, InvalidTimeZoneError } from '../../core/errors';
import { renderFileName, timeZoneOf, type FileNameParts } from '../../core/files/file-name';

describe('file name', () => {
  // 2026-03-05 23:04:09 UTC is already 2026-03-06 00:04:09 in Rome (UTC+1 in March before DST).
  const parts: FileNameParts = {
    name: 'orders',
    scheduledTime: new Date('2026-03-05T23:04:09.750Z'),
    timeZone: 'Europe/Rome',
    format: 'csv',
  };

  it('renders every token in the given time zone and appends the extension', () => {
    expect(renderFileName('{name}_{yyyy}{MM}{dd}_{HH}{mm}{ss}', parts)).toBe('orders_20260306_000409.csv');
    expect(renderFileName('{name}_{yyyy}{MM}{dd}_{HH}{mm}{ss}', { ...parts, timeZone: 'UTC' })).toBe(
      'orders_20260305_230409.csv',
    );
    expect(renderFileName('{yyyy}-{MM}-{dd}', { ...parts, format: 'excel' })).toBe('2026-03-06.xlsx');
  });

  it('follows daylight saving time', () => {
    const summer = { ...parts, scheduledTime: new Date('2026-07-01T10:00:00Z') };
    expect(renderFileName('{HH}{mm}', summer)).toBe('1200.csv');
    expect(renderFileName('{HH}{mm}', { ...summer, timeZone: 'America/New_York' })).toBe('0600.csv');
  });

  it('writes midnight as 00, not 24', () => {
    expect(renderFileName('{HH}', { ...parts, scheduledTime: new Date('2026-01-01T00:00:00Z'), timeZone: 'UTC' })).toBe(
      '00.csv',
    );
  });

  it('tells {MM} (month) from {mm} (minute) and keeps other text as it is', () => {
    expect(renderFileName('export {MM}-{mm} (daily)', { ...parts, timeZone: 'UTC' })).toBe('export 03-04 (daily).csv');
  });

  it('rejects unknown tokens, naming them', () => {
    expect(() => renderFileName('{name}_{YYYY}', parts)).toThrow(InvalidFileNameError);
    expect(() => renderFileName('{name}_{YYYY}', parts)).toThrow(/unknown token \{YYYY\}/);
    expect(() => renderFileName('{}', parts)).toThrow(/unknown token \{\}/);
  });

  it('rejects names that are not a plain file name', () => {
    for (const template of ['../{name}', 'a/b', 'a\\b', '..', '{name}..x', '   ', 'a\u0000b', 'x'.repeat(201)]) {
      expect(() => renderFileName(template, parts)).toThrow(InvalidFileNameError);
    }
    expect(() => renderFileName('..', parts)).toThrow(/contains "\.\."/);
    expect(() => renderFileName('{name}', { ...parts, name: 'a/b' })).toThrow(/path separator/);
  });

  it('rejects an unknown time zone with a typed error', () => {
    expect(() => renderFileName('{HH}', { ...parts, timeZone: 'Mars/Olympus' })).toThrow(InvalidTimeZoneError);
  });

  it('reads cron schedules in their time zone and intervals in UTC', () => {
    expect(timeZoneOf({ cron: '0 6 * * *', timezone: 'Europe/Rome' })).toBe('Europe/Rome');
    expect(timeZoneOf({ every: '1h' })).toBe('UTC');
  });
});
