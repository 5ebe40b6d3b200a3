import { ResumeKeyError } from '../../core/errors';
import { keyOf, keyParams, ResumeKeyTracker } from '../../core/resume-key';
import { codeOnly } from '../../core/sources/named-params';
import { columnsProbe, keyedQuery } from '../../core/sources/resume-query';

describe('resume key values', () => {
  it('round-trip through a checkpoint (JSON) to values that bind exactly', () => {
    const at = new Date('2026-03-01T10:00:00.123Z');
    const key = keyOf({ id: 9007199254740993n, name: 'x', at, n: 1.5 }, ['id', 'name', 'at', 'n'], 's');
    const restored = keyParams(JSON.parse(JSON.stringify(key)));
    expect(restored).toEqual([9007199254740993n, 'x', at, 1.5]);
  });

  it('refuse NULL, binary and JSON values, naming the scheduling and the column', () => {
    expect(() => keyOf({ id: null }, ['id'], 'orders-sync')).toThrow(
      'scheduling "orders-sync": resume_key (id) has NULL in column "id": a resume key must be NOT NULL',
    );
    expect(() => keyOf({ b: Buffer.from('a') }, ['b'], 's')).toThrow(/column "b" holds binary data/);
    expect(() => keyOf({ j: { a: 1 } }, ['j'], 's')).toThrow(/column "j" holds JSON/);
  });
});

describe('ResumeKeyTracker', () => {
  it('accepts rows whose key tuples ascend, text compared for repeats only', () => {
    const t = new ResumeKeyTracker(['a', 'b'], 's');
    for (const row of [
      { a: 1n, b: 'z' },
      { a: 1n, b: 'a' }, // text: the collation decides, so no direction is checked
      { a: 2, b: 'a' },
      { a: 3n, b: 'a' },
    ]) {
      expect(() => t.check(row)).not.toThrow();
    }
  });

  it('fails on a repeated key tuple (not unique) and on a number or date going backwards', () => {
    const repeat = new ResumeKeyTracker(['a', 'b'], 'orders');
    repeat.check({ a: 1, b: 'x' });
    expect(() => repeat.check({ a: 1, b: 'x' })).toThrow(
      new ResumeKeyError('orders', ['a', 'b'], 'is not unique: two rows have (1, "x")'),
    );
    const back = new ResumeKeyTracker(['at'], 'orders');
    back.check({ at: new Date('2026-01-02T00:00:00Z') });
    expect(() => back.check({ at: new Date('2026-01-01T00:00:00Z') })).toThrow(
      /goes backwards: \(2026-01-01T00:00:00.000Z\)/,
    );
  });

  it('starts after the checkpointed key of a resumed attempt', () => {
    const t = new ResumeKeyTracker(['id'], 's', [{ bigint: '10' }]);
    expect(() => t.check({ id: 10n })).toThrow(ResumeKeyError);
  });
});

describe('keyedQuery', () => {
  it('orders the query by its key and, after a checkpoint, keeps the rows past the key tuple', () => {
    const first = keyedQuery('SELECT * FROM t ORDER BY a, b;', 'postgres', ['a', 'b'], null);
    expect(first).toEqual({
      sql: 'SELECT * FROM (\nSELECT * FROM t ORDER BY a, b\n) pstt_q\nORDER BY "a", "b"',
      params: {},
    });
    const after = keyedQuery('SELECT * FROM t -- all of it', 'sqlite', ['a', 'b', 'c'], [1, 'x', 2]);
    expect(after.sql).toBe(
      'SELECT * FROM (\nSELECT * FROM t -- all of it\n) pstt_q\n' +
        'WHERE ("a" > :pstt_after_0) OR ("a" = :pstt_after_0 AND "b" > :pstt_after_1) OR ' +
        '("a" = :pstt_after_0 AND "b" = :pstt_after_1 AND "c" > :pstt_after_2)\nORDER BY "a", "b", "c"',
    );
    expect(after.params).toEqual({ pstt_after_0: 1, pstt_after_1: 'x', pstt_after_2: 2 });
  });

  it('quotes identifiers per dialect', () => {
    expect(keyedQuery('SELECT 1 AS "a""b"', 'postgres', ['a"b'], [1]).sql).toContain('WHERE "a""b" > :pstt_after_0');
    expect(keyedQuery('SELECT 1 AS [a]]b]', 'mssql', ['a]b'], [1]).sql).toContain('WHERE [a]]b] > :pstt_after_0');
  });

  it('on SQL Server, makes a top-level ORDER BY legal in the derived table with OFFSET 0 ROWS, only where needed', () => {
    const wrapped = (sql: string) => keyedQuery(sql, 'mssql', ['id'], null).sql;
    expect(wrapped('SELECT id FROM t ORDER BY id')).toContain('ORDER BY id\nOFFSET 0 ROWS\n)');
    expect(wrapped('SELECT id FROM t ORDER BY id OFFSET 5 ROWS')).not.toContain('OFFSET 0 ROWS');
    expect(wrapped('SELECT TOP 10 id FROM t ORDER BY id')).not.toContain('OFFSET 0 ROWS');
    expect(wrapped('SELECT id FROM (SELECT TOP 5 id FROM t ORDER BY id) x')).not.toContain('OFFSET 0 ROWS');
    expect(wrapped("SELECT id FROM t WHERE note = 'ORDER BY'")).not.toContain('OFFSET 0 ROWS');
  });

  it('probes the columns with a query that returns no rows', () => {
    expect(columnsProbe('SELECT a FROM t', 'sqlite')).toBe('SELECT * FROM (\nSELECT a FROM t\n) pstt_q\nWHERE 1 = 0');
  });

  it('codeOnly blanks literals and comments, keeping offsets', () => {
    const sql = "SELECT 'a;b' -- x;\nFROM t /* c */";
    const code = codeOnly(sql, 'postgres');
    expect(code).toHaveLength(sql.length);
    expect(code.replace(/\s+/g, ' ')).toBe('SELECT FROM t ');
  });
});
