import { parseArgs } from 'node:util';

export type StoreKind = 'sqlite' | 'postgres';

export interface ApiLoadOptions {
  store: StoreKind;
  /** Seconds of load per endpoint. */
  duration: number;
  /** Concurrent HTTP connections of autocannon. */
  connections: number;
}

const STORE_KINDS: readonly StoreKind[] = ['sqlite', 'postgres'];

function positiveInt(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(`--${name}: expected a positive integer, got "${text}"`);
  }
  return value;
}

/** `--store sqlite|postgres --duration S --connections N`; the defaults are the documented run. */
export function parseApiLoadOptions(args: string[] = process.argv.slice(2)): ApiLoadOptions {
  const { values } = parseArgs({
    args,
    options: {
      store: { type: 'string', default: 'sqlite' },
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '20' },
    },
    strict: true,
  });
  if (!STORE_KINDS.includes(values.store as StoreKind)) {
    throw new Error(`--store: expected one of ${STORE_KINDS.join(', ')}, got "${values.store}"`);
  }
  return {
    store: values.store as StoreKind,
    duration: positiveInt('duration', values.duration),
    connections: positiveInt('connections', values.connections),
  };
}
