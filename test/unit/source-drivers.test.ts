import { randomBytes } from 'node:crypto';
import sql from 'mssql';
import {
  ConfigError,
  InvalidQueryError,
  MissingPasswordError,
  QueryTimeoutError,
  UnsupportedSourceError,
} from '../../core/errors';
import { createSource, SourceRegistry } from '../../core/sources';
import { mssqlConfigFromUrl } from '../../core/sources/mssql-config';
import { MssqlSource, addInput, mapMssqlError } from '../../core/sources/mssql-source';
import { decimalToString, mssqlValueMapper } from '../../core/sources/mssql-values';
import { PostgresSource, mapPostgresError } from '../../core/sources/postgres-source';
import { createPostgresTypes, parseTimestampAsUtc } from '../../core/sources/postgres-types';
import { SqliteSource, toSqliteValue } from '../../core/sources/sqlite-source';

describe('createSource', () => {
  it('dispatches on the URL scheme', () => {
    expect(createSource('sqlite:data/demo.db', '/tmp')).toBeInstanceOf(SqliteSource);
    expect(createSource('postgres://u@127.0.0.1/db', '/tmp')).toBeInstanceOf(PostgresSource);
    expect(createSource('postgresql://u@127.0.0.1/db', '/tmp')).toBeInstanceOf(PostgresSource);
    expect(createSource('mssql://u@127.0.0.1/db', '/tmp', 'pw')).toBeInstanceOf(MssqlSource);
  });

  it('rejects another scheme, naming the URL without its password', () => {
    expect(() => createSource('mysql://u:secret@h/db', '/tmp')).toThrow(UnsupportedSourceError);
    expect(() => createSource('mysql://u:secret@h/db', '/tmp')).toThrow(/mysql:\/\/u:\*\*\*@h\/db/);
  });
});

describe('SourceRegistry', () => {
  const config = {
    baseDir: '/tmp',
    sources: {
      erp: { url: 'mssql://reader@db.example/erp', password_env: 'ERP_DB_PASSWORD' },
      local: { url: 'sqlite:demo.db' },
    },
  };

  it('takes the password resolved at start for the source that names password_env', () => {
    const registry = new SourceRegistry(config, { erp: randomBytes(9).toString('hex') });
    expect(registry.get('erp')).toBeInstanceOf(MssqlSource);
    expect(registry.get('erp')).toBe(registry.get('erp'));
    expect(registry.get('local')).toBeInstanceOf(SqliteSource);
  });

  it('names the variable when its password was not resolved, never a value', () => {
    const registry = new SourceRegistry(config, {});
    expect(() => registry.get('erp')).toThrow(MissingPasswordError);
    expect(() => registry.get('erp')).toThrow(
      'source "erp": password_env names ERP_DB_PASSWORD, which is not set in the environment',
    );
    expect(() => new SourceRegistry(config, { erp: '' }).get('erp')).toThrow(MissingPasswordError);
  });
});

describe('mssqlConfigFromUrl', () => {
  it('reads user, host, port, database and options', () => {
    const cfg = mssqlConfigFromUrl('mssql://reader@db.example:1444/erp?encrypt=true&trustServerCertificate=true', 'pw');
    expect(cfg).toMatchObject({
      server: 'db.example',
      port: 1444,
      database: 'erp',
      user: 'reader',
      password: 'pw',
      domain: undefined,
      requestTimeout: 0,
      options: { encrypt: true, trustServerCertificate: true, appName: 'pstt' },
      pool: { max: 4 },
    });
  });

  it('defaults to encryption with a verified certificate, the default port and the login database', () => {
    const cfg = mssqlConfigFromUrl('mssql://reader@db.example');
    expect(cfg).toMatchObject({ server: 'db.example', port: undefined, database: undefined, password: undefined });
    expect(cfg.options).toMatchObject({ encrypt: true, trustServerCertificate: false });
  });

  it('logs in with NTLM for DOMAIN\\user, and takes instanceName and connectTimeout', () => {
    const cfg = mssqlConfigFromUrl('mssql://CORP%5Creader@db.example/erp?instanceName=SQL01&connectTimeout=5000');
    expect(cfg).toMatchObject({ domain: 'CORP', user: 'reader', connectionTimeout: 5000 });
    expect(cfg.options).toMatchObject({ instanceName: 'SQL01' });
  });

  it('rejects unknown options and bad values with the URL redacted', () => {
    expect(() => mssqlConfigFromUrl('mssql://u@h/db?encrpyt=true')).toThrow(ConfigError);
    expect(() => mssqlConfigFromUrl('mssql://u@h/db?encrpyt=true')).toThrow(
      /unknown option "encrpyt"; known options: encrypt/,
    );
    expect(() => mssqlConfigFromUrl('mssql://u:pw@h/db?encrypt=maybe')).toThrow(
      'source url "mssql://u:***@h/db?encrypt=maybe": encrypt expects true or false, got "maybe"',
    );
  });
});

describe('SQL Server value mapping', () => {
  const map = (declaration: string, value: unknown, scale?: number) => mssqlValueMapper({ declaration, scale })(value);

  it('writes DECIMAL, NUMERIC and MONEY as strings with the column scale', () => {
    expect(map('decimal', 1.1, 2)).toBe('1.10');
    expect(map('numeric', -12345.678, 3)).toBe('-12345.678');
    expect(map('decimal', 42, 0)).toBe('42');
    expect(map('money', 12.5)).toBe('12.5000');
    expect(map('smallmoney', 0)).toBe('0.0000');
    expect(map('decimal', null, 2)).toBeNull();
  });

  it('writes BIGINT and UNIQUEIDENTIFIER as strings', () => {
    expect(map('bigint', '9223372036854775807')).toBe('9223372036854775807');
    expect(map('bigint', 42)).toBe('42');
    const guid = 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11';
    expect(map('uniqueidentifier', guid)).toBe(guid);
    expect(map('bigint', null)).toBeNull();
  });

  it('writes TIME as the time of day, and keeps dates, binary, bits and ints as tedious reads them', () => {
    expect(map('time', new Date(Date.UTC(1970, 0, 1, 13, 4, 5, 120)))).toBe('13:04:05.120');
    const when = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
    expect(map('datetime2', when)).toBe(when);
    expect(map('varbinary', Buffer.from('hi'))).toEqual(Buffer.from('hi'));
    expect(map('bit', true)).toBe(true);
    expect(map('int', 7)).toBe(7);
    expect(mssqlValueMapper({ declaration: undefined })('x')).toBe('x');
  });

  it('never writes a decimal in exponent form nor with invented digits', () => {
    expect(decimalToString(1e-7, 7)).toBe('0.0000001');
    expect(decimalToString(1e22, 2)).toBe('10000000000000000000000.00');
    expect(decimalToString(0.1 + 0.2, 2)).toBe('0.30');
    expect(decimalToString(0.3, 10)).toBe('0.3000000000');
  });

  it('turns query errors into InvalidQueryError and timeouts into QueryTimeoutError', () => {
    const syntax = Object.assign(new Error("Incorrect syntax near 'FORM'."), { number: 102, code: 'EREQUEST' });
    expect(mapMssqlError(syntax, undefined)).toBeInstanceOf(InvalidQueryError);
    expect(mapMssqlError(syntax, undefined).message).toBe(
      "the database rejected the query: Incorrect syntax near 'FORM'. (102)",
    );
    const timeout = Object.assign(new Error('Timeout: Request failed to complete in 300ms'), { code: 'ETIMEOUT' });
    expect(mapMssqlError(timeout, 300)).toBeInstanceOf(QueryTimeoutError);
    const refused = Object.assign(new Error('Failed to connect to h:1433'), { code: 'ESOCKET' });
    expect(mapMssqlError(refused, 300)).toBe(refused);
  });
});

describe('PostgreSQL values and errors', () => {
  it('reads timestamp without time zone and date as UTC', () => {
    expect(parseTimestampAsUtc('2026-03-01 12:34:56.789123')).toEqual(new Date(Date.UTC(2026, 2, 1, 12, 34, 56, 789)));
    expect(parseTimestampAsUtc('2026-03-01 12:34:56')).toEqual(new Date(Date.UTC(2026, 2, 1, 12, 34, 56)));
    expect(parseTimestampAsUtc('2026-03-01')).toEqual(new Date(Date.UTC(2026, 2, 1)));
    expect(parseTimestampAsUtc('0099-01-01 00:00:00')).toEqual(new Date('0099-01-01T00:00:00Z'));
    expect(parseTimestampAsUtc('infinity')).toBe('infinity');
    expect(parseTimestampAsUtc('0044-03-15 00:00:00 BC')).toBe('0044-03-15 00:00:00 BC');
  });

  it('keeps NUMERIC and INT8 as strings and parses arrays of timestamps as UTC', () => {
    const types = createPostgresTypes();
    const parse = (oid: number, text: string): unknown =>
      (types.getTypeParser(oid, 'text') as unknown as (t: string) => unknown)(text);
    expect(parse(1700, '12345.670')).toBe('12345.670');
    expect(parse(20, '9223372036854775807')).toBe('9223372036854775807');
    expect(parse(1115, '{"2026-03-01 12:00:00",NULL}')).toEqual([new Date(Date.UTC(2026, 2, 1, 12)), null]);
    expect(parse(1186, '1 day 02:00:00')).toBe('1 day 02:00:00');
  });

  it('maps SQLSTATE class 42 to InvalidQueryError and 57014 under a timeout to QueryTimeoutError', () => {
    const syntax = Object.assign(new Error('syntax error at or near "SELEKT"'), { code: '42601', position: '1' });
    expect(mapPostgresError(syntax, undefined)).toBeInstanceOf(InvalidQueryError);
    expect(mapPostgresError(syntax, undefined).message).toBe(
      'the database rejected the query: syntax error at or near "SELEKT" at character 1 (42601)',
    );
    const canceled = Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' });
    expect(mapPostgresError(canceled, 300)).toBeInstanceOf(QueryTimeoutError);
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(mapPostgresError(refused, 300)).toBe(refused);
  });
});

describe('SQLite parameter values', () => {
  it('binds times in the form the scheduling names: CURRENT_TIMESTAMP text by default, ISO text or epoch seconds', () => {
    const onTheSecond = new Date(Date.UTC(2026, 0, 2, 7, 5, 9));
    const withMillis = new Date(Date.UTC(2026, 0, 2, 7, 5, 9, 250));
    // The default is what `DEFAULT CURRENT_TIMESTAMP` writes: equal to it on the second, after it within.
    expect(toSqliteValue(onTheSecond)).toBe('2026-01-02 07:05:09');
    expect(toSqliteValue(withMillis, 'sql')).toBe('2026-01-02 07:05:09.250');
    expect(toSqliteValue(withMillis, 'iso')).toBe('2026-01-02T07:05:09.250Z');
    expect(toSqliteValue(withMillis, 'epoch')).toBe(1767337509n);
  });

  it('binds booleans as 1/0 and whole numbers as INTEGER', () => {
    expect(toSqliteValue(true)).toBe(1);
    expect(toSqliteValue(false)).toBe(0);
    expect(toSqliteValue(3)).toBe(3n);
    expect(toSqliteValue(1.5)).toBe(1.5);
    expect(toSqliteValue(null)).toBeNull();
    expect(toSqliteValue('x')).toBe('x');
  });
});

describe('SQL Server parameter types', () => {
  it('types a time parameter DATETIME2(7), even when null, so COALESCE with a text literal stays a time', () => {
    const request = new sql.Request();
    addInput(request, 'scheduled_time', new Date(Date.UTC(2026, 0, 2)), true);
    addInput(request, 'last_success_time', null, true);
    addInput(request, 'label', null);
    addInput(request, 'since', new Date(Date.UTC(2026, 0, 1)));
    for (const name of ['scheduled_time', 'last_success_time', 'since']) {
      expect(request.parameters[name]?.type).toBe(sql.DateTime2);
      expect(request.parameters[name]?.scale).toBe(7);
    }
    expect(request.parameters.last_success_time?.value).toBeNull();
    // A null that is not a time keeps the text type.
    expect(request.parameters.label?.type).toBe(sql.NVarChar);
  });
});
