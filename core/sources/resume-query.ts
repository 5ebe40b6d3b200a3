import { codeOnly, type SqlDialect } from './named-params';
import type { ParamValue } from './source';

/** Alias of the wrapped query; also the prefix of the parameters this module adds. */
const ALIAS = 'pstt_q';
const PARAM_PREFIX = 'pstt_after_';
const FROM_PARAM = 'pstt_from';

/** A query rewritten by this module, with the parameters it added. */
export interface KeyedQuery {
  sql: string;
  params: Record<string, ParamValue>;
}

function quoteIdentifier(name: string, dialect: SqlDialect): string {
  return dialect === 'mssql' ? `[${name.replace(/]/g, ']]')}]` : `"${name.replace(/"/g, '""')}"`;
}

/**
 * The query as a derived table: a trailing `;` dropped, and a closing newline so that a trailing
 * `--` comment cannot swallow the parenthesis. SQL Server refuses ORDER BY in a derived table
 * unless it has TOP or OFFSET, so a top-level ORDER BY there gets `OFFSET 0 ROWS`.
 */
function derivedTable(sql: string, dialect: SqlDialect): string {
  const code = codeOnly(sql, dialect);
  const lastCode = code.trimEnd();
  let inner = lastCode.endsWith(';') ? sql.slice(0, lastCode.length - 1) : sql;
  if (dialect === 'mssql' && needsOffset(codeOnly(inner, dialect))) inner = `${inner}\nOFFSET 0 ROWS`;
  return `(\n${inner}\n) ${ALIAS}`;
}

/** True when the code ends with an ORDER BY at the top level and has neither OFFSET after it nor TOP. */
function needsOffset(code: string): boolean {
  let depth = 0;
  const flat = [...code].map((ch) => {
    if (ch === '(') depth += 1;
    else if (ch === ')') depth -= 1;
    // Blank out everything nested so only top-level keywords remain.
    return depth > 0 || ch === ')' ? ' ' : ch;
  });
  const top = flat.join('');
  const orderBy = [...top.matchAll(/\border\s+by\b/gi)].at(-1);
  if (!orderBy) return false;
  const after = top.slice(orderBy.index);
  return !/\boffset\b/i.test(after) && !/\bfor\s+(xml|json|browse)\b/i.test(after) && !/\btop\b/i.test(top);
}

/**
 * Bounds of an incremental window on the first key column, besides the tuple comparison: where the
 * first run starts and the SQL expression (the source's clock minus the lag) no row may pass.
 */
export interface KeyWindow {
  /** Inclusive lower bound of the first column, applied when there is no tuple to start after. */
  from?: ParamValue;
  /** SQL expression the first column must be at most (see source-clock.ts). */
  upTo?: string;
}

/**
 * The run's query ordered by its resume key, and, after a checkpoint, restricted to the rows strictly
 * after the checkpointed key tuple: `k1 > :a OR (k1 = :a AND k2 > :b) ...`, the expanded form every
 * dialect takes (SQL Server has no row values). The outer ORDER BY makes the order the database's own
 * for these columns in every attempt, whatever the query's. An incremental export adds its `window`.
 */
export function keyedQuery(
  sql: string,
  dialect: SqlDialect,
  columns: readonly string[],
  after: readonly ParamValue[] | null,
  window: KeyWindow = {},
): KeyedQuery {
  const quoted = columns.map((c) => quoteIdentifier(c, dialect));
  const orderBy = `ORDER BY ${quoted.join(', ')}`;
  const from = `SELECT * FROM ${derivedTable(sql, dialect)}`;
  const params: Record<string, ParamValue> = {};
  const conditions: string[] = [];
  const first = quoted[0] as string;
  if (after) {
    quoted.forEach((_, i) => {
      params[`${PARAM_PREFIX}${i}`] = after[i] as ParamValue;
    });
    const terms = quoted.map((column, i) => {
      const equal = quoted.slice(0, i).map((c, j) => `${c} = :${PARAM_PREFIX}${j}`);
      return [...equal, `${column} > :${PARAM_PREFIX}${i}`].join(' AND ');
    });
    conditions.push(terms.length === 1 ? (terms[0] as string) : terms.map((t) => `(${t})`).join(' OR '));
  } else if (window.from !== undefined) {
    params[FROM_PARAM] = window.from;
    conditions.push(`${first} >= :${FROM_PARAM}`);
  }
  if (window.upTo) conditions.push(`${first} <= ${window.upTo}`);
  if (!conditions.length) return { sql: `${from}\n${orderBy}`, params };
  const where = conditions.length === 1 ? conditions[0] : conditions.map((c) => `(${c})`).join(' AND ');
  return { sql: `${from}\nWHERE ${where}\n${orderBy}`, params };
}

/** The query's columns without running it: a derived table filtered to no rows. */
export function columnsProbe(sql: string, dialect: SqlDialect): string {
  return `SELECT * FROM ${derivedTable(sql, dialect)}\nWHERE 1 = 0`;
}
