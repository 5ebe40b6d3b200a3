import { z } from 'zod';

/** The accepted range of a number read from an environment variable, and how an error names it. */
export interface EnvNumberRange {
  min: number;
  max: number;
  /** What the number is, for the error: "a percentage", "milliseconds". */
  what: string;
  /** Whole numbers only. @default false */
  integer?: boolean;
}

/**
 * A number from an environment variable, or `fallback` when it is unset or empty. The text is checked
 * (decimal digits, no exponent or hex), so an error quotes what was given.
 */
export function envNumber({ min, max, what, integer = false }: EnvNumberRange, fallback: number) {
  const message = `expected ${what}${integer ? ' (an integer)' : ''} from ${min} to ${max}`;
  const number = z
    .string()
    .trim()
    .regex(integer ? /^-?\d+$/ : /^-?\d+(\.\d+)?$/, message)
    .transform(Number)
    .pipe(z.number().min(min, message).max(max, message))
    .default(fallback);
  return z.preprocess((v) => (v === '' ? undefined : v), number);
}

/** A percentage from 0 to 100 (the success-rate, job-failure and disk thresholds). */
export const PERCENT: EnvNumberRange = { min: 0, max: 100, what: 'a percentage' };

/**
 * Checks that a critical threshold is not milder than its warning: at most the warning when low values
 * are bad (`below`), at least it when high ones are (`above`); the issue names the critical variable.
 */
export function checkThresholdOrder<K extends string>(
  e: Record<K, unknown>,
  ctx: z.RefinementCtx,
  critical: K,
  warning: K,
  bad: 'below' | 'above',
): void {
  const c = e[critical] as number;
  const w = e[warning] as number;
  if (bad === 'below' ? c > w : c < w) {
    ctx.addIssue({
      code: 'custom',
      path: [critical],
      message: `expected ${bad === 'below' ? 'at most' : 'at least'} ${warning} (${w}), got ${c}`,
    });
  }
}
