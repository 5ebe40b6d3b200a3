import type { z } from 'zod';
import { redactUrl, type Problem } from '../errors';

/** What was given, for an error message: short, and never a secret. */
function describeInput(path: readonly PropertyKey[], input: unknown): string {
  if (input === undefined) return 'nothing';
  const key = String(path[path.length - 1] ?? '');
  if (/password|secret|token/i.test(key)) return '(hidden)';
  const text = typeof input === 'string' ? JSON.stringify(redactUrl(input)) : JSON.stringify(input);
  if (text === undefined) return typeof input;
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** `path.to[2].field` of an issue path; empty at the root. */
function pathText(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}

/**
 * Zod issues as problems: path `path.to[2].field`, message `message, got <input>`. `skip` leading path segments are
 * left out: the runtime config's section names (`app`, `alerts`, ...), so that a line names the file's
 * key or the environment variable as the operator writes it.
 */
export function formatIssues(error: z.ZodError, skip = 0): Problem[] {
  return error.issues.map((issue) => {
    const path = issue.path.slice(skip);
    // Cross-field checks (superRefine) get the whole object as input: their message says what is wrong.
    const crossField = issue.code === 'custom' && typeof issue.input === 'object';
    const got =
      'input' in issue && issue.input !== undefined && issue.code !== 'unrecognized_keys' && !crossField
        ? `, got ${describeInput(path, issue.input)}`
        : '';
    return { path: pathText(path), message: `${issue.message}${got}` };
  });
}
