import type { Incremental } from './scheduling';

/** `(column, ...key)`: the order of an incremental export, its watermark and its resume key. */
export function incrementalKeyOf(incremental: Pick<Incremental, 'column' | 'key'>): string[] {
  return [incremental.column, ...incremental.key];
}
