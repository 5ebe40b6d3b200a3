import Database from 'better-sqlite3';
import { checkedSchedulingSchema, durationToMs, type SchedulingInput } from '../../core/scheduling';
import { keyedQuery } from '../../core/sources/resume-query';
import { sourceClockMinus } from '../../core/sources/source-clock';

describe('the incremental window in SQL', () => {
  it('after a watermark: the tuple comparison of keyedQuery and the source clock bound, ordered by (column, key)', () => {
    const upTo = sourceClockMinus('postgres', 30_000, 'sql');
    const q = keyedQuery('SELECT id, updated_at FROM t;', 'postgres', ['updated_at', 'id'], ['2026-01-01', 7], {
      upTo,
    });
    expect(q.sql).toBe(
      'SELECT * FROM (\nSELECT id, updated_at FROM t\n) pstt_q\n' +
        'WHERE (("updated_at" > :pstt_after_0) OR ("updated_at" = :pstt_after_0 AND "id" > :pstt_after_1)) ' +
        `AND ("updated_at" <= (now() - interval '30000 milliseconds'))\nORDER BY "updated_at", "id"`,
    );
    expect(q.params).toEqual({ pstt_after_0: '2026-01-01', pstt_after_1: 7 });
  });

  it('the first run: from initial (inclusive) up to the bound; `from` is ignored once there is a tuple', () => {
    const from = new Date('2026-01-01T00:00:00Z');
    const first = keyedQuery('SELECT * FROM t', 'mssql', ['at', 'id'], null, { from, upTo: 'X' });
    expect(first.sql).toContain('WHERE ([at] >= :pstt_from) AND ([at] <= X)\nORDER BY [at], [id]');
    expect(first.params).toEqual({ pstt_from: from });
    expect(keyedQuery('SELECT * FROM t', 'mssql', ['at', 'id'], [1, 2], { from, upTo: 'X' }).params).not.toHaveProperty(
      'pstt_from',
    );
    expect(keyedQuery('SELECT * FROM t', 'sqlite', ['at'], null, { upTo: 'X' }).sql).toContain('WHERE "at" <= X\n');
  });

  it("reads SQL Server's own UTC clock, the lag in whole seconds then milliseconds (DATEADD takes an int)", () => {
    expect(sourceClockMinus('mssql', 3_000_000_500, 'sql')).toBe(
      'DATEADD(millisecond, -500, DATEADD(second, -3000000, SYSUTCDATETIME()))',
    );
  });

  it.each([
    ['sql', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/],
    ['iso', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/],
  ] as const)('on SQLite gives the %s text form, lag subtracted by the database', (format, form) => {
    const db = new Database(':memory:');
    try {
      const { bound, now } = db
        .prepare(`SELECT ${sourceClockMinus('sqlite', 90_500, format)} AS bound, datetime('now') AS now`)
        .get() as {
        bound: string;
        now: string;
      };
      expect(bound).toMatch(form);
      const ms =
        Date.parse(`${now.replace(' ', 'T')}Z`) - Date.parse(format === 'sql' ? `${bound.replace(' ', 'T')}Z` : bound);
      // 90.5 s behind the database's clock (read to the second: within one second of that).
      expect(ms).toBeGreaterThan(89_000);
      expect(ms).toBeLessThan(92_000);
      // A CURRENT_TIMESTAMP row of this very second is not yet in a window with a lag, and is with none.
      const row = (lagMs: number) =>
        db.prepare(`SELECT CURRENT_TIMESTAMP <= ${sourceClockMinus('sqlite', lagMs, 'sql')} AS inside`).get() as {
          inside: number;
        };
      expect(row(90_500).inside).toBe(0);
      expect(row(0).inside).toBe(1);
    } finally {
      db.close();
    }
  });

  it('on SQLite gives epoch seconds for an epoch column', () => {
    const db = new Database(':memory:');
    try {
      const { bound, now } = db
        .prepare(`SELECT ${sourceClockMinus('sqlite', 60_000, 'epoch')} AS bound, strftime('%s', 'now') AS now`)
        .get() as {
        bound: number;
        now: string;
      };
      expect(Number(now) - bound).toBeGreaterThan(59);
      expect(Number(now) - bound).toBeLessThan(61);
    } finally {
      db.close();
    }
  });
});

describe('the incremental block of a scheduling', () => {
  const base: SchedulingInput = {
    name: 'changes',
    schedule: { every: '5m' },
    source: 'db',
    query: 'SELECT id, updated_at FROM t',
    export_format: 'kafka',
    kafka_config: { topic: 't' },
  };
  const problems = (input: Partial<SchedulingInput>) => {
    const parsed = checkedSchedulingSchema.safeParse({ ...base, ...input });
    return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('defaults lag to 30s and leaves initial out', () => {
    const parsed = checkedSchedulingSchema.parse({ ...base, incremental: { column: 'updated_at', key: ['id'] } });
    expect(parsed.incremental).toEqual({ column: 'updated_at', key: ['id'], lag: '30s' });
  });

  it('names the field of each mistake', () => {
    expect(problems({ incremental: { column: 'updated_at', key: ['id'], lag: 'half a minute' as '30s' } })).toEqual([
      'incremental.lag: expected a duration such as 500ms, 30s, 5m, 1h, 2d',
    ]);
    expect(problems({ incremental: { column: 'updated_at', key: ['id'], lag: '367d' } })).toEqual([
      'incremental.lag: expected at most 366d',
    ]);
    expect(problems({ incremental: { column: 'changed', key: ['id'] } })).toEqual([
      'incremental.column: "changed" is not a column of the query',
    ]);
    expect(problems({ incremental: { column: 'updated_at', key: [] } })).toEqual([
      'incremental.key: expected at least one column',
    ]);
    expect(problems({ incremental: { column: 'updated_at', key: ['updated_at'] } })).toEqual([
      'incremental.key: must not repeat incremental.column',
    ]);
    // A `*` may hold any column: the run checks it.
    expect(problems({ query: 'SELECT * FROM t', incremental: { column: 'changed', key: ['id'] } })).toEqual([]);
    // A longer name that contains the column is not the column.
    expect(
      problems({ query: 'SELECT id, updated_at_utc FROM t', incremental: { column: 'updated_at', key: ['id'] } }),
    ).toHaveLength(1);
  });

  it('lets exactly_once run without its own resume_key: (column, key) is it', () => {
    const kafka_config = { topic: 't', delivery: 'exactly_once' as const };
    expect(problems({ kafka_config, incremental: { column: 'updated_at', key: ['id'] } })).toEqual([]);
    expect(problems({ kafka_config })).toEqual([
      'kafka_config.resume_key: required with delivery "exactly_once": a retry resumes after the committed key',
    ]);
  });

  it('reads durations in milliseconds', () => {
    expect([
      durationToMs('0s'),
      durationToMs('500ms'),
      durationToMs('30s'),
      durationToMs('5m'),
      durationToMs('2h'),
      durationToMs('1d'),
    ]).toEqual([0, 500, 30_000, 300_000, 7_200_000, 86_400_000]);
  });
});
