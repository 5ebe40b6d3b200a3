import { reconcile } from '../../core/reconcile';
import { countSqlOf } from '../../core/sources/source';

describe("a run's reconciliation", () => {
  it('is exact when count, rows read and rows delivered agree', () => {
    expect(reconcile(5, 5, { count: 5, countAfter: null, sameSnapshot: true })).toEqual({
      rows_read: 5,
      rows_delivered: 5,
      count: 5,
      count_after: null,
      same_snapshot: true,
      suspect: false,
      reason: null,
    });
  });

  it('without a count, compares rows read with rows delivered only', () => {
    expect(reconcile(5, 5, null)).toMatchObject({ count: null, same_snapshot: null, suspect: false });
    expect(reconcile(5, 4, null)).toMatchObject({ suspect: true, reason: 'the export read 5 rows but delivered 4' });
  });

  it('is suspect when the count differs from the rows read', () => {
    expect(reconcile(4, 4, { count: 5, countAfter: null, sameSnapshot: true })).toMatchObject({
      suspect: true,
      reason: 'the query counted 5 rows but the export read 4',
    });
  });

  it('without one snapshot (SQL Server), is suspect when the counts before and after differ, even if the read matches one', () => {
    const r = reconcile(5, 5, { count: 5, countAfter: 6, sameSnapshot: false });
    expect(r).toMatchObject({ count: 5, count_after: 6, same_snapshot: false, suspect: true });
    expect(r.reason).toBe('the query counted 5 rows before the export and 6 after it');
    expect(reconcile(5, 5, { count: 5, countAfter: 5, sameSnapshot: false }).suspect).toBe(false);
  });

  it('rows read unknown (an exactly-once attempt that found every row committed): nothing to compare', () => {
    expect(reconcile(null, 7, null)).toMatchObject({ rows_read: null, rows_delivered: 7, suspect: false });
  });
});

describe('the count query', () => {
  it('wraps the query as a subquery, without its trailing semicolon, and survives a trailing line comment', () => {
    expect(countSqlOf('SELECT a FROM t ORDER BY a; \n')).toBe(
      'SELECT COUNT(*) AS n FROM (\nSELECT a FROM t ORDER BY a\n) reconcile_q',
    );
    expect(countSqlOf('SELECT a FROM t -- all of them')).toBe(
      'SELECT COUNT(*) AS n FROM (\nSELECT a FROM t -- all of them\n) reconcile_q',
    );
  });
});
