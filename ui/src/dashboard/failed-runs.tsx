import { formatTime } from '../format';
import type { RunView } from '../types';

/** The last failed runs with their errors; each links to its page in the Temporal Web UI. */
export function FailedRuns({ runs }: { runs: RunView[] | undefined }) {
  return (
    <section class="card" aria-labelledby="failed-title">
      <h2 id="failed-title">Last failed runs</h2>
      {!runs ? (
        <p class="muted">Loading…</p>
      ) : runs.length === 0 ? (
        <p class="muted">No failed run.</p>
      ) : (
        <ul class="runs" data-testid="failed-runs">
          {runs.map((run) => (
            <li key={run.run_id}>
              <div class="run-head">
                <a href={run.web_ui_url} target="_blank" rel="noreferrer">
                  {run.scheduling_name ?? run.workflow_id}
                </a>
                <span class="muted">{formatTime(run.start_time)}</span>
              </div>
              <p class="error-text">{run.error_message ?? 'no error message recorded'}</p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
