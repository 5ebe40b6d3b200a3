import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { dataDir } from '../paths';

/** An open SQLite metrics file: the connection and the file it is on. */
export interface SqliteDb {
  file: string;
  db: Database.Database;
}

/**
 * Opens the SQLite metrics file that the metrics and alert stores share (`<dataDir>/metrics.db` unless named),
 * creating it and its folder when missing. Takes no lock, so opening never fails on a file another process writes.
 */
export function openSqliteDb(file: string | undefined, busyTimeoutMs: number): SqliteDb {
  const resolved = path.resolve(file ?? path.join(dataDir(), 'metrics.db'));
  fs.mkdirSync(path.dirname(resolved), { recursive: true });
  const db = new Database(resolved);
  db.pragma(`busy_timeout = ${wholeMs(busyTimeoutMs)}`);
  return { file: resolved, db };
}

function wholeMs(ms: number): number {
  return Math.max(0, Math.floor(ms));
}

/**
 * Runs the synchronous `work` with the connection's busy timeout set to `busyTimeoutMs`, then puts the previous
 * one back: stores sharing one connection each keep their own wait. Nothing else runs in between, as
 * better-sqlite3 is synchronous.
 */
export function withBusyTimeout<T>(db: Database.Database, busyTimeoutMs: number, work: () => T): T {
  const previous = db.pragma('busy_timeout', { simple: true }) as number;
  const wanted = wholeMs(busyTimeoutMs);
  if (previous === wanted) return work();
  db.pragma(`busy_timeout = ${wanted}`);
  try {
    return work();
  } finally {
    db.pragma(`busy_timeout = ${previous}`);
  }
}

/**
 * A function that, at its first call that succeeds, sets up the file and runs `createTables`. It takes the write
 * lock: stores call it at first use, not when opening. A call that fails (file locked) is tried again next time.
 */
export function sqliteSchemaOnce(db: Database.Database, createTables: () => void): () => void {
  let ready = false;
  return () => {
    if (ready) return;
    // Whichever store creates the first table fixes auto_vacuum for good: both stores set the same before theirs.
    db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    createTables();
    ready = true;
  };
}
