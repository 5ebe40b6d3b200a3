import { useState } from 'preact/hooks';
import { api, ApiError } from '../api-client';
import { describedBy, Field } from '../components/field';
import type { FieldError, SchedulingPreview, SchedulingView } from '../types';
import { bodyOf, emptyForm, formOf, placeErrors, type FieldName, type SchedulingForm } from './form-model';
import { PreviewPanel } from './preview-panel';

interface Props {
  /** The scheduling being edited; absent to create one. */
  original?: SchedulingView;
  sources: string[];
  onSaved: (saved: SchedulingView) => void;
  onCancel: () => void;
}

/** Create or edit a scheduling; the server validates, and each of its errors is shown next to its field. */
export function SchedulingFormView({ original, sources, onSaved, onCancel }: Props) {
  const [form, setForm] = useState<SchedulingForm>(() => (original ? formOf(original) : emptyForm(sources[0] ?? '')));
  const [errors, setErrors] = useState<Partial<Record<FieldName, string[]>>>({});
  const [other, setOther] = useState<FieldError[]>([]);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [preview, setPreview] = useState<SchedulingPreview | null>(null);

  const set = <K extends FieldName>(key: K, value: SchedulingForm[K]) => setForm((f) => ({ ...f, [key]: value }));
  const text = (key: FieldName) => ({
    id: `f-${key}`,
    name: key,
    value: form[key] as string,
    onInput: (e: Event) => set(key, (e.currentTarget as HTMLInputElement).value as never),
    ...describedBy(`f-${key}`, errors[key]),
  });

  /** Shows a refused request's field errors next to their fields, the rest above the form. */
  const showFailure = (err: unknown) => {
    if (err instanceof ApiError && err.details.length) {
      const placed = placeErrors(err.details, form);
      setErrors(placed.byField);
      setOther(placed.other);
      // Take the keyboard to the first field in error.
      const first = Object.keys(placed.byField)[0];
      if (first) requestAnimationFrame(() => document.getElementById(`f-${first}`)?.focus());
    } else {
      setErrors({});
      setOther([]);
    }
    setFailure(err instanceof ApiError ? err.message : String(err));
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setFailure(null);
    try {
      const body = bodyOf(form, original);
      const saved = original
        ? await api<SchedulingView>(`/api/scheduler/scheduling/${encodeURIComponent(original.name)}`, {
            method: 'PUT',
            body,
          })
        : await api<SchedulingView>('/api/scheduler/scheduling', { method: 'POST', body });
      onSaved(saved);
    } catch (err) {
      showFailure(err);
    } finally {
      setBusy(false);
    }
  };

  /** Runs the form's scheduling read-only, unsaved, and shows what it would export. */
  const runPreview = async () => {
    setBusy(true);
    setFailure(null);
    setPreview(null);
    try {
      // A preview needs no name yet: an unnamed form is previewed as "preview".
      const body = { ...bodyOf(form, original), name: form.name || 'preview' };
      setPreview(await api<SchedulingPreview>('/api/scheduler/scheduling/preview', { method: 'POST', body }));
      setErrors({});
      setOther([]);
    } catch (err) {
      showFailure(err);
    } finally {
      setBusy(false);
    }
  };

  const kafka = form.export_format === 'kafka';
  return (
    <form class="scheduling-form" onSubmit={(e) => void submit(e)} noValidate data-testid="scheduling-form">
      {failure && (
        <div class="notice error-text" role="alert">
          <p>{failure}</p>
          {other.map((o) => (
            <p key={o.path}>
              <code>{o.path}</code>: {o.message}
            </p>
          ))}
        </div>
      )}
      <fieldset>
        <legend>Scheduling</legend>
        <Field id="f-name" label="Name" hint="lowercase letters, digits, - and _" errors={errors.name}>
          <input {...text('name')} readOnly={Boolean(original)} required autocomplete="off" />
        </Field>
        <Field id="f-description" label="Description" errors={errors.description}>
          <input {...text('description')} />
        </Field>
        <div class="field inline">
          <input
            id="f-enabled"
            type="checkbox"
            checked={form.enabled}
            onChange={(e) => set('enabled', e.currentTarget.checked)}
          />
          <label for="f-enabled">Enabled</label>
        </div>
      </fieldset>

      <fieldset>
        <legend>When</legend>
        <div class="radios" role="radiogroup" aria-label="Schedule kind">
          <label>
            <input
              type="radio"
              name="schedule_kind"
              checked={form.schedule_kind === 'cron'}
              onChange={() => set('schedule_kind', 'cron')}
            />{' '}
            Cron
          </label>
          <label>
            <input
              type="radio"
              name="schedule_kind"
              checked={form.schedule_kind === 'every'}
              onChange={() => set('schedule_kind', 'every')}
            />{' '}
            Every
          </label>
        </div>
        {form.schedule_kind === 'cron' ? (
          <>
            <Field id="f-cron" label="Cron expression" hint='five fields, e.g. "0 6 * * 1-5"' errors={errors.cron}>
              <input {...text('cron')} required autocomplete="off" />
            </Field>
            <Field id="f-timezone" label="Time zone" hint="IANA name, e.g. Europe/Rome" errors={errors.timezone}>
              <input {...text('timezone')} autocomplete="off" />
            </Field>
          </>
        ) : (
          <Field id="f-every" label="Every" hint="an interval such as 15m or 1h" errors={errors.every}>
            <input {...text('every')} required autocomplete="off" />
          </Field>
        )}
        <Field id="f-overlap" label="When the previous run is still going" errors={errors.overlap}>
          <select {...text('overlap')}>
            <option value="skip">skip the new run</option>
            <option value="buffer_one">run it after (one waiting)</option>
            <option value="allow_all">run both</option>
            <option value="cancel_other">cancel the old run</option>
          </select>
        </Field>
        <Field
          id="f-reconcile"
          label="Reconcile"
          hint="count: also take the query's COUNT(*) and flag a run whose counts disagree as suspect"
          errors={errors.reconcile}
        >
          <select {...text('reconcile')}>
            <option value="off">off (rows read and delivered only)</option>
            <option value="count">count</option>
          </select>
        </Field>
      </fieldset>

      <fieldset>
        <legend>What</legend>
        <Field id="f-source" label="Source" errors={errors.source}>
          <select {...text('source')}>
            {sources.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </Field>
        <Field
          id="f-query"
          label="SQL query"
          hint="named parameters :scheduled_time and :last_success_time are bound"
          errors={errors.query}
        >
          <textarea {...text('query')} rows={5} required spellcheck={false} />
        </Field>
        <Field id="f-timeout" label="Timeout of one attempt (seconds)" errors={errors.timeout}>
          <input {...text('timeout')} inputMode="numeric" />
        </Field>
      </fieldset>

      <fieldset>
        <legend>Where</legend>
        <Field id="f-export_format" label="Export format" errors={errors.export_format}>
          <select {...text('export_format')}>
            <option value="kafka">Kafka</option>
            <option value="csv">CSV file</option>
            <option value="excel">Excel file</option>
          </select>
        </Field>
        {kafka ? (
          <>
            <Field id="f-topic" label="Topic" errors={errors.topic}>
              <input {...text('topic')} autocomplete="off" />
            </Field>
            <Field
              id="f-message_key_field"
              label="Message key field"
              hint="column whose value becomes the key"
              errors={errors.message_key_field}
            >
              <input {...text('message_key_field')} autocomplete="off" />
            </Field>
            <Field
              id="f-resume_key"
              label="Resume key"
              hint="unique columns, comma-separated: rows go in this order and a retry resumes after the last one sent"
              errors={errors.resume_key}
            >
              <input {...text('resume_key')} autocomplete="off" />
            </Field>
            <Field id="f-delivery" label="Delivery" errors={errors.delivery}>
              <select {...text('delivery')}>
                <option value="at_least_once">at least once</option>
                <option value="exactly_once">exactly once (transactions; consumers read_committed)</option>
              </select>
            </Field>
            <Field id="f-batch_size" label="Batch size (rows per send)" errors={errors.batch_size}>
              <input {...text('batch_size')} inputMode="numeric" />
            </Field>
            <Field id="f-max_batch_bytes" label="Batch bytes (at most per send)" errors={errors.max_batch_bytes}>
              <input {...text('max_batch_bytes')} inputMode="numeric" />
            </Field>
            <Field id="f-compression" label="Compression" errors={errors.compression}>
              <select {...text('compression')}>
                <option value="">cluster default</option>
                <option value="none">none</option>
                <option value="gzip">gzip</option>
                <option value="snappy">snappy</option>
                <option value="lz4">lz4</option>
              </select>
            </Field>
            <Field id="f-acks" label="Acknowledgements" errors={errors.acks}>
              <select {...text('acks')}>
                <option value="all">all in-sync replicas</option>
                <option value="leader">leader only</option>
                <option value="none">none</option>
              </select>
            </Field>
          </>
        ) : (
          <>
            <Field id="f-output_dir" label="Output folder" errors={errors.output_dir}>
              <input {...text('output_dir')} autocomplete="off" />
            </Field>
            <Field
              id="f-file_name"
              label="File name"
              hint="without extension; {name} {yyyy} {MM} {dd} {HH} {mm} {ss}"
              errors={errors.file_name}
            >
              <input {...text('file_name')} autocomplete="off" />
            </Field>
            {form.export_format === 'csv' ? (
              <>
                <Field id="f-delimiter" label="Delimiter" errors={errors.delimiter}>
                  <input {...text('delimiter')} maxLength={1} />
                </Field>
                <div class="field inline">
                  <input
                    id="f-header"
                    type="checkbox"
                    checked={form.header}
                    onChange={(e) => set('header', e.currentTarget.checked)}
                  />
                  <label for="f-header">Header line</label>
                </div>
              </>
            ) : (
              <Field id="f-sheet_name" label="Sheet name" errors={errors.sheet_name}>
                <input {...text('sheet_name')} />
              </Field>
            )}
          </>
        )}
      </fieldset>

      <fieldset>
        <legend>On failure</legend>
        <Field id="f-retry_max_attempts" label="Attempts" errors={errors.retry_max_attempts}>
          <input {...text('retry_max_attempts')} inputMode="numeric" />
        </Field>
        <Field id="f-retry_initial_backoff" label="First retry after" errors={errors.retry_initial_backoff}>
          <input {...text('retry_initial_backoff')} />
        </Field>
        <Field id="f-retry_max_backoff" label="Longest wait between attempts" errors={errors.retry_max_backoff}>
          <input {...text('retry_max_backoff')} />
        </Field>
        <Field
          id="f-notify"
          label="Notify (e-mail addresses)"
          hint="comma-separated; told when a run fails for good"
          errors={errors.notify}
        >
          <input {...text('notify')} autocomplete="off" />
        </Field>
      </fieldset>

      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {original ? 'Save changes' : 'Create scheduling'}
        </button>
        <button type="button" onClick={() => void runPreview()} disabled={busy}>
          Preview
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
      {preview && <PreviewPanel preview={preview} />}
    </form>
  );
}
