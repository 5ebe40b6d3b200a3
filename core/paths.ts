import fs from 'node:fs';
import path from 'node:path';

/**
 * The folder holding package.json, above this file: the project's root whether this runs as TypeScript
 * (`core/paths.ts`) or compiled (`dist/core/paths.js`).
 */
function projectRoot(): string {
  for (let dir = path.resolve(__dirname, '..'); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${__dirname}`);
  }
}

/** The project's root folder (where package.json and temporal.yaml live). */
export const PROJECT_ROOT = projectRoot();

/** The compiled application (`npm run build`): JavaScript beside the TypeScript's layout, and the workflow bundle. */
export const DIST_DIR = path.join(PROJECT_ROOT, 'dist');

/** The workflows bundled once by `npm run build`, which the compiled worker loads instead of bundling at start. */
export const WORKFLOW_BUNDLE_FILE = path.join(DIST_DIR, 'workflow-bundle.js');

/** Where services keep their state and logs; git-ignored. Override with PSTT_DATA_DIR. */
export function dataDir(): string {
  return path.resolve(process.env.PSTT_DATA_DIR ?? path.join(PROJECT_ROOT, 'data'));
}

/** Where service binaries and jars are installed; git-ignored. Override with PSTT_TOOLS_DIR. */
export function toolsDir(): string {
  return path.resolve(process.env.PSTT_TOOLS_DIR ?? path.join(PROJECT_ROOT, '.tools'));
}

/** The built operator pages, which the API serves to anyone without a token. */
export function uiDistDir(): string {
  return path.join(PROJECT_ROOT, 'ui', 'dist');
}

export function logsDir(): string {
  return path.join(dataDir(), 'logs');
}
