import { useState } from 'preact/hooks';
import { api, ApiError } from '../api-client';
import { describedBy, Field } from '../components/field';
import type { SchedulingView } from '../types';

interface Props {
  scheduling: SchedulingView;
  onDone: (s: SchedulingView, from: string, to: string) => void;
  onCancel: () => void;
}

/** A `datetime-local` value (the browser's time zone) as an ISO instant; text the API refuses as it is. */
function instantOf(local: string): string {
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? local : date.toISOString();
}

/** Asks for a past window and runs the scheduling for it (POST …/backfill); the API's field errors show under each input. */
export function BackfillForm({ scheduling, onDone, onCancel }: Props) {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    setBusy(true);
    setErrors({});
    setFailure(null);
    try {
      const body = { from: instantOf(from), to: instantOf(to) };
      await api(`/api/scheduler/scheduling/${encodeURIComponent(scheduling.name)}/backfill`, { method: 'POST', body });
      onDone(scheduling, body.from, body.to);
    } catch (err) {
      if (err instanceof ApiError && err.details.length) {
        const byField: Record<string, string[]> = {};
        for (const d of err.details) (byField[d.path] ??= []).push(d.message);
        setErrors(byField);
      } else setFailure(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <p>
        Runs {scheduling.name} once for every time its schedule matches in the window, each with that time as its
        <code>:scheduled_time</code>; its overlap policy ({scheduling.overlap}) applies. Times are in your browser's
        time zone.
      </p>
      <Field id="backfill-from" label="From" errors={errors.from}>
        <input
          id="backfill-from"
          type="datetime-local"
          required
          value={from}
          onInput={(e) => setFrom(e.currentTarget.value)}
          {...describedBy('backfill-from', errors.from)}
        />
      </Field>
      <Field id="backfill-to" label="To" errors={errors.to}>
        <input
          id="backfill-to"
          type="datetime-local"
          required
          value={to}
          onInput={(e) => setTo(e.currentTarget.value)}
          {...describedBy('backfill-to', errors.to)}
        />
      </Field>
      {failure && (
        <p class="error-text" role="alert">
          {failure}
        </p>
      )}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          Backfill
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
