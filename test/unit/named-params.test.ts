import { InvalidQueryError, PermanentError, QueryParameterError } from '../../core/errors';
import {
  bindNamedParams,
  findNamedParams,
  singleStatementProblem,
  type SqlDialect,
} from '../../core/sources/named-params';

const names = (sql: string, dialect: SqlDialect = 'postgres') => findNamedParams(sql, dialect).map((r) => r.name);

describe('findNamedParams', () => {
  it('finds :name placeholders in text order, repeats included', () => {
    expect(names('SELECT * FROM t WHERE a = :a AND b > :b_2 OR a = :a')).toEqual(['a', 'b_2', 'a']);
    expect(names('SELECT * FROM t WHERE a IN (:x,:y)')).toEqual(['x', 'y']);
    expect(names('SELECT :città AS c')).toEqual(['città']);
  });

  it('skips string literals, with doubled quotes inside', () => {
    expect(names("SELECT ':no', 'it''s :no', :yes")).toEqual(['yes']);
  });

  it('skips quoted identifiers', () => {
    expect(names('SELECT "col:no" FROM t WHERE x = :yes')).toEqual(['yes']);
    expect(names('SELECT "a"":no" , :yes')).toEqual(['yes']);
    expect(names('SELECT [col :no], [a]]:no], :yes', 'mssql')).toEqual(['yes']);
    expect(names('SELECT [col :no], `b :no`, :yes', 'sqlite')).toEqual(['yes']);
  });

  it('reads PostgreSQL brackets as array syntax, not identifiers', () => {
    expect(names('SELECT * FROM t WHERE id = ANY(ARRAY[:a, :b])')).toEqual(['a', 'b']);
  });

  it('skips line and block comments, nested ones where the dialect nests them', () => {
    expect(names('SELECT 1 -- :no\n, :yes')).toEqual(['yes']);
    expect(names('SELECT /* :no /* :no */ :no */ :yes')).toEqual(['yes']);
    expect(names('SELECT /* :no /* :no */ :yes', 'sqlite')).toEqual(['yes']);
  });

  it('skips PostgreSQL :: casts but keeps a parameter that is cast', () => {
    expect(names('SELECT x::int, :since::timestamptz, now()::date')).toEqual(['since']);
    expect(names('SELECT geography::Point(1, 2, 4326), :yes', 'mssql')).toEqual(['yes']);
  });

  it('skips PostgreSQL dollar-quoted and E-strings', () => {
    expect(names('SELECT $$ :no $$, $tag$ :no $$ :no $tag$, :yes')).toEqual(['yes']);
    expect(names("SELECT E'it\\'s :no', :yes")).toEqual(['yes']);
    expect(names('SELECT a$b$c, :yes')).toEqual(['yes']);
  });

  it('does not take a colon after an identifier or number as a parameter', () => {
    expect(names('SELECT arr[1:n], arr[lo:hi] FROM t WHERE x = :yes')).toEqual(['yes']);
    expect(names("SELECT '10:30', :yes")).toEqual(['yes']);
  });

  it('tolerates unterminated literals and comments (the database reports them)', () => {
    expect(names("SELECT :a, 'open :no")).toEqual(['a']);
    expect(names('SELECT :a /* open :no')).toEqual(['a']);
  });
});

describe('bindNamedParams', () => {
  const since = new Date(Date.UTC(2026, 0, 2));

  it('numbers PostgreSQL placeholders, the same name getting the same number', () => {
    const bound = bindNamedParams('SELECT * FROM t WHERE a = :a AND b = :b OR c = :a', 'postgres', { a: 1, b: 'x' });
    expect(bound).toEqual({
      text: 'SELECT * FROM t WHERE a = $1 AND b = $2 OR c = $1',
      names: ['a', 'b'],
      values: [1, 'x'],
    });
  });

  it('keeps casts after a PostgreSQL placeholder', () => {
    expect(bindNamedParams('SELECT :since::timestamptz', 'postgres', { since }).text).toBe('SELECT $1::timestamptz');
  });

  it('writes @name for SQL Server and keeps :name for SQLite', () => {
    expect(bindNamedParams("SELECT ':x', :x, :y", 'mssql', { x: 1, y: null }).text).toBe("SELECT ':x', @x, @y");
    expect(bindNamedParams("SELECT ':x', :x, :y", 'sqlite', { x: 1, y: null }).text).toBe("SELECT ':x', :x, :y");
  });

  it('leaves out parameters the query does not use', () => {
    const bound = bindNamedParams('SELECT :b', 'postgres', { a: 1, b: since, c: true });
    expect(bound.names).toEqual(['b']);
    expect(bound.values).toEqual([since]);
  });

  it('accepts null as a value', () => {
    expect(bindNamedParams('SELECT :a', 'postgres', { a: null }).values).toEqual([null]);
  });

  it('leaves a query without parameters unchanged', () => {
    expect(bindNamedParams('SELECT 1', 'postgres')).toEqual({ text: 'SELECT 1', names: [], values: [] });
  });

  it('rejects a used parameter without a value, naming it and the defined ones', () => {
    const run = () => bindNamedParams('SELECT :since, :until, :kind', 'postgres', { since, kind: 'a', extra: 1 });
    expect(run).toThrow(QueryParameterError);
    expect(run).toThrow('query parameter :until has no value; defined parameters: :since, :kind, :extra');
    try {
      run();
    } catch (err) {
      expect((err as QueryParameterError).missing).toEqual(['until']);
      expect((err as QueryParameterError).name).toBe('QueryParameterError');
    }
    expect(() => bindNamedParams('SELECT :a, :b', 'mssql')).toThrow(
      'query parameters :a, :b have no value; defined parameters: (none)',
    );
  });

  it('does not take inherited object properties as values', () => {
    expect(() => bindNamedParams('SELECT :constructor', 'postgres', {})).toThrow(QueryParameterError);
  });

  it('lists its errors as not retryable', () => {
    expect(new QueryParameterError(['a'], [])).toBeInstanceOf(PermanentError);
    expect(new InvalidQueryError('syntax error', '42601')).toBeInstanceOf(PermanentError);
  });
});

describe('bindNamedParams casts (PostgreSQL times)', () => {
  it('casts each use of a named time on PostgreSQL only, after its placeholder', () => {
    const sql =
      "SELECT * FROM t WHERE at > COALESCE(:last_success_time, '1970-01-01') AND at <= :scheduled_time AND :last_success_time IS NULL";
    const casts = { last_success_time: 'timestamptz', scheduled_time: 'timestamptz' };
    expect(bindNamedParams(sql, 'postgres', { last_success_time: null, scheduled_time: 'x' }, casts).text).toBe(
      "SELECT * FROM t WHERE at > COALESCE($1::timestamptz, '1970-01-01') AND at <= $2::timestamptz AND $1::timestamptz IS NULL",
    );
    expect(bindNamedParams(sql, 'mssql', { last_success_time: null, scheduled_time: 'x' }, casts).text).toBe(
      "SELECT * FROM t WHERE at > COALESCE(@last_success_time, '1970-01-01') AND at <= @scheduled_time AND @last_success_time IS NULL",
    );
    expect(bindNamedParams(sql, 'sqlite', { last_success_time: null, scheduled_time: 'x' }, casts).text).toBe(sql);
  });
});

describe('singleStatementProblem (SQL Server batches)', () => {
  const problem = (sql: string) => singleStatementProblem(sql, 'mssql');

  it('accepts one query, a trailing ";" and comments after it', () => {
    expect(problem('SELECT id FROM t WHERE a = :a')).toBeNull();
    expect(problem('SELECT id FROM t;')).toBeNull();
    expect(problem('SELECT id FROM t ; ;  -- done\n/* really; done */ ')).toBeNull();
    expect(problem('WITH c AS (SELECT 1 AS x) SELECT x FROM c ORDER BY x OFFSET 0 ROWS')).toBeNull();
    expect(problem("SELECT a FROM t INNER MERGE JOIN u ON t.id = u.id OPTION (USE HINT ('x'))")).toBeNull();
  });

  it('skips ";" and keywords inside literals, bracketed names and comments', () => {
    expect(problem('SELECT \'a; DELETE FROM t\' AS s, [x;y] AS [update], "set" FROM t -- ; drop\n')).toBeNull();
    expect(problem('SELECT 1 AS a /* ; DELETE FROM t /* nested; */ ; */ FROM t')).toBeNull();
    expect(problem('SELECT @insert_count AS n, #into.x FROM #into')).toBeNull();
  });

  it('refuses a second statement after ";", saying where', () => {
    expect(problem('SELECT 1 AS a; SELECT 2 AS b')).toBe(
      'holds more than one statement: a second one follows the ";" at character 14',
    );
    expect(problem("SELECT ';' AS s;DROP TABLE t")).toMatch(/^holds more than one statement: .* character 16$/);
  });

  it('refuses statements that write or run code, even without ";" (T-SQL does not need one)', () => {
    expect(problem('SELECT * FROM t DELETE FROM t')).toBe(
      'must be one query, but uses DELETE at character 17: a source may only be read',
    );
    expect(problem('SELECT * INTO copy FROM t')).toMatch(/uses INTO at character 10/);
    expect(problem('exec sp_who')).toMatch(/uses EXEC at character 1/);
    expect(problem('SELECT 1 AS a\nupdate t set a = 1')).toMatch(/uses UPDATE/);
    expect(problem('DECLARE @x int = 1 SELECT @x AS x')).toMatch(/uses DECLARE/);
    expect(problem("SELECT id FROM t WAITFOR DELAY '0:0:1' TRUNCATE TABLE t")).toMatch(/uses TRUNCATE/);
  });

  it('checks only ";" in other dialects, whose keywords are not T-SQL\'s', () => {
    expect(singleStatementProblem('SELECT 1 AS "update"; SELECT 2', 'postgres')).toMatch(/more than one statement/);
    expect(singleStatementProblem('SELECT set FROM t', 'sqlite')).toBeNull();
  });
});
