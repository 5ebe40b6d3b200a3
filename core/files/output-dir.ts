import fs from 'node:fs/promises';
import path from 'node:path';
import type { AppConfig } from '../config';
import { dataDir, uiDistDir } from '../paths';

/** Folders no export may write to, whatever the roots allow. */
export interface ForbiddenPlaces {
  /** The services' own state (metrics, tokens, logs). @default dataDir() */
  dataDir: string;
  /** Served by the API without a token. @default uiDistDir() */
  uiDir: string;
}

/** The real folder a file export writes to, or why it may not. */
export type OutputDirCheck = { dir: string } | { problem: string };

/**
 * Where `output_dir` really is: relative paths are read from the config file's folder, `..` is
 * resolved, and so is every symbolic link of the part that exists (a folder still to be created
 * cannot be a link). Throws a message, not a path error, when it cannot be resolved.
 */
async function realPathOf(absolute: string): Promise<string> {
  const missing: string[] = [];
  let existing = absolute;
  for (;;) {
    try {
      return path.join(await fs.realpath(existing), ...missing);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') throw new Error(`${existing} is not a folder`);
      if (code !== 'ENOENT') throw new Error(`${existing} cannot be resolved (${code ?? String(err)})`);
      // realpath says ENOENT for a link to nothing too: mkdir would then follow it wherever it points.
      if (
        await fs.lstat(existing).then(
          (s) => s.isSymbolicLink(),
          () => false,
        )
      ) {
        throw new Error(`${existing} is a symbolic link to a missing target`);
      }
      const parent = path.dirname(existing);
      if (parent === existing) throw new Error(`${absolute} cannot be resolved`);
      missing.unshift(path.basename(existing));
      existing = parent;
    }
  }
}

function isWithin(folder: string, candidate: string): boolean {
  const relative = path.relative(folder, candidate);
  return relative === '' || (!relative.startsWith(`..${path.sep}`) && relative !== '..' && !path.isAbsolute(relative));
}

/**
 * The one check of a file export's folder, used by the API (400), `npm run apply` and the worker
 * (non-retryable): it must lie under one of `files.allowed_roots`, symbolic links resolved on both
 * sides, and be neither the data folder nor inside the UI's folder, which anyone may download from.
 */
export async function checkOutputDir(
  outputDir: string,
  config: Pick<AppConfig, 'files' | 'baseDir'>,
  forbidden: ForbiddenPlaces = { dataDir: dataDir(), uiDir: uiDistDir() },
): Promise<OutputDirCheck> {
  let dir: string;
  try {
    dir = await realPathOf(path.resolve(config.baseDir, outputDir));
  } catch (err) {
    return { problem: (err as Error).message };
  }
  const data = await realPathOf(forbidden.dataDir).catch(() => forbidden.dataDir);
  const ui = await realPathOf(forbidden.uiDir).catch(() => forbidden.uiDir);
  if (dir === data) return { problem: `must not be the data folder (${data})` };
  if (isWithin(ui, dir))
    return { problem: `must not be inside the UI's folder (${ui}), which the API serves without a token` };
  const roots = await Promise.all(
    config.files.allowed_roots.map((root) => realPathOf(path.resolve(config.baseDir, root)).catch(() => null)),
  );
  if (roots.some((root) => root !== null && isWithin(root, dir))) return { dir };
  const declared = roots.filter((r) => r !== null).join(', ') || '(none resolvable)';
  return {
    problem: `must lie under one of files.allowed_roots (${declared}), got ${JSON.stringify(outputDir)}, which is ${dir}`,
  };
}
