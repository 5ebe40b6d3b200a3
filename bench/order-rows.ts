/**
 * The benchmark's source rows: one shape, generated the same way in SQLite (JavaScript) and in
 * PostgreSQL (SQL), so both sources yield the same ~300-byte JSON messages. Values are derived from
 * the id: reruns and both sources see identical data.
 */

export const COLUMNS = [
  'id',
  'customer',
  'email',
  'status',
  'country',
  'amount',
  'quantity',
  'created_at',
  'updated_at',
  'note',
] as const;

const STATUSES = ['new', 'paid', 'shipped', 'delivered', 'returned'];
const COUNTRIES = ['FR', 'DE', 'ES', 'IT', 'NL', 'BE', 'PT', 'PL'];
// Free text pads the message to about 300 bytes, as a real order's delivery note would.
const NOTES = [
  'Leave the parcel at the back door; ring twice and wait, the bell is slow to answer.',
  'Fragile: glassware inside. Keep upright and do not stack heavier boxes on top of it.',
  'Customer asked for an evening delivery after six; call fifteen minutes before arrival.',
  'Gift order: no invoice in the box, send it by e-mail to the billing address instead.',
];
const BASE_MS = Date.UTC(2026, 0, 1);

/** The SELECT of a run: every row up to `maxId`, in a deterministic order (a retry resumes by position). */
export function exportQuery(table: string, maxId: number, totalRows: number): string {
  const where = maxId < totalRows ? ` WHERE id <= ${maxId}` : '';
  return `SELECT ${COLUMNS.join(', ')} FROM ${table}${where} ORDER BY id`;
}

/** Row `i` (1-based) as SQLite stores it: dates as ISO-8601 text. */
export function sqliteRow(i: number): unknown[] {
  const customer = `customer-${(i * 7919) % 99991}`;
  const created = BASE_MS + i * 60_000;
  return [
    i,
    customer,
    `${customer}@example.com`,
    STATUSES[i % STATUSES.length],
    COUNTRIES[i % COUNTRIES.length],
    ((i * 3701) % 100_000) / 100,
    (i % 20) + 1,
    new Date(created).toISOString(),
    new Date(created + (i % 86_400) * 1000).toISOString(),
    NOTES[i % NOTES.length],
  ];
}

export const SQLITE_DDL = `CREATE TABLE bench_orders (
  id INTEGER PRIMARY KEY,
  customer TEXT NOT NULL,
  email TEXT NOT NULL,
  status TEXT NOT NULL,
  country TEXT NOT NULL,
  amount REAL NOT NULL,
  quantity INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  note TEXT NOT NULL
)`;

const sqlArray = (values: string[]) => `ARRAY[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ')}]`;

/** DDL and the set-based INSERT of the PostgreSQL table: the same values as `sqliteRow`. */
export function postgresStatements(table: string, rows: number): string[] {
  return [
    `CREATE TABLE ${table} (
      id integer NOT NULL,
      customer text NOT NULL,
      email text NOT NULL,
      status text NOT NULL,
      country text NOT NULL,
      amount double precision NOT NULL,
      quantity integer NOT NULL,
      created_at timestamp NOT NULL,
      updated_at timestamp NOT NULL,
      note text NOT NULL
    )`,
    `INSERT INTO ${table}
      SELECT i,
        'customer-' || (i * 7919) % 99991,
        'customer-' || (i * 7919) % 99991 || '@example.com',
        (${sqlArray(STATUSES)})[i % ${STATUSES.length} + 1],
        (${sqlArray(COUNTRIES)})[i % ${COUNTRIES.length} + 1],
        ((i * 3701) % 100000) / 100.0::double precision,
        i % 20 + 1,
        timestamp '2026-01-01' + i * interval '1 minute',
        timestamp '2026-01-01' + i * interval '1 minute' + (i % 86400) * interval '1 second',
        (${sqlArray(NOTES)})[i % ${NOTES.length} + 1]
      FROM generate_series(1::bigint, ${rows}::bigint) AS s(i)`,
    // Index after the load: much faster than maintaining it row by row.
    `ALTER TABLE ${table} ADD PRIMARY KEY (id)`,
  ];
}
