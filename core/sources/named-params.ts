import { QueryParameterError } from '../errors';
import type { ParamValue } from './source';

/**
 * `:name` named parameters in SQL text, rewritten to each driver's placeholders. The scanner knows
 * just enough of each dialect's lexical rules to skip what is not SQL code: string literals,
 * quoted identifiers, comments, PostgreSQL dollar-quoted strings and `::` casts.
 */

/** The SQL dialect of a source: decides the quoting rules and the placeholder syntax. */
export type SqlDialect = 'postgres' | 'mssql' | 'sqlite';

/** One `:name` placeholder in the SQL text. */
export interface NamedParamRef {
  name: string;
  /** Offset of the colon. */
  start: number;
  /** Offset just past the name. */
  end: number;
}

/** A query whose named parameters were rewritten for a driver. */
export interface BoundQuery {
  /** The SQL text with the driver's placeholders: `$1..$n` (postgres), `@name` (mssql), `:name` (sqlite). */
  text: string;
  /** Names of the parameters the query uses, each once, in order of first use; `$n` is `names[n - 1]`. */
  names: string[];
  /** The values of `names`, in the same order. */
  values: ParamValue[];
}

const NAME_START = /[\p{L}_]/u;
const NAME_PART = /[\p{L}\p{N}_]/u;
// A colon right after one of these is part of something else (`arr[1:n]`, `a$b:c`), not a parameter.
const IDENT_PART = /[\p{L}\p{N}_$]/u;
const DOLLAR_TAG = /\$(?:[\p{L}_][\p{L}\p{N}_]*)?\$/uy;

function isIdentPart(ch: string | undefined): boolean {
  return ch !== undefined && IDENT_PART.test(ch);
}

/** Offset just past a quoted run that opened at `start` and closes at `close` (doubled `close` is an escape). */
function skipQuoted(sql: string, start: number, close: string, backslashEscapes = false): number {
  let i = start + 1;
  while (i < sql.length) {
    const ch = sql[i];
    if (backslashEscapes && ch === '\\') {
      i += 2;
    } else if (ch === close) {
      if (sql[i + 1] === close) i += 2;
      else return i + 1;
    } else {
      i += 1;
    }
  }
  return sql.length;
}

function skipBlockComment(sql: string, start: number, nested: boolean): number {
  let depth = 1;
  let i = start + 2;
  while (i < sql.length) {
    if (sql.startsWith('*/', i)) {
      depth -= 1;
      i += 2;
      if (depth === 0 || !nested) return i;
    } else if (nested && sql.startsWith('/*', i)) {
      depth += 1;
      i += 2;
    } else {
      i += 1;
    }
  }
  return sql.length;
}

/**
 * When a string literal, quoted identifier, comment or dollar-quoted string opens at `i`, the offset
 * just past it; otherwise -1.
 */
function skipNonCode(sql: string, i: number, dialect: SqlDialect): number {
  const ch = sql[i] as string;
  const next = sql[i + 1];
  if (ch === "'") {
    // PostgreSQL E'...' strings take backslash escapes.
    const prefix = sql[i - 1];
    const escapes = dialect === 'postgres' && (prefix === 'E' || prefix === 'e') && !isIdentPart(sql[i - 2]);
    return skipQuoted(sql, i, "'", escapes);
  }
  if (ch === '"') return skipQuoted(sql, i, '"');
  if (ch === '[' && dialect !== 'postgres') {
    // In PostgreSQL brackets are array syntax (`ARRAY[:a, :b]`), elsewhere quoted identifiers.
    // SQL Server escapes `]` as `]]`; SQLite has no escape inside brackets.
    if (dialect === 'mssql') return skipQuoted(sql, i, ']');
    const close = sql.indexOf(']', i + 1);
    return close === -1 ? sql.length : close + 1;
  }
  if (ch === '`' && dialect === 'sqlite') return skipQuoted(sql, i, '`');
  if (ch === '-' && next === '-') {
    const eol = sql.indexOf('\n', i + 2);
    return eol === -1 ? sql.length : eol + 1;
  }
  // PostgreSQL and SQL Server nest block comments; SQLite does not.
  if (ch === '/' && next === '*') return skipBlockComment(sql, i, dialect !== 'sqlite');
  if (ch === '$' && dialect === 'postgres' && !isIdentPart(sql[i - 1])) {
    DOLLAR_TAG.lastIndex = i;
    const tag = DOLLAR_TAG.exec(sql)?.[0];
    if (tag) {
      const close = sql.indexOf(tag, i + tag.length);
      return close === -1 ? sql.length : close + tag.length;
    }
  }
  return -1;
}

/** The SQL text with literals, quoted identifiers and comments blanked out: what is left is code. */
export function codeOnly(sql: string, dialect: SqlDialect): string {
  const out: string[] = [];
  let i = 0;
  while (i < sql.length) {
    const end = skipNonCode(sql, i, dialect);
    if (end === -1) {
      out.push(sql[i] as string);
      i += 1;
    } else {
      out.push(' '.repeat(end - i));
      i = end;
    }
  }
  return out.join('');
}

/** The `:name` placeholders of `sql` in text order, skipping literals, quoted identifiers, comments and casts. */
export function findNamedParams(sql: string, dialect: SqlDialect): NamedParamRef[] {
  const refs: NamedParamRef[] = [];
  let i = 0;
  while (i < sql.length) {
    const skipped = skipNonCode(sql, i, dialect);
    if (skipped !== -1) {
      i = skipped;
      continue;
    }
    const next = sql[i + 1];
    if (sql[i] === ':') {
      if (next === ':') {
        // `::type` casts (PostgreSQL) and `type::member` (SQL Server).
        i += 2;
        while (sql[i] === ':') i += 1;
      } else if (next !== undefined && NAME_START.test(next) && !isIdentPart(sql[i - 1])) {
        let end = i + 2;
        while (end < sql.length && NAME_PART.test(sql[end] as string)) end += 1;
        refs.push({ name: sql.slice(i + 1, end), start: i, end });
        i = end;
      } else {
        i += 1;
      }
    } else {
      i += 1;
    }
  }
  return refs;
}

/**
 * Rewrites the `:name` parameters of `sql` for a dialect's driver and picks their values from
 * `params`. Parameters the query does not use are left out; a used one that `params` lacks is a
 * `QueryParameterError` naming it and the defined ones. On PostgreSQL, each use of a name in
 * `casts` becomes `$n::type`: a parameter typed only by its use (`COALESCE($1, '1970-01-01')`)
 * would otherwise resolve to text.
 */
export function bindNamedParams(
  sql: string,
  dialect: SqlDialect,
  params: Readonly<Record<string, ParamValue>> = {},
  casts: Readonly<Record<string, string>> = {},
): BoundQuery {
  const refs = findNamedParams(sql, dialect);
  const names: string[] = [];
  const numbers = new Map<string, number>();
  for (const ref of refs) {
    if (!numbers.has(ref.name)) {
      names.push(ref.name);
      numbers.set(ref.name, names.length);
    }
  }
  const missing = names.filter((name) => !Object.hasOwn(params, name) || params[name] === undefined);
  if (missing.length) throw new QueryParameterError(missing, Object.keys(params));

  let text = sql;
  if (dialect !== 'sqlite') {
    const parts: string[] = [];
    let from = 0;
    for (const ref of refs) {
      const cast = Object.hasOwn(casts, ref.name) ? `::${casts[ref.name]}` : '';
      parts.push(
        sql.slice(from, ref.start),
        dialect === 'postgres' ? `$${numbers.get(ref.name)}${cast}` : `@${ref.name}`,
      );
      from = ref.end;
    }
    parts.push(sql.slice(from));
    text = parts.join('');
  }
  return { text, names, values: names.map((name) => params[name] as ParamValue) };
}

/**
 * T-SQL reserved words that open a statement other than a query, or make a SELECT write
 * (`SELECT ... INTO`). Reserved, so outside quotes and brackets they are never a column or table name.
 * T-SQL needs no `;` between statements: `SELECT 1 DELETE FROM t` is two. MERGE and USE are left out
 * (join and query hints); a MERGE statement writes with INSERT, UPDATE or DELETE, which are in.
 */
const MSSQL_NON_QUERY_WORDS = new Set([
  'ALTER',
  'BACKUP',
  'BEGIN',
  'COMMIT',
  'CREATE',
  'DBCC',
  'DECLARE',
  'DELETE',
  'DENY',
  'DROP',
  'EXEC',
  'EXECUTE',
  'GRANT',
  'INSERT',
  'INTO',
  'KILL',
  'RECONFIGURE',
  'RESTORE',
  'REVOKE',
  'ROLLBACK',
  'SAVE',
  'SET',
  'SHUTDOWN',
  'TRUNCATE',
  'UPDATE',
  'UPDATETEXT',
  'WRITETEXT',
]);

/**
 * Why `sql` is not a single query, or null when it is: SQL Server runs a whole batch, so a second
 * statement after `;` (a trailing `;` is fine), or a statement keyword that writes, would run with the
 * source's login. Literals, quoted identifiers and comments are skipped, as for parameters. A guard
 * against mistakes, not a sandbox: the login's own rights are what keep a source read-only.
 */
export function singleStatementProblem(sql: string, dialect: SqlDialect): string | null {
  const code = codeOnly(sql, dialect);
  const semicolon = code.indexOf(';');
  if (semicolon !== -1 && /[^\s;]/.test(code.slice(semicolon + 1))) {
    return `holds more than one statement: a second one follows the ";" at character ${semicolon + 1}`;
  }
  if (dialect !== 'mssql') return null;
  for (const match of code.matchAll(/[\p{L}_@#][\p{L}\p{N}_@#$]*/gu)) {
    const word = match[0].toUpperCase();
    if (MSSQL_NON_QUERY_WORDS.has(word)) {
      return `must be one query, but uses ${word} at character ${(match.index ?? 0) + 1}: a source may only be read`;
    }
  }
  return null;
}
