import { InvalidFileNameError, InvalidTimeZoneError } from '../errors';
import type { ExportFormat, Scheduling } from '../scheduling';

/** Export formats that write a file. */
export type FileFormat = Exclude<ExportFormat, 'kafka'>;

/** Extension appended to the rendered file name, per format. */
export const FILE_EXTENSIONS: Readonly<Record<FileFormat, string>> = { csv: '.csv', excel: '.xlsx' };

/** Tokens `file_config.file_name` may use; `{MM}` is the month, `{mm}` the minute. */
export const FILE_NAME_TOKENS = ['name', 'yyyy', 'MM', 'dd', 'HH', 'mm', 'ss'] as const;
export type FileNameToken = (typeof FILE_NAME_TOKENS)[number];

/**
 * Longest rendered name, in UTF-8 bytes. Most file systems allow 255; the temporary name
 * (`.<name>.<random>.partial`) and a `_<n>` suffix need the rest.
 */
export const MAX_FILE_NAME_BYTES = 200;

export interface FileNameParts {
  /** The scheduling's name, for `{name}`. */
  name: string;
  /** The run's scheduled time, for the date and time tokens. */
  scheduledTime: Date;
  /** IANA time zone the date and time tokens are read in, e.g. "Europe/Rome". */
  timeZone: string;
  format: FileFormat;
}

const TOKEN = /\{([^{}]*)\}/g;

/**
 * Renders `file_config.file_name` for one run and appends the format's extension. Throws
 * `InvalidFileNameError` for an unknown token or a result that is not a plain file name (path
 * separators, `..`, control characters, empty, too long), and `InvalidTimeZoneError`.
 */
export function renderFileName(template: string, parts: FileNameParts): string {
  const values = tokenValues(parts);
  const rendered = template.replace(TOKEN, (match, token: string) => {
    if (!isToken(token)) {
      const known = FILE_NAME_TOKENS.map((t) => `{${t}}`).join(' ');
      throw new InvalidFileNameError(template, `unknown token ${match}; known: ${known}`);
    }
    return values[token];
  });
  const fileName = rendered + FILE_EXTENSIONS[parts.format];
  const problem = fileNameProblem(rendered);
  if (problem) throw new InvalidFileNameError(template, `renders to "${fileName}", ${problem}`);
  return fileName;
}

/** The time zone a scheduling's run times are read in: its cron timezone, or UTC for intervals. */
export function timeZoneOf(schedule: Scheduling['schedule']): string {
  return 'timezone' in schedule ? schedule.timezone : 'UTC';
}

function isToken(token: string): token is FileNameToken {
  return (FILE_NAME_TOKENS as readonly string[]).includes(token);
}

function fileNameProblem(name: string): string | null {
  if (name.trim() === '') return 'which is empty';
  if (/[/\\]/.test(name)) return 'which contains a path separator';
  if (name.includes('..')) return 'which contains ".."';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'which contains a control character';
  if (Buffer.byteLength(name) > MAX_FILE_NAME_BYTES) return `which is longer than ${MAX_FILE_NAME_BYTES} bytes`;
  return null;
}

function tokenValues(parts: FileNameParts): Record<FileNameToken, string> {
  let format: Intl.DateTimeFormat;
  try {
    // h23: some engines print midnight as "24" with hour12: false.
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: parts.timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
  } catch (err) {
    if (err instanceof RangeError) throw new InvalidTimeZoneError(parts.timeZone);
    throw err;
  }
  if (Number.isNaN(parts.scheduledTime.getTime())) throw new RangeError('scheduled time is not a valid date');
  const dateParts = format.formatToParts(parts.scheduledTime);
  const field = (type: Intl.DateTimeFormatPartTypes): string => dateParts.find((p) => p.type === type)?.value ?? '';
  return {
    name: parts.name,
    yyyy: field('year').padStart(4, '0'),
    MM: field('month'),
    dd: field('day'),
    HH: field('hour'),
    mm: field('minute'),
    ss: field('second'),
  };
}
