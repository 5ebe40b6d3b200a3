import { compileSerializer } from '../../core/compiled-serializer';
import { RowSerializationError } from '../../core/errors';
import { messageKeyOf, rowToJson, type Row } from '../../core/row-serializer';
import { JsonText } from '../../core/json-text';
import { MicroDate } from '../../core/micro-date';
import { rowBuilder, type ColumnInfo, type RowValues, type ValueHint } from '../../core/row-values';

const HINTS: ValueHint[] = ['string', 'number', 'bigint', 'boolean', 'date', 'binary', 'unknown'];

/** The row object a driver builds for these values: assigned in column order, last name wins, `__proto__` an own key. */
function objectOf(names: readonly string[], values: RowValues): Row {
  return rowBuilder(names)(values);
}

/** Asserts that every hint gives exactly rowToJson's text and messageKeyOf's key for each column. */
function expectSame(names: readonly string[], rows: RowValues[]): void {
  for (const hint of HINTS) {
    const columns: ColumnInfo[] = names.map((name) => ({ name, hint }));
    for (const keyField of [undefined, ...names]) {
      const serializer = compileSerializer(columns, keyField);
      for (const values of rows) {
        const row = objectOf(names, values);
        const key = messageKeyOf(row, keyField);
        expect(serializer.keyOf(values)).toBe(key);
        expect(serializer.valueOf(values, key)).toBe(rowToJson(row, key));
      }
    }
  }
}

const EDGE_VALUES: unknown[] = [
  null,
  undefined,
  0,
  -0,
  1,
  -1.5,
  0.1,
  1e21,
  5e-324,
  Number.MAX_SAFE_INTEGER,
  NaN,
  Infinity,
  -Infinity,
  0n,
  -7n,
  2n ** 53n - 1n,
  2n ** 53n,
  2n ** 53n + 1n,
  -(2n ** 53n) - 1n,
  2n ** 64n,
  true,
  false,
  '',
  'plain',
  'quote " backslash \\ slash / newline \n tab \t nul \u0000 bell \u0007',
  'line sep \u2028 para sep \u2029 del \u007f',
  'àé日本語 🎉',
  'lone surrogate \ud800 end',
  '{"looks":"like json"}',
  new Date(Date.UTC(2026, 2, 1, 12, 34, 56, 789)),
  new Date(Date.UTC(-5, 0, 1)),
  new Date(8.64e15),
  Buffer.from([0, 1, 2, 255]),
  Buffer.alloc(0),
  new Uint8Array([104, 105]),
  Buffer.from('abcdef').subarray(2, 4),
  { nested: { n: 1, s: 'x\ny', list: [1, null, 'a'] } },
  [1, 'two', { three: 3 }, [new Date(0)]],
  {},
  [],
  new JsonText('{"big":123456789012345678901234567890,"f":0.10000000000000000001,"s":"é"}'),
  new JsonText('[1.0,null,"x"]'),
  new MicroDate(Date.UTC(2026, 2, 1, 12, 34, 56, 789), 12),
  new MicroDate(-1, 999),
  [new MicroDate(0, 1), new JsonText('{"a":1}')],
];

describe('compiled serializer', () => {
  it('writes every edge value as rowToJson does, whatever type the column was declared with', () => {
    expectSame(
      ['v'],
      EDGE_VALUES.map((v) => [v]),
    );
    expectSame(
      ['a', 'b', 'c'],
      EDGE_VALUES.map((v, i) => [v, EDGE_VALUES[(i + 7) % EDGE_VALUES.length], i]),
    );
  });

  it('keeps bigint beyond 2^53 as text, -0 as 0 and NaN/Infinity as strings', () => {
    const serializer = compileSerializer(
      [
        { name: 'big', hint: 'bigint' },
        { name: 'z', hint: 'number' },
        { name: 'nan', hint: 'number' },
        { name: 'inf', hint: 'number' },
      ],
      'big',
    );
    const values = [9007199254740993n, -0, NaN, -Infinity];
    expect(serializer.keyOf(values)).toBe('9007199254740993');
    expect(serializer.valueOf(values, null)).toBe('{"big":"9007199254740993","z":0,"nan":"NaN","inf":"-Infinity"}');
  });

  it('escapes unicode, quotes and control characters in column names', () => {
    const names = ['naïve', 'with "quotes"', 'back\\slash', 'new\nline', '日本', '🎉', 'sep\u2028', ''];
    expectSame(names, [names.map((_, i) => `v${i}\u0001"`)]);
    const serializer = compileSerializer(
      names.map((name) => ({ name, hint: 'string' as const })),
      undefined,
    );
    expect(JSON.parse(serializer.valueOf(names.map(String), null))).toEqual(
      Object.fromEntries(names.map((n) => [n, n])),
    );
  });

  it('treats duplicate, integer-like and __proto__ column names as a row object does', () => {
    // Duplicates: first position, last value. Integer-like names: first, ascending, as in any object.
    expectSame(
      ['id', 'b', 'id', '10', '2', 'x'],
      [
        [1, 2, 3, 4, 5, 6],
        ['a', null, 'c', 'd', 'e', 'f'],
      ],
    );
    const serializer = compileSerializer(
      ['id', 'b', 'id', '10', '2'].map((name) => ({ name, hint: 'unknown' as const })),
      'id',
    );
    expect(serializer.valueOf([1, 2, 3, 4, 5], '3')).toBe('{"2":5,"10":4,"id":3,"b":2}');
    expect(serializer.keyOf([1, 2, 3, 4, 5])).toBe('3');
    expect(serializer.indexOf('id')).toBe(2);
    expect(serializer.indexOf('nope')).toBe(-1);
    expectSame(
      ['__proto__', 'a'],
      [
        [1, 2],
        [Buffer.from('x'), { o: 1 }],
        [null, 'b'],
      ],
    );
    expectSame(['a', '__proto__', 'constructor', 'toString'], [[1, 2, 3, 4]]);
  });

  it('keeps a column named __proto__ like any other, keyed by it too', () => {
    const columns = ['__proto__', 'a'].map((name) => ({ name, hint: 'unknown' as const }));
    const serializer = compileSerializer(columns, '__proto__');
    expect(serializer.valueOf([{ o: 1 }, 2], null)).toBe('{"__proto__":{"o":1},"a":2}');
    expect(serializer.keyOf([7, 2])).toBe('7');
    expect(rowToJson(objectOf(['__proto__', 'a'], [{ o: 1 }, 2]))).toBe('{"__proto__":{"o":1},"a":2}');
  });

  it('writes JSON text verbatim and timestamps with their microseconds', () => {
    const serializer = compileSerializer(
      [
        { name: 'j', hint: 'unknown' },
        { name: 'at', hint: 'date' },
        { name: 'ats', hint: 'unknown' },
      ],
      undefined,
    );
    const values = [
      new JsonText('{"n":12345678901234567890}'),
      new MicroDate(Date.UTC(2026, 0, 1), 7),
      [new MicroDate(-1, 999)],
    ];
    const expected =
      '{"j":{"n":12345678901234567890},"at":"2026-01-01T00:00:00.000007Z","ats":["1969-12-31T23:59:59.999999Z"]}';
    expect(serializer.valueOf(values, null)).toBe(expected);
    expect(rowToJson(objectOf(['j', 'at', 'ats'], values))).toBe(expected);
  });

  it('leaves out a property whose value JSON.stringify leaves out, as rowToJson does', () => {
    const silent = { toJSON: () => undefined };
    expectSame(
      ['a', 'b', 'c'],
      [
        [silent, 1, silent],
        [1, silent, 2],
        [silent, silent, silent],
      ],
    );
  });

  it('fails as rowToJson does: RowSerializationError naming the column and the key', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const cases: Array<[string, unknown]> = [
      ['a symbol has no JSON form', Symbol('s')],
      ['a function has no JSON form', () => 1],
      ['invalid date', new Date(NaN)],
      ['Do not know how to serialize a BigInt', { n: 1n }],
      ['circular', circular],
    ];
    for (const [reason, bad] of cases) {
      for (const hint of HINTS) {
        const serializer = compileSerializer(
          ['id', 'bad', 'later'].map((name) => ({ name, hint })),
          'id',
        );
        const values = [7n, bad, 'ok'];
        let error: unknown;
        try {
          serializer.valueOf(values, serializer.keyOf(values));
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(RowSerializationError);
        expect((error as RowSerializationError).column).toBe('bad');
        expect((error as RowSerializationError).key).toBe('7');
        expect((error as Error).message).toContain(reason);
        expect(() => rowToJson({ id: 7n, bad, later: 'ok' }, '7')).toThrow((error as Error).message);
      }
    }
  });

  it('keys by a column that is not there as messageKeyOf does: null', () => {
    const serializer = compileSerializer([{ name: 'a', hint: 'number' }], 'missing');
    expect(serializer.keyOf([1])).toBeNull();
  });

  it('builds the row objects the resume checks read', () => {
    const serializer = compileSerializer(
      ['id', 'name', 'id'].map((name) => ({ name, hint: 'unknown' as const })),
      undefined,
    );
    const row = serializer.rowOf([1n, 'a', 2n]);
    expect(row).toEqual({ id: 2n, name: 'a' });
    expect(Object.keys(row)).toEqual(['id', 'name']);
  });
});
