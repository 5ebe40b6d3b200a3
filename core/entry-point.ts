import path from 'node:path';
import { DIST_DIR, PROJECT_ROOT } from './paths';

/**
 * How node runs a PSTT entry point: `compiled`, its JavaScript in dist/ (what `npm start`, the Docker
 * image and the service units run; `npm run build` makes it), or `source`, its TypeScript through
 * tsx (tests and development, always the code as it is).
 */
export type EntryMode = 'compiled' | 'source';

/** node's arguments for an entry point given relative to the project root without extension, e.g. `worker/main`. */
export function entryArgs(entry: string, mode: EntryMode): string[] {
  return mode === 'compiled'
    ? [path.join(DIST_DIR, `${entry}.js`)]
    : ['--import', 'tsx', path.join(PROJECT_ROOT, `${entry}.ts`)];
}
