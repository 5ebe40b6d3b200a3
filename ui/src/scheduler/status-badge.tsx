import type { RunStatus } from '../types';

const TEXT: Record<RunStatus, string> = {
  success: '✔ success',
  suspect: '⚠ suspect',
  error: '✖ error',
  running: '▶ running',
  cancelled: '■ cancelled',
  timeout: '⏱ timeout',
};

export function StatusBadge({ status }: { status: RunStatus }) {
  return (
    <span class={`status status-${status}`} data-status={status}>
      {TEXT[status]}
    </span>
  );
}
