import { parseArgs } from 'node:util';

export const PEER_CASES = [
  'producer-perf',
  'sqlite3-kcat',
  'psql-kcat',
  'worker-sqlite',
  'worker-postgres',
  'worker-sqlite-eo',
  'worker-postgres-eo',
  'direct-sqlite',
  'direct-postgres',
] as const;
export type PeerCase = (typeof PEER_CASES)[number];

export interface PeersOptions {
  rows: number;
  reps: number;
  cases: PeerCase[];
  /** `kafka.row_thread` of the PSTT cases; the config's own when not given. */
  rowThread?: boolean;
  /** `--cpu-prof`: the direct cases write V8 CPU profiles into the run's folder. */
  cpuProf: boolean;
}

function positiveInt(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1)
    throw new Error(`--${name}: expected a positive integer, got "${text}"`);
  return value;
}

/** `--rows N --reps N --cases a,b,... --row-thread on|off --cpu-prof`; the defaults are the full comparison. */
export function parsePeersOptions(args: string[] = process.argv.slice(2)): PeersOptions {
  const { values } = parseArgs({
    args,
    options: {
      rows: { type: 'string', default: '1000000' },
      reps: { type: 'string', default: '3' },
      cases: { type: 'string', default: PEER_CASES.join(',') },
      'row-thread': { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const cases = values.cases.split(',').map((s) => s.trim());
  for (const c of cases) {
    if (!PEER_CASES.includes(c as PeerCase))
      throw new Error(`--cases: expected a list of ${PEER_CASES.join(', ')}, got "${c}"`);
  }
  const rowThread = values['row-thread'];
  if (rowThread !== undefined && rowThread !== 'on' && rowThread !== 'off')
    throw new Error(`--row-thread: expected on or off, got "${rowThread}"`);
  return {
    ...(rowThread === undefined ? {} : { rowThread: rowThread === 'on' }),
    rows: positiveInt('rows', values.rows),
    reps: positiveInt('reps', values.reps),
    cases: PEER_CASES.filter((c) => cases.includes(c)),
    cpuProf: values['cpu-prof'],
  };
}
