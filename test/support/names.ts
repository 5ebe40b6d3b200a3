import { randomBytes } from 'node:crypto';

/** A name unique to this test run, so tests can run in any order and side by side. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}
