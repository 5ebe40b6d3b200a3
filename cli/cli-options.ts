import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InvalidOptionError } from '../core/errors';

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs whose unknown flags and missing values become InvalidOptionError, with the command's usage. */
export function parseOptions<O extends Options>(args: string[], options: O, usage: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    const message = (err as Error).message;
    const flag = /'(-[^' ]+)/.exec(message)?.[1] ?? 'arguments';
    throw new InvalidOptionError(flag, usage, JSON.stringify(message));
  }
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration flag: `600`, `600s`, `10m`, `1h` or `500ms` (a bare number is seconds), from 0 to 24 hours. */
export function parseDurationOption(flag: string, value: string): number {
  const match = DURATION.exec(value.trim());
  const ms = match?.[1] ? Number(match[1]) * UNIT_MS[match[2] ?? 's']! : NaN;
  if (!Number.isFinite(ms) || ms > 24 * 3_600_000) {
    throw new InvalidOptionError(
      flag,
      'a duration such as 600 (seconds), 90s, 10m or 1h, at most 24h',
      JSON.stringify(value),
    );
  }
  return Math.round(ms);
}

/** An http(s) base URL flag, without its trailing slash. */
export function parseUrlOption(flag: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidOptionError(
      flag,
      'an http:// or https:// URL such as http://127.0.0.1:8000',
      JSON.stringify(value),
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidOptionError(
      flag,
      'an http:// or https:// URL such as http://127.0.0.1:8000',
      JSON.stringify(value),
    );
  }
  return value.replace(/\/+$/, '');
}
