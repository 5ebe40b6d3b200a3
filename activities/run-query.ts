import type { ExportActivityInput } from '../core/job';
import { runBindingOf } from '../core/run-params';
import { countSqlOf, type OpenOptions, type ParamValue, type QueryCursor } from '../core/sources/source';
import type { ActivityDeps } from './deps';

/** The named parameters bound to a run's query: the scheduling's own, plus the run's times. */
export function queryParamsOf(input: ExportActivityInput): Record<string, ParamValue> {
  return bindingOf(input).params ?? {};
}

export { TIME_PARAMS } from '../core/run-params';

/** How a run's query is bound: its parameters, which of them are times, and SQLite's time form. */
export function bindingOf(input: ExportActivityInput, extraParams: Record<string, ParamValue> = {}): OpenOptions {
  const lastSuccess = input.lastSuccessTime ? new Date(input.lastSuccessTime) : null;
  return runBindingOf(input.scheduling, new Date(input.scheduledTime), lastSuccess, extraParams);
}

/**
 * Opens a run's query (or `sql`, a rewrite of it with `extraParams`) on its source with its parameters
 * bound; the database enforces the source's `statement_timeout`, or else the scheduling's `timeout`
 * (on the `reconcile: count` count too).
 */
export function openRunQuery(
  deps: Pick<ActivityDeps, 'config' | 'sources'>,
  input: ExportActivityInput,
  sql = input.scheduling.query,
  extraParams: Record<string, ParamValue> = {},
): Promise<QueryCursor> {
  const { scheduling } = input;
  const source = Object.hasOwn(deps.config.sources, scheduling.source)
    ? deps.config.sources[scheduling.source]
    : undefined;
  const timeoutSeconds = source?.statement_timeout ?? scheduling.timeout;
  // The count is of the scheduling's own query, also when `sql` is a resumed attempt's rewrite of it.
  const countSql = scheduling.reconcile === 'count' ? countSqlOf(scheduling.query) : undefined;
  return deps.sources
    .get(scheduling.source)
    .open(sql, { ...bindingOf(input, extraParams), timeoutMs: timeoutSeconds * 1000, countSql });
}
