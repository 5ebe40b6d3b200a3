import { useMemo, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../api-client';
import { Dialog } from '../components/dialog';
import { canAdmin, canOperate, useSession } from '../components/shell';
import { Toast, type ToastMessage } from '../components/toast';
import { usePolling } from '../components/use-polling';
import type { RunView, SchedulingView } from '../types';
import { BackfillForm } from './backfill-form';
import { HistoryTable, historyPath, type HistoryFilter } from './history-table';
import { SchedulingFormView } from './scheduling-form';
import { SchedulingTable } from './scheduling-table';

const REFRESH_MS = 5_000;

type Editing = { mode: 'create' } | { mode: 'edit'; scheduling: SchedulingView } | null;

export function SchedulerPage() {
  const session = useSession();
  const [filter, setFilter] = useState<HistoryFilter>({ scheduling: '', status: '', export_format: '' });
  const [editing, setEditing] = useState<Editing>(null);
  const [disabling, setDisabling] = useState<SchedulingView | null>(null);
  const [deleting, setDeleting] = useState<SchedulingView | null>(null);
  const [note, setNote] = useState('');
  const [backfilling, setBackfilling] = useState<SchedulingView | null>(null);
  const [toast, setToast] = useState<ToastMessage | null>(null);
  const editorTitle = useRef<HTMLHeadingElement>(null);

  const schedulings = usePolling(() => api<SchedulingView[]>('/api/scheduler/scheduling'), REFRESH_MS);
  const history = usePolling(() => api<RunView[]>(historyPath(filter)), REFRESH_MS, [filter]);
  const recent = usePolling(() => api<RunView[]>('/api/scheduler/history?limit=200'), REFRESH_MS);

  const lastRuns = useMemo(() => {
    const map = new Map<string, RunView>();
    for (const run of recent.data ?? [])
      if (run.scheduling_name && !map.has(run.scheduling_name)) map.set(run.scheduling_name, run);
    return map;
  }, [recent.data]);

  const refreshAll = () => {
    schedulings.refresh();
    history.refresh();
    recent.refresh();
  };
  const act = async (action: () => Promise<string>) => {
    try {
      setToast({ kind: 'ok', text: await action() });
    } catch (err) {
      setToast({ kind: 'error', text: err instanceof ApiError ? err.message : String(err) });
    }
    refreshAll();
  };
  const path = (s: SchedulingView, tail = '') => `/api/scheduler/scheduling/${encodeURIComponent(s.name)}${tail}`;

  const onToggle = (s: SchedulingView) => {
    if (s.enabled) {
      setNote('');
      setDisabling(s);
    } else {
      void act(async () => {
        await api(path(s, '/enable'), { method: 'POST', body: {} });
        return `${s.name} enabled`;
      });
    }
  };
  const confirmDisable = () => {
    const s = disabling!;
    setDisabling(null);
    void act(async () => {
      await api(path(s, '/disable'), { method: 'POST', body: note.trim() ? { note: note.trim() } : {} });
      return `${s.name} disabled: its Temporal Schedule is paused`;
    });
  };
  const onRunNow = (s: SchedulingView) =>
    void act(async () => {
      try {
        const run = await api<{ workflow_id: string | null; buffered?: boolean }>(path(s, '/run'), {
          method: 'POST',
          body: {},
        });
        if (run.buffered) return `A run of ${s.name} is going: the new run starts when it ends`;
        return `Run of ${s.name} started (${run.workflow_id})`;
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) return `A run of ${s.name} is already going`;
        throw err;
      }
    });
  const onBackfill = (s: SchedulingView) => setBackfilling(s);
  const onBackfilled = (s: SchedulingView, from: string, to: string) => {
    setBackfilling(null);
    setToast({
      kind: 'ok',
      text: `Backfill of ${s.name} from ${from} to ${to} requested: its runs appear in the history`,
    });
    refreshAll();
  };
  const confirmDelete = () => {
    const s = deleting!;
    setDeleting(null);
    void act(async () => {
      await api(path(s), { method: 'DELETE' });
      return `${s.name} deleted`;
    });
  };
  const openEditor = (next: Editing) => {
    setEditing(next);
    requestAnimationFrame(() => editorTitle.current?.focus());
  };

  const names = (schedulings.data ?? []).map((s) => s.name);
  return (
    <>
      <div class="page-head">
        <h1>Scheduler</h1>
        <button
          type="button"
          class="primary"
          onClick={() => openEditor({ mode: 'create' })}
          disabled={!canAdmin(session)}
        >
          New scheduling
        </button>
      </div>
      <Toast message={toast} onDismiss={() => setToast(null)} />
      {schedulings.error && (
        <p class="notice error-text" role="alert">
          {schedulings.error.message}
        </p>
      )}

      {editing && (
        <section class="card editor" aria-labelledby="editor-title">
          <h2 id="editor-title" tabIndex={-1} ref={editorTitle}>
            {editing.mode === 'create' ? 'New scheduling' : `Edit ${editing.scheduling.name}`}
          </h2>
          <SchedulingFormView
            key={editing.mode === 'edit' ? editing.scheduling.name : 'new'}
            original={editing.mode === 'edit' ? editing.scheduling : undefined}
            sources={session.sources}
            onCancel={() => setEditing(null)}
            onSaved={(saved) => {
              setEditing(null);
              setToast({ kind: 'ok', text: `${saved.name} saved` });
              refreshAll();
            }}
          />
        </section>
      )}

      <section class="card" aria-labelledby="schedulings-title">
        <h2 id="schedulings-title">Schedulings</h2>
        {schedulings.data ? (
          <SchedulingTable
            schedulings={schedulings.data}
            lastRuns={lastRuns}
            canOperate={canOperate(session)}
            canAdmin={canAdmin(session)}
            onToggle={onToggle}
            onRunNow={onRunNow}
            onBackfill={onBackfill}
            onEdit={(s) => openEditor({ mode: 'edit', scheduling: s })}
            onDelete={setDeleting}
          />
        ) : (
          <p class="muted">Loading…</p>
        )}
      </section>

      <HistoryTable runs={history.data} filter={filter} schedulingNames={names} onFilter={setFilter} />

      <Dialog open={disabling !== null} title={`Disable ${disabling?.name ?? ''}`} onClose={() => setDisabling(null)}>
        <form
          method="dialog"
          onSubmit={(e) => {
            e.preventDefault();
            confirmDisable();
          }}
        >
          <p>Its Temporal Schedule is paused: no new run starts until it is enabled again. A running run goes on.</p>
          <label for="pause-note">Note (optional)</label>
          <input
            id="pause-note"
            value={note}
            maxLength={500}
            onInput={(e) => setNote(e.currentTarget.value)}
            placeholder="why, and until when"
          />
          <div class="actions">
            <button type="submit" class="primary">
              Disable
            </button>
            <button type="button" onClick={() => setDisabling(null)}>
              Cancel
            </button>
          </div>
        </form>
      </Dialog>

      <Dialog
        open={backfilling !== null}
        title={`Backfill ${backfilling?.name ?? ''}`}
        onClose={() => setBackfilling(null)}
      >
        {backfilling && (
          <BackfillForm scheduling={backfilling} onDone={onBackfilled} onCancel={() => setBackfilling(null)} />
        )}
      </Dialog>

      <Dialog open={deleting !== null} title={`Delete ${deleting?.name ?? ''}?`} onClose={() => setDeleting(null)}>
        <p>
          The Temporal Schedule is deleted; past runs stay in the history. If the scheduling is in temporal.yaml, the
          next <code>pstt apply</code> creates it again.
        </p>
        <div class="actions">
          <button type="button" class="danger" onClick={confirmDelete}>
            Delete
          </button>
          <button type="button" onClick={() => setDeleting(null)} autofocus>
            Cancel
          </button>
        </div>
      </Dialog>
    </>
  );
}
