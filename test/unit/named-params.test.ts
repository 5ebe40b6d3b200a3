import { InvalidQueryError, NON_RETRYABLE_ERROR_TYPES, QueryParameterError } from '../../core/errors';
import { bindNamedParams, findNamedParams, type SqlDialect } from '../../core/sources/named-params';

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
    expect(NON_RETRYABLE_ERROR_TYPES).toEqual(
      expect.arrayContaining([QueryParameterError.name, InvalidQueryError.name]),
    );
  });
});
