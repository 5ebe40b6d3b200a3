import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../core/paths';

/** The folders compiled into dist/: the application, the `pstt` command (cli/) and its own scripts (not the tests or the benchmarks). */
export const COMPILED_DIRS = [
  'core',
  'workflows',
  'activities',
  'worker',
  'api',
  'devstack',
  'cli',
  'scripts',
] as const;

/** What else the build reads: the operator pages' sources, and what decides the dependencies and the compiler's settings. */
const OTHER_INPUTS = ['ui/src', 'ui/styles.css', 'package.json', 'package-lock.json', 'tsconfig.json'] as const;

function filesUnder(relative: string): string[] {
  const full = path.join(PROJECT_ROOT, relative);
  if (!fs.existsSync(full)) return [];
  if (!fs.statSync(full).isDirectory()) return [relative];
  return fs
    .readdirSync(full, { withFileTypes: true })
    .flatMap((entry) => filesUnder(path.join(relative, entry.name)))
    .sort();
}

/** The TypeScript files compiled into dist/, relative to the project root. */
export function compiledSources(): string[] {
  return COMPILED_DIRS.flatMap(filesUnder).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
}

/**
 * One hash of every file the build reads (names and contents): a build is stale when its recorded
 * hash differs. Hashing the ~200 files takes milliseconds, so `npm start` checks it every time.
 */
export function sourceHash(): string {
  const hash = createHash('sha256');
  for (const file of [...COMPILED_DIRS, ...OTHER_INPUTS].flatMap(filesUnder)) {
    hash
      .update(file)
      .update('\0')
      .update(fs.readFileSync(path.join(PROJECT_ROOT, file)))
      .update('\0');
  }
  return hash.digest('hex');
}
