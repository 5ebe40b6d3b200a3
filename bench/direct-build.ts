import path from 'node:path';
import { build } from 'esbuild';
import { DIST_DIR, PROJECT_ROOT } from '../core/paths';
import { COMPILE_OPTIONS } from '../scripts/build';

/** The direct case's files, compiled beside the application in dist/ (they import it from there). */
const ENTRIES = ['bench/direct-export.ts', 'bench/direct-child.ts'];

/** dist/bench/direct-child.js, compiled as `npm run build` compiles the worker; run after `ensureBuilt`. */
export async function buildDirectEntry(): Promise<string> {
  await build({
    entryPoints: ENTRIES.map((f) => path.join(PROJECT_ROOT, f)),
    outbase: PROJECT_ROOT,
    outdir: DIST_DIR,
    ...COMPILE_OPTIONS,
  });
  return path.join(DIST_DIR, 'bench', 'direct-child.js');
}
