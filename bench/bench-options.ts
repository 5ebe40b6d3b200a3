import { parseArgs } from 'node:util';
import type { EntryMode } from '../core/entry-point';

export type SourceKind = 'sqlite' | 'postgres';

export interface BenchOptions {
  rowsSmall: number;
  rowsLarge: number;
  sources: SourceKind[];
  /** The worker each case starts: `compiled` (dist/, what production runs) or `source` (TypeScript through tsx). */
  worker: EntryMode;
}

const SOURCE_KINDS: readonly SourceKind[] = ['sqlite', 'postgres'];

function positiveInt(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1)
    throw new Error(`--${name}: expected a positive integer, got "${text}"`);
  return value;
}

/** `--rows-small N --rows-large N --sources sqlite,postgres --worker compiled|source`; the defaults are the full benchmark. */
export function parseBenchOptions(args: string[] = process.argv.slice(2)): BenchOptions {
  const { values } = parseArgs({
    args,
    options: {
      'rows-small': { type: 'string', default: '200000' },
      'rows-large': { type: 'string', default: '2000000' },
      sources: { type: 'string', default: SOURCE_KINDS.join(',') },
      worker: { type: 'string', default: 'compiled' },
    },
    strict: true,
  });
  const rowsSmall = positiveInt('rows-small', values['rows-small']);
  const rowsLarge = positiveInt('rows-large', values['rows-large']);
  if (rowsSmall > rowsLarge) throw new Error(`--rows-small (${rowsSmall}) must not exceed --rows-large (${rowsLarge})`);
  const sources = values.sources.split(',').map((s) => s.trim());
  for (const s of sources) {
    if (!SOURCE_KINDS.includes(s as SourceKind)) {
      throw new Error(`--sources: expected a list of ${SOURCE_KINDS.join(', ')}, got "${s}"`);
    }
  }
  const worker = values.worker;
  if (worker !== 'compiled' && worker !== 'source')
    throw new Error(`--worker: expected compiled or source, got "${worker}"`);
  return { rowsSmall, rowsLarge, sources: [...new Set(sources as SourceKind[])], worker };
}
