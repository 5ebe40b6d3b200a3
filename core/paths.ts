import path from 'node:path';

/** The project's root folder (where package.json and temporal.yaml live). */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

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
