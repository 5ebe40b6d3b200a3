import { messageKeyOf, rowToJson, toJsonValue } from '../../core/row-serializer';

describe('row serializer', () => {
  it('keeps numbers, strings, booleans and NULL', () => {
    expect(JSON.parse(rowToJson({ a: 1, b: 'x', c: true, d: null, e: undefined }))).toEqual({
      a: 1,
      b: 'x',
      c: true,
      d: null,
      e: null,
    });
  });

  it('turns safe 64-bit integers into numbers and larger ones into strings', () => {
    expect(toJsonValue(42n)).toBe(42);
    expect(toJsonValue(9007199254740993n)).toBe('9007199254740993');
    expect(toJsonValue(-9007199254740993n)).toBe('-9007199254740993');
  });

  it('writes dates as ISO-8601 UTC and binary as base64', () => {
    expect(toJsonValue(new Date(Date.UTC(2026, 0, 2, 3, 4, 5)))).toBe('2026-01-02T03:04:05.000Z');
    expect(toJsonValue(Buffer.from('hi'))).toBe('aGk=');
    expect(toJsonValue(new Uint8Array([1, 2]))).toBe('AQI=');
  });

  it('keeps column names as the query returns them', () => {
    expect(Object.keys(JSON.parse(rowToJson({ Zeta: 1, alpha: 2, 'with space': 3 })) as object)).toEqual([
      'Zeta',
      'alpha',
      'with space',
    ]);
  });

  it('derives the message key from the key field, or null', () => {
    expect(messageKeyOf({ id: 7n }, 'id')).toBe('7');
    expect(messageKeyOf({ id: 'A-1' }, 'id')).toBe('A-1');
    expect(messageKeyOf({ id: null }, 'id')).toBeNull();
    expect(messageKeyOf({ id: 7 }, undefined)).toBeNull();
  });
});
