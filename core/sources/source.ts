import type { Row } from '../row-serializer';

/** An open query whose rows are read in bounded chunks: memory never grows with the result set. */
export interface QueryCursor {
  /** Column names in the order the query returns them. */
  readonly columns: readonly string[];
  /** Reads up to `maxRows` rows; an empty array means the result set is exhausted. */
  read(maxRows: number): Promise<Row[]>;
  /** Releases the cursor and its connection; safe to call twice. */
  close(): Promise<void>;
}

/** A source database reachable by URL. */
export interface SourceDriver {
  /** Runs `sql` and returns a cursor over its rows. */
  open(sql: string): Promise<QueryCursor>;
  /** Closes pools and handles. */
  end(): Promise<void>;
}
