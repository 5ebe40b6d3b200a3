import { formatTime } from '../format';
import type { RunView, SchedulingView } from '../types';
import { scheduleText } from './schedule-text';
import { StatusBadge } from './status-badge';

interface Props {
  schedulings: SchedulingView[];
  /** The newest run of each scheduling, from the history. */
  lastRuns: Map<string, RunView>;
  canOperate: boolean;
  canAdmin: boolean;
  onToggle: (s: SchedulingView) => void;
  onRunNow: (s: SchedulingView) => void;
  onBackfill: (s: SchedulingView) => void;
  onEdit: (s: SchedulingView) => void;
  onDelete: (s: SchedulingView) => void;
}

const READ_ONLY = 'needs a token with the operate role';
const ADMIN_ONLY = 'needs a token with the admin role';

/** Every scheduling with its switch, next runs, last run and actions. */
export function SchedulingTable({
  schedulings,
  lastRuns,
  canOperate,
  canAdmin,
  onToggle,
  onRunNow,
  onBackfill,
  onEdit,
  onDelete,
}: Props) {
  if (schedulings.length === 0)
    return (
      <p class="muted">
        No scheduling yet: create one, or apply temporal.yaml with <code>pstt apply</code>.
      </p>
    );
  return (
    <div class="table-wrap">
      <table class="schedulings" data-testid="schedulings">
        <thead>
          <tr>
            <th scope="col">Scheduling</th>
            <th scope="col">Enabled</th>
            <th scope="col">Schedule</th>
            <th scope="col">Next runs</th>
            <th scope="col">Last run</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {schedulings.map((s) => {
            const last = lastRuns.get(s.name);
            return (
              <tr key={s.name} data-scheduling={s.name}>
                <th scope="row" data-label="Scheduling">
                  <span class="name">{s.name}</span>
                  <span class="muted small">
                    {s.export_format}
                    {s.description ? ` · ${s.description}` : ''}
                  </span>
                </th>
                <td data-label="Enabled">
                  <label class="switch">
                    <input
                      type="checkbox"
                      role="switch"
                      checked={s.enabled}
                      disabled={!canOperate}
                      title={canOperate ? undefined : READ_ONLY}
                      aria-label={`${s.name} enabled`}
                      data-testid={`switch-${s.name}`}
                      onClick={(e) => {
                        // The switch moves once the server agrees; disabling asks for a note first.
                        e.preventDefault();
                        onToggle(s);
                      }}
                    />
                    <span aria-hidden="true">{s.enabled ? 'on' : 'off'}</span>
                  </label>
                  {!s.enabled && s.pause_note && <span class="muted small note">{s.pause_note}</span>}
                </td>
                <td data-label="Schedule">
                  <code>{scheduleText(s)}</code>
                </td>
                <td data-label="Next runs">
                  {s.enabled && s.next_run_times.length ? (
                    <ul class="plain">
                      {s.next_run_times.slice(0, 3).map((t) => (
                        <li key={t}>{formatTime(t)}</li>
                      ))}
                    </ul>
                  ) : (
                    <span class="muted">{s.enabled ? '–' : 'paused'}</span>
                  )}
                </td>
                <td data-label="Last run" data-testid={`last-run-${s.name}`}>
                  {last ? (
                    <a href={last.web_ui_url} target="_blank" rel="noreferrer">
                      <StatusBadge status={last.status} /> <span class="small">{formatTime(last.start_time)}</span>
                    </a>
                  ) : (
                    <span class="muted">never</span>
                  )}
                </td>
                <td data-label="Actions" class="actions">
                  <button
                    type="button"
                    onClick={() => onRunNow(s)}
                    disabled={!canOperate}
                    title={canOperate ? undefined : READ_ONLY}
                  >
                    Run now<span class="sr-only"> {s.name}</span>
                  </button>
                  <button
                    type="button"
                    onClick={() => onBackfill(s)}
                    disabled={!canOperate}
                    title={canOperate ? 'Run it for a past window' : READ_ONLY}
                  >
                    Backfill<span class="sr-only"> {s.name}</span>
                  </button>
                  <button
                    type="button"
                    onClick={() => onEdit(s)}
                    disabled={!canAdmin}
                    title={canAdmin ? undefined : ADMIN_ONLY}
                  >
                    Edit<span class="sr-only"> {s.name}</span>
                  </button>
                  <button
                    type="button"
                    class="danger"
                    onClick={() => onDelete(s)}
                    disabled={!canAdmin}
                    title={canAdmin ? undefined : ADMIN_ONLY}
                  >
                    Delete<span class="sr-only"> {s.name}</span>
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
