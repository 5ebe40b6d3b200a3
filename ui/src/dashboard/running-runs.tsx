import { formatCount, formatTime } from '../format';
import type { RunningView } from '../types';
import { progressShare } from './progress';

/** A running run and the rows of its scheduling's last successful run (the bar's 100 %), when known. */
export interface RunningRow {
  run: RunningView;
  expectedRows: number | null;
}

export function RunningRuns({ rows }: { rows: RunningRow[] | undefined }) {
  return (
    <section class="card" aria-labelledby="running-title">
      <h2 id="running-title">Running now</h2>
      {!rows ? (
        <p class="muted">Loading…</p>
      ) : rows.length === 0 ? (
        <p class="muted" data-testid="running-empty">
          No run is going.
        </p>
      ) : (
        <ul class="runs" data-testid="running-runs">
          {rows.map(({ run, expectedRows }) => {
            const share = progressShare(run.progress.rows, expectedRows);
            const label = `${run.scheduling_name ?? run.workflow_id}: ${formatCount(run.progress.rows)} rows`;
            return (
              <li key={run.run_id} data-workflow-id={run.workflow_id}>
                <div class="run-head">
                  <a href={run.web_ui_url} target="_blank" rel="noreferrer">
                    {run.scheduling_name ?? run.workflow_id}
                  </a>
                  <span class="muted">started {formatTime(run.start_time)}</span>
                </div>
                <progress max={1} value={share ?? undefined} aria-label={label} />
                <p class="run-facts">
                  <span>
                    {formatCount(run.progress.rows)} rows{expectedRows ? ` of ~${formatCount(expectedRows)}` : ''}
                  </span>
                  <span>{formatCount(run.progress.rows_per_s)} rows/s</span>
                  <span>attempt {run.progress.attempt}</span>
                </p>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
