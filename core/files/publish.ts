import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { OutputFileExistsError } from '../errors';

/** Numbered alternatives tried when the final path exists: `_1` ... `_MAX_SUFFIX`. */
export const MAX_SUFFIX = 9_999;

/** Hard links unsupported by the file system (some network shares): fall back to check-then-rename. */
const LINK_UNSUPPORTED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

/**
 * A hidden, unique temporary path next to `finalPath`: `.<name>.<random>.partial`. Same folder,
 * hence same file system, so publishing it is atomic.
 */
export function temporaryPathFor(finalPath: string): string {
  return path.join(path.dirname(finalPath), `.${path.basename(finalPath)}.${randomBytes(6).toString('hex')}.partial`);
}

/** `report.csv` for n = 0, `report_<n>.csv` otherwise. */
export function numberedPath(finalPath: string, n: number): string {
  if (n === 0) return finalPath;
  const ext = path.extname(finalPath);
  return `${finalPath.slice(0, finalPath.length - ext.length)}_${n}${ext}`;
}

/**
 * Makes a finished temporary file durable and gives it its final name without ever replacing a
 * file: fsync, then hard-link to the first free name of `finalPath`, `_1`, `_2`... (link(2) is
 * atomic and fails on an existing name, where rename(2) would silently replace it), then unlink
 * the temporary name. Where the file system has no hard links, the first name that does not exist
 * is taken with rename(2); two writers racing for the same name could then collide.
 * @returns the path the file now has
 */
export async function publishFile(tempPath: string, finalPath: string): Promise<string> {
  const handle = await fs.open(tempPath, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  for (let n = 0; n <= MAX_SUFFIX; n++) {
    const candidate = numberedPath(finalPath, n);
    try {
      await fs.link(tempPath, candidate);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (code === 'EEXIST') continue;
      if (!LINK_UNSUPPORTED.has(code)) throw err;
      if (await exists(candidate)) continue;
      await fs.rename(tempPath, candidate);
      await syncDirectory(path.dirname(candidate));
      return candidate;
    }
    await fs.unlink(tempPath);
    await syncDirectory(path.dirname(candidate));
    return candidate;
  }
  throw new OutputFileExistsError(finalPath, MAX_SUFFIX);
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Makes the new directory entry durable; best effort, as not every platform can fsync a directory. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await fs.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // The file itself is already synced; only the rename's durability across a power cut is at stake.
  }
}
