/**
 * How SQL Server values leave the driver, per the value policy: DECIMAL, NUMERIC, MONEY and BIGINT
 * as strings, date and time types as `Date` (read as UTC), binary as `Buffer`, UNIQUEIDENTIFIER as
 * text. tedious reads DECIMAL and MONEY as JS numbers, so digits beyond the 15th or so are already
 * lost when they reach us: the string keeps the column's scale, not digits tedious never kept.
 */

import type { ValueHint } from '../row-values';

/** What the mapping needs of an `mssql` column: its type's declaration name (`decimal`, `bigint`...) and scale. */
export interface MssqlColumnType {
  /** `type.declaration` of the mssql column (`decimal`, `money`, `bigint`, `time`...). */
  declaration: string | undefined;
  scale?: number;
}

export type MssqlValueMapper = (value: unknown) => unknown;

/** Writes a number as plain decimal text with exactly `scale` digits after the point, never in exponent form. */
export function decimalToString(value: number, scale: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1e21) {
    // toFixed() switches to exponent form here; such a number is an integer anyway.
    return BigInt(value).toString() + (scale > 0 ? `.${'0'.repeat(scale)}` : '');
  }
  // The shortest text that reads back as the same number, so no invented binary digits (0.1 -> "0.1").
  const shortest = String(value);
  if (!/e/i.test(shortest)) {
    const [whole, fraction = ''] = shortest.split('.');
    if (fraction.length <= scale) return scale > 0 ? `${whole}.${fraction.padEnd(scale, '0')}` : (whole as string);
  }
  return value.toFixed(scale);
}

/** `HH:MM:SS.mmm` of a TIME value, which tedious reads as a Date on 1970-01-01 UTC. */
function timeOfDay(value: Date): string {
  return value.toISOString().slice(11, 23);
}

const identity: MssqlValueMapper = (value) => value;

/** The mapping of one column's values, chosen once per result set. */
export function mssqlValueMapper(column: MssqlColumnType): MssqlValueMapper {
  const declaration = column.declaration?.toLowerCase();
  switch (declaration) {
    case 'decimal':
    case 'numeric':
    case 'money':
    case 'smallmoney': {
      const scale = declaration.endsWith('money') ? 4 : (column.scale ?? 0);
      return (value) => (typeof value === 'number' ? decimalToString(value, scale) : nullable(value, String));
    }
    case 'bigint':
    case 'uniqueidentifier':
      return (value) => nullable(value, String);
    case 'time':
      return (value) => (value instanceof Date ? timeOfDay(value) : nullable(value, String));
    default:
      // int, float, bit, (n)varchar, date and time types, binary: tedious's own values fit the policy.
      return identity;
  }
}

function nullable<T>(value: unknown, convert: (value: unknown) => T): T | null {
  return value === null || value === undefined ? null : convert(value);
}

/** The JS type of a column's values after its mapping, by the type's declaration name. */
export function mssqlHint(declaration: string | undefined): ValueHint {
  switch (declaration?.toLowerCase()) {
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'real':
    case 'float':
      return 'number';
    case 'bit':
      return 'boolean';
    case 'bigint':
    case 'decimal':
    case 'numeric':
    case 'money':
    case 'smallmoney':
    case 'uniqueidentifier':
    case 'time':
    case 'char':
    case 'nchar':
    case 'varchar':
    case 'nvarchar':
    case 'text':
    case 'ntext':
    case 'xml':
      return 'string';
    case 'date':
    case 'datetime':
    case 'datetime2':
    case 'smalldatetime':
    case 'datetimeoffset':
      return 'date';
    case 'binary':
    case 'varbinary':
    case 'image':
      return 'binary';
    default:
      return 'unknown';
  }
}
