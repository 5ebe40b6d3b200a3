import fs from 'node:fs';
import path from 'node:path';
import { NotAQueryError, PermanentError } from '../../core/errors';
import { installExactDecimals } from '../../core/sources/mssql-exact-decimals';
import { MssqlSource } from '../../core/sources/mssql-source';
import { mssqlValueMapper, scaledText, tdsDecimalText, tdsMoneyText } from '../../core/sources/mssql-values';

interface ValueParser {
  readValue: (buf: Buffer, offset: number, metadata: unknown, options: unknown) => { value: unknown; offset: number };
}

/** tedious's value parser, the instance mssql loads: what its row parsers call for every column. */
function tediousValueParser(): ValueParser {
  const fromMssql = { paths: [path.dirname(require.resolve('mssql'))] };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(require.resolve('tedious/lib/value-parser', fromMssql)) as ValueParser;
}

/** A DECIMAL/NUMERIC as TDS sends it: length byte, sign byte (1 = positive), magnitude in 16 bytes little-endian. */
function tdsDecimal(units: bigint): Buffer {
  const buf = Buffer.alloc(18);
  buf[0] = 17;
  buf[1] = units < 0n ? 0 : 1;
  let magnitude = units < 0n ? -units : units;
  for (let i = 2; i < 18; i++) {
    buf[i] = Number(magnitude & 0xffn);
    magnitude >>= 8n;
  }
  return buf;
}

/** A MONEY as TDS sends it: the high 32 bits, then the low 32 bits, each little-endian. */
function tdsMoney(units: bigint): Buffer {
  const buf = Buffer.alloc(8);
  buf.writeInt32LE(Number(BigInt.asIntN(32, units >> 32n)), 0);
  buf.writeUInt32LE(Number(BigInt.asUintN(32, units)), 4);
  return buf;
}

describe('SQL Server exact decimals: the text from the value bytes', () => {
  it('writes scaled integers as plain decimal text with the column scale', () => {
    expect(scaledText(1234567n, 2)).toBe('12345.67');
    expect(scaledText(-5n, 3)).toBe('-0.005');
    expect(scaledText(0n, 2)).toBe('0.00');
    expect(scaledText(42n, 0)).toBe('42');
    expect(scaledText(10n ** 38n - 1n, 10)).toBe('9999999999999999999999999999.9999999999');
  });

  it('reads DECIMAL and MONEY bytes exactly, beyond the 15 digits a double keeps', () => {
    expect(tdsDecimalText(tdsDecimal(1234567890123456789n).subarray(1), 2)).toBe('12345678901234567.89');
    expect(tdsDecimalText(tdsDecimal(-(10n ** 38n - 1n)).subarray(1), 38)).toBe(`-0.${'9'.repeat(38)}`);
    expect(tdsMoneyText(tdsMoney(922337203685477_5807n))).toBe('922337203685477.5807');
    expect(tdsMoneyText(tdsMoney(-922337203685477_5808n))).toBe('-922337203685477.5808');
    const small = Buffer.alloc(4);
    small.writeInt32LE(-2147483648);
    expect(tdsMoneyText(small)).toBe('-214748.3648');
  });

  it("makes tedious's own value parser return exact text for DECIMAL, NUMERIC and MONEY, and leaves other types alone", () => {
    installExactDecimals();
    installExactDecimals(); // twice: wrapped once
    const { readValue } = tediousValueParser();
    const options = {};
    const decimal = readValue(
      tdsDecimal(1234567890123456789n),
      0,
      { type: { name: 'DecimalN' }, scale: 2, precision: 38 },
      options,
    );
    expect(decimal).toEqual(expect.objectContaining({ value: '12345678901234567.89', offset: 18 }));
    const numeric = readValue(tdsDecimal(-7n), 0, { type: { name: 'NumericN' }, scale: 4, precision: 38 }, options);
    expect(numeric.value).toBe('-0.0007');
    const money = readValue(tdsMoney(922337203685477_5807n), 0, { type: { name: 'Money' } }, options);
    expect(money).toEqual(expect.objectContaining({ value: '922337203685477.5807', offset: 8 }));
    const moneyN = readValue(
      Buffer.concat([Buffer.from([8]), tdsMoney(123n)]),
      0,
      { type: { name: 'MoneyN' } },
      options,
    );
    expect(moneyN.value).toBe('0.0123');
    expect(readValue(Buffer.from([0]), 0, { type: { name: 'DecimalN' }, scale: 2 }, options).value).toBeNull();
    const float = Buffer.alloc(8);
    float.writeDoubleLE(0.1);
    expect(readValue(float, 0, { type: { name: 'Float' } }, options).value).toBe(0.1);
    // The mapping keeps the exact text as it is.
    expect(mssqlValueMapper({ declaration: 'decimal', scale: 2 })('12345678901234567.89')).toBe('12345678901234567.89');
  });

  it("relies on tedious's row parsers calling readValue through its module's exports", () => {
    const dir = path.dirname(
      require.resolve('tedious/lib/value-parser', { paths: [path.dirname(require.resolve('mssql'))] }),
    );
    for (const parser of ['row-token-parser.js', 'nbcrow-token-parser.js']) {
      expect(fs.readFileSync(path.join(dir, 'token', parser), 'utf8')).toContain('(0, _valueParser.readValue)(');
    }
  });
});

describe('SQL Server: one query per export', () => {
  it('refuses a batch before connecting, naming the query field (port 1 would refuse the connection)', async () => {
    const source = new MssqlSource('mssql://reader@127.0.0.1:1/erp', { password: 'x' });
    try {
      for (const text of [
        'SELECT 1 AS a; DELETE FROM t',
        'SELECT * FROM t DELETE FROM t',
        'SELECT * INTO copy FROM t',
      ]) {
        const refused = await source.open(text).catch((err: unknown) => err);
        expect(refused).toBeInstanceOf(NotAQueryError);
        expect((refused as Error).message).toMatch(/^query /);
        expect(refused).toBeInstanceOf(PermanentError);
      }
    } finally {
      await source.end();
    }
  });
});
