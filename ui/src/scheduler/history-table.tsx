import { formatCount, formatDuration, formatTime } from '../format';
import { EXPORT_FORMATS, RUN_STATUSES } from '../../../api/contract';
import type { ExportFormat, RunStatus, RunView } from '../types';
import { StatusBadge } from './status-badge';

export interface HistoryFilter {
  scheduling: string;
  status: '' | RunStatus;
  export_format: '' | ExportFormat;
}

export function historyPath(filter: HistoryFilter, limit = 100): string {
  const query = new URLSearchParams({ limit: String(limit) });
  if (filter.scheduling) query.set('scheduling', filter.scheduling);
  if (filter.status) query.set('status', filter.status);
  if (filter.export_format) query.set('export_format', filter.export_format);
  return `/api/scheduler/history?${query.toString()}`;
}

/** A labelled select whose first option, "all", clears the filter. */
function FilterSelect(props: {
  label: string;
  testId: string;
  value: string;
  options: readonly string[];
  onChange: (value: string) => void;
}) {
  return (
    <label>
      {props.label}
      <select value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)} data-testid={props.testId}>
        <option value="">all</option>
        {props.options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}

interface Props {
  runs: RunView[] | undefined;
  filter: HistoryFilter;
  schedulingNames: string[];
  onFilter: (filter: HistoryFilter) => void;
}

/** Run history from Temporal visibility, with filters; each run links to its Temporal Web UI page. */
export function HistoryTable({ runs, filter, schedulingNames, onFilter }: Props) {
  const change = (key: keyof HistoryFilter) => (value: string) => onFilter({ ...filter, [key]: value });
  return (
    <section class="card" aria-labelledby="history-title">
      <h2 id="history-title">Run history</h2>
      <div class="filters" role="group" aria-label="Filter runs">
        <FilterSelect
          label="Scheduling"
          testId="filter-scheduling"
          value={filter.scheduling}
          options={schedulingNames}
          onChange={change('scheduling')}
        />
        <FilterSelect
          label="Status"
          testId="filter-status"
          value={filter.status}
          options={RUN_STATUSES}
          onChange={change('status')}
        />
        <FilterSelect
          label="Export format"
          testId="filter-format"
          value={filter.export_format}
          options={EXPORT_FORMATS}
          onChange={change('export_format')}
        />
      </div>
      {!runs ? (
        <p class="muted">Loading…</p>
      ) : runs.length === 0 ? (
        <p class="muted">No run matches.</p>
      ) : (
        <div class="table-wrap">
          <table class="history" data-testid="history">
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Scheduling</th>
                <th scope="col">Format</th>
                <th scope="col">Status</th>
                <th scope="col">Duration</th>
                <th scope="col">Rows</th>
                <th scope="col">Attempts</th>
                <th scope="col">Error</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((run) => (
                <tr key={run.run_id} data-workflow-id={run.workflow_id} data-status={run.status}>
                  <td data-label="Started">
                    <a
                      href={run.web_ui_url}
                      target="_blank"
                      rel="noreferrer"
                      title="Open this run in the Temporal Web UI"
                    >
                      {formatTime(run.start_time)}
                    </a>
                  </td>
                  <td data-label="Scheduling">{run.scheduling_name ?? '–'}</td>
                  <td data-label="Format">{run.export_format ?? '–'}</td>
                  <td data-label="Status">
                    <StatusBadge status={run.status} />
                    {run.backfill && (
                      <span
                        class="small muted"
                        data-testid="backfill-tag"
                        title={`backfilled run for ${formatTime(run.scheduled_time ?? run.start_time)}`}
                      >
                        {' '}
                        backfill {formatTime(run.scheduled_time ?? run.start_time)}
                      </span>
                    )}
                  </td>
                  <td data-label="Duration">{formatDuration(run.duration_ms)}</td>
                  <td data-label="Rows">
                    {formatCount(run.rows)}
                    <RowCounts run={run} />
                  </td>
                  <td data-label="Attempts">{formatCount(run.attempts)}</td>
                  <td data-label="Error" class="error-text">
                    {run.error_message ?? run.suspect_reason ?? ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** A reconciled or suspect run's three numbers: the query's count, rows read, rows delivered. */
function RowCounts({ run }: { run: RunView }) {
  if (run.query_count === null && run.status !== 'suspect') return null;
  return (
    <span
      class="small muted counts"
      data-testid="row-counts"
      title="query COUNT(*) / rows read / rows delivered (Kafka acknowledged or file written)"
    >
      <br />
      count <span data-testid="query-count">{formatCount(run.query_count)}</span> · read{' '}
      <span data-testid="rows-read">{formatCount(run.rows_read)}</span> · delivered{' '}
      <span data-testid="rows-delivered">{formatCount(run.rows_delivered)}</span>
    </span>
  );
}
