import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** One empty store location (a file or tables) that any number of store instances can open. */
export interface StoreLocation<Args extends unknown[], Store extends { close(): Promise<void> }> {
  open(...args: Args): Store;
  drop(): Promise<void>;
}

/**
 * For each test of the calling `describe`: a new location from `create`; after the test, every store opened
 * there is closed and the location dropped. Returns the `open` that the tests call.
 */
export function storesPerTest<Args extends unknown[], Store extends { close(): Promise<void> }>(
  create: () => StoreLocation<Args, Store>,
): (...args: Args) => Store {
  let location: StoreLocation<Args, Store>;
  const stores: Store[] = [];

  beforeEach(() => {
    location = create();
  });

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await location.drop();
  });

  return (...args) => {
    const store = location.open(...args);
    stores.push(store);
    return store;
  };
}

/** `metrics.db` in a new temporary folder; `drop()` removes the folder. */
export function tempMetricsFile(prefix: string): { file: string; drop: () => Promise<void> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { file: path.join(dir, 'metrics.db'), drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
}
