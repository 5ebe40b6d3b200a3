import { JsonText, jsonTextOf } from './json-text';
import { keyText, rowToJson, toJsonValue, type Row } from './row-serializer';
import { rowBuilder, type ColumnInfo, type RowValues, type ValueHint } from './row-values';

/** How rows of some form become message keys and values, and the row objects resume reads. */
export interface RowEncoder<R> {
  /** The message key: `messageKeyOf(row object, keyField)`. */
  keyOf(row: R): string | null;
  /** The message value: `rowToJson(row object, key)`; `key` only names the row in errors. */
  valueOf(row: R, key: string | null): string;
  /** The row object the drivers return for this row: what resume keys and fingerprints read. */
  rowOf(row: R): Row;
}

/**
 * The value policy of row-serializer.ts, compiled once per query from the cursor's columns: a row's
 * values (an array) go straight to the JSON text that `rowToJson` gives for the same row object, byte
 * for byte, without building the object, a second object of converted values, or a type switch per
 * value where the driver declared the column's type. A value that has no JSON form goes through
 * `rowToJson` itself, so errors stay its own.
 */
export interface CompiledSerializer extends RowEncoder<RowValues> {
  /** Where `row[column]` is read from in the values (the last column of that name), or -1. */
  indexOf(column: string): number;
}

/** Writes one value as JSON text; undefined where JSON.stringify would leave the property out. */
type Writer = (value: unknown) => string | undefined;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/** `JSON.stringify(toJsonValue(value))`, one typeof switch and no intermediate value. */
export const writeJson: Writer = (value) => {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      // JSON writes a finite number as String() does (-0 as 0); the policy writes the others as text.
      return Number.isFinite(value) ? String(value) : `"${String(value)}"`;
    case 'bigint':
      return value <= MAX_SAFE && value >= MIN_SAFE ? value.toString() : `"${value.toString()}"`;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return 'null';
    case 'object':
      if (value === null) return 'null';
      // ISO-8601 and base64 text holds nothing JSON escapes.
      if (value instanceof Date && !Number.isNaN(value.getTime())) return `"${value.toISOString()}"`;
      if (Buffer.isBuffer(value)) return `"${value.toString('base64')}"`;
      if (value instanceof JsonText) return value.json;
      return jsonTextOf(toJsonValue(value));
    default:
      // Throws, with the policy's own message.
      return JSON.stringify(toJsonValue(value));
  }
};

/** Fast paths for the type a column is declared with, each checked; any other value takes `writeJson`. */
const WRITERS: Record<ValueHint, Writer> = {
  string: (v) => (typeof v === 'string' ? JSON.stringify(v) : writeJson(v)),
  number: (v) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : writeJson(v)),
  bigint: (v) => (typeof v === 'bigint' && v <= MAX_SAFE && v >= MIN_SAFE ? v.toString() : writeJson(v)),
  boolean: (v) => (v === true ? 'true' : v === false ? 'false' : writeJson(v)),
  date: (v) => (v instanceof Date && !Number.isNaN(v.getTime()) ? `"${v.toISOString()}"` : writeJson(v)),
  binary: (v) => (Buffer.isBuffer(v) ? `"${v.toString('base64')}"` : writeJson(v)),
  unknown: writeJson,
};

interface Field {
  /** `"name":`, the JSON-escaped name; with a leading comma after the first field. */
  readonly prefix: string;
  readonly index: number;
  readonly write: Writer;
}

/**
 * Compiles the serialiser of one query's rows.
 * @param keyField `message_key_field`, or undefined for null keys
 */
export function compileSerializer(columns: readonly ColumnInfo[], keyField: string | undefined): CompiledSerializer {
  const names = columns.map((c) => c.name);
  const rowOf = rowBuilder(names);
  // Where each name's value comes from, and the key order, as a row object would have them.
  const lastIndex: Record<string, number> = Object.create(null) as Record<string, number>;
  names.forEach((name, i) => (lastIndex[name] = i));
  const order = Object.keys(lastIndex);
  const indexOf = (column: string) => (Object.hasOwn(lastIndex, column) ? (lastIndex[column] as number) : -1);
  const fields: Field[] = order.map((name, n) => {
    const index = lastIndex[name] as number;
    return {
      prefix: `${n ? ',' : ''}${JSON.stringify(name)}:`,
      index,
      write: WRITERS[columns[index]?.hint ?? 'unknown'],
    };
  });
  const keyIndex = keyField === undefined || keyField === '' ? -2 : indexOf(keyField);

  function fast(values: RowValues): string {
    let out = '{';
    let skipped = false;
    for (let f = 0; f < fields.length; f++) {
      const field = fields[f] as Field;
      const text = field.write(values[field.index]);
      if (text === undefined) {
        // JSON.stringify leaves such a property out (an object whose toJSON returns undefined): rare.
        skipped = true;
        continue;
      }
      out += out.length === 1 && skipped ? field.prefix.replace(/^,/, '') : field.prefix;
      out += text;
    }
    return `${out}}`;
  }

  return {
    rowOf,
    indexOf,
    keyOf(values) {
      if (keyIndex === -2) return null;
      if (keyIndex === -1) return keyText(rowOf(values)[keyField as string]);
      const value = values[keyIndex];
      // The common keys without the policy's round trip; the rest as messageKeyOf has them.
      if (typeof value === 'string') return value;
      if (typeof value === 'bigint') return value.toString();
      return keyText(value);
    },
    valueOf(values, key) {
      try {
        return fast(values);
      } catch (err) {
        // rowToJson finds the column and words the error as it always has; it throws too.
        rowToJson(rowOf(values), key);
        throw err;
      }
    },
  };
}
