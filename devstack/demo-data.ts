import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export const DEMO_ROWS = 10_000;
const STATUSES = ['new', 'paid', 'shipped', 'delivered', 'returned'];

/**
 * Creates the demo SQLite database with an `orders` table of `rows` rows, when it does not
 * exist yet. Values are derived from the row number, so every run of the demo is the same.
 * Written to a temporary file and renamed into place: never a half-filled database.
 */
export function ensureDemoDatabase(file: string, rows = DEMO_ROWS): boolean {
  if (fs.existsSync(file)) return false;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const staging = `${file}.partial`;
  fs.rmSync(staging, { force: true });
  const db = new Database(staging);
  try {
    db.exec(`CREATE TABLE orders (
      order_id INTEGER PRIMARY KEY,
      customer TEXT NOT NULL,
      amount REAL NOT NULL,
      status TEXT NOT NULL,
      created_at TEXT NOT NULL
    )`);
    const insert = db.prepare('INSERT INTO orders VALUES (?, ?, ?, ?, ?)');
    const base = Date.UTC(2026, 0, 1);
    db.transaction(() => {
      for (let i = 1; i <= rows; i++) {
        insert.run(
          i,
          `customer-${(i * 7919) % 997}`,
          ((i * 3701) % 100_000) / 100,
          STATUSES[i % STATUSES.length],
          new Date(base + i * 60_000).toISOString(),
        );
      }
    })();
  } finally {
    db.close();
  }
  fs.renameSync(staging, file);
  return true;
}
