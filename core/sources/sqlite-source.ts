import path from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import Database from 'better-sqlite3';
import type { Row } from '../row-serializer';
import type { QueryCursor, SourceDriver } from './source';

/** SQLite source (better-sqlite3): one read-only connection per cursor, since `iterate()` locks it. */
export class SqliteSource implements SourceDriver {
  readonly file: string;

  /** @param url `sqlite:path/to/file.db`, relative to `baseDir` */
  constructor(url: string, baseDir: string) {
    this.file = path.resolve(baseDir, url.replace(/^sqlite:(\/\/)?/, ''));
  }

  async open(sql: string): Promise<QueryCursor> {
    const db = new Database(this.file, { readonly: true, fileMustExist: true });
    try {
      const statement = db.prepare(sql);
      statement.safeIntegers(true);
      const columns = statement.columns().map((c) => c.name);
      const rows = statement.iterate() as IterableIterator<Row>;
      let closed = false;
      return {
        columns,
        async read(maxRows: number): Promise<Row[]> {
          const batch: Row[] = [];
          if (closed) return batch;
          while (batch.length < maxRows) {
            const next = rows.next();
            if (next.done) break;
            batch.push(next.value);
          }
          // iterate() is synchronous: give other work a turn between chunks.
          await yieldToEventLoop();
          return batch;
        },
        async close(): Promise<void> {
          if (closed) return;
          closed = true;
          rows.return?.();
          db.close();
        },
      };
    } catch (err) {
      db.close();
      throw err;
    }
  }

  async end(): Promise<void> {}
}
