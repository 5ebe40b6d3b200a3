/**
 * How SQL Server values leave the driver, per the value policy: DECIMAL, NUMERIC, MONEY and BIGINT
 * as strings, date and time types as `Date` (read as UTC), binary as `Buffer`, UNIQUEIDENTIFIER as
 * text. tedious reads DECIMAL and MONEY as JS numbers, which keep about 15 digits: the exact text is
 * read from the value's bytes instead (`tdsDecimalText`, `tdsMoneyText`, hooked into tedious by
 * mssql-exact-decimals.ts); a number that still arrives is written with the column's scale.
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

/** `units` / 10^scale as plain decimal text with exactly `scale` digits after the point. */
export function scaledText(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const text = scale > 0 ? `${whole}.${digits.slice(digits.length - scale)}` : whole;
  return negative ? `-${text}` : text;
}

/**
 * A DECIMAL or NUMERIC value as it travels in TDS (after its length byte): a sign byte (1 for
 * positive, 0 for negative) then the unscaled magnitude, little-endian, in 4, 8, 12 or 16 bytes.
 */
export function tdsDecimalText(bytes: Uint8Array, scale: number): string {
  let magnitude = 0n;
  for (let i = bytes.length - 1; i >= 1; i--) magnitude = (magnitude << 8n) | BigInt(bytes[i] as number);
  return scaledText(bytes[0] === 1 ? magnitude : -magnitude, scale);
}

/**
 * A MONEY (8 bytes: the high 32 bits then the low 32 bits, each little-endian) or SMALLMONEY (4 bytes)
 * value as it travels in TDS: a signed count of ten-thousandths.
 */
export function tdsMoneyText(bytes: Uint8Array): string {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const units =
    bytes.length === 4
      ? BigInt(view.readInt32LE(0))
      : (BigInt(view.readInt32LE(0)) << 32n) | BigInt(view.readUInt32LE(4));
  return scaledText(units, 4);
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
