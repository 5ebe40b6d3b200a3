import path from 'node:path';
import type { Metadata } from 'tedious/lib/metadata-parser';
import type { Result } from 'tedious/lib/token/helpers';
import { tdsDecimalText, tdsMoneyText } from './mssql-values';

/**
 * tedious reads DECIMAL, NUMERIC and MONEY into JS numbers (so 12345678901234567.89 arrives as
 * 12345678901234568), and has no option to do otherwise. Its row parsers call `readValue` through its
 * module's exports, so wrapping that export lets the value's own bytes be read again as exact text.
 * tedious is pinned by package-lock; unit tests run the wrapped parser on real TDS bytes, and
 * installation fails loudly if the module no longer looks as expected.
 */

type ReadValue = (buf: Buffer, offset: number, metadata: Metadata, options: unknown) => Result<unknown>;
interface ValueParserModule {
  readValue: ReadValue & { [EXACT]?: true };
}

const EXACT = Symbol.for('pstt.mssql.exactDecimals');

/** The exact text of the value that `readValue` read from `buf` between `start` and `end`, or undefined. */
function exactText(
  typeName: string,
  buf: Buffer,
  start: number,
  end: number,
  scale: number | undefined,
): string | undefined {
  switch (typeName) {
    case 'DecimalN':
    case 'NumericN':
      // A length byte, then the sign and the magnitude.
      return tdsDecimalText(buf.subarray(start + 1, end), scale ?? 0);
    case 'Money':
    case 'SmallMoney':
      return tdsMoneyText(buf.subarray(start, end));
    case 'MoneyN':
      return tdsMoneyText(buf.subarray(start + 1, end));
    default:
      return undefined;
  }
}

/** Wraps tedious's `readValue` (once per module instance) so that exact decimal types read as text. */
export function installExactDecimals(): void {
  // The tedious that mssql loads, wherever the package manager put it.
  const fromMssql = { paths: [path.dirname(require.resolve('mssql'))] };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const parser = require(require.resolve('tedious/lib/value-parser', fromMssql)) as ValueParserModule;
  const original = parser.readValue;
  if (typeof original !== 'function')
    throw new Error('tedious/lib/value-parser has no readValue: update mssql-exact-decimals.ts');
  if (original[EXACT]) return;
  const wrapped: ValueParserModule['readValue'] = (buf, offset, metadata, options) => {
    const result = original(buf, offset, metadata, options);
    if (typeof result.value !== 'number') return result;
    const text = exactText(metadata.type.name, buf, offset, result.offset, metadata.scale);
    if (text !== undefined) result.value = text;
    return result;
  };
  wrapped[EXACT] = true;
  parser.readValue = wrapped;
}
