import type { SchedulingPreview } from '../types';

/** A message value shown indented when it is JSON (it always is for a Kafka export), verbatim otherwise. */
function pretty(value: string): string {
  try {
    return JSON.stringify(JSON.parse(value), null, 2);
  } catch {
    return value;
  }
}

/** What a scheduling would export, as `POST /api/scheduler/scheduling/preview` answered: nothing was sent or written. */
export function PreviewPanel({ preview }: { preview: SchedulingPreview }) {
  const p = preview;
  const estimate =
    p.estimated_rows === null ? 'no estimate' : `about ${p.estimated_rows.toLocaleString('en-US')} rows in all`;
  return (
    <section class="card preview" aria-labelledby="preview-title" data-testid="preview">
      <h3 id="preview-title">Preview</h3>
      <p class="muted small">
        {p.rows_sampled} of {p.limit} rows read from <code>{p.source}</code>
        {p.dialect ? ` (${p.dialect})` : ''}, read-only; {estimate}. Nothing was sent or written.
      </p>
      {p.problems.length > 0 ? (
        <div class="notice error-text" role="alert" data-testid="preview-problems">
          <p>{p.problems.length === 1 ? '1 problem' : `${p.problems.length} problems`}:</p>
          <ul>
            {p.problems.map((x, i) => (
              <li key={i}>
                <code>{x.field}</code>: {x.message}
              </li>
            ))}
          </ul>
        </div>
      ) : (
        <p class="status-success" data-testid="preview-ok">
          No problems found.
        </p>
      )}
      {p.columns.length > 0 && (
        <p class="small" data-testid="preview-columns">
          Columns:{' '}
          {p.columns.map((c, i) => (
            <span key={c.name}>
              {i > 0 && ', '}
              <code>{c.name}</code> {c.type}
            </span>
          ))}
        </p>
      )}
      {p.topic && (
        <p class="small">
          Topic <code>{p.topic.name}</code>:{' '}
          {p.topic.partitions === null ? 'not created yet' : `${p.topic.partitions} partitions`}, max.message.bytes{' '}
          {p.topic.max_message_bytes.toLocaleString('en-US')}
          {p.largest_message &&
            `; largest sampled message ${p.largest_message.bytes.toLocaleString('en-US')} bytes${p.largest_message.fits === false ? ' (too large)' : ''}`}
        </p>
      )}
      {p.messages && p.messages.length > 0 && (
        <div class="table-wrap">
          <table data-testid="preview-messages">
            <caption class="sr-only">Sample messages</caption>
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Partition</th>
                <th scope="col">Bytes</th>
                <th scope="col">Headers</th>
                <th scope="col">Value</th>
              </tr>
            </thead>
            <tbody>
              {p.messages.map((m, i) => (
                <tr key={i} data-testid="preview-message">
                  <td data-label="Key">{m.key === null ? <span class="muted">null</span> : <code>{m.key}</code>}</td>
                  <td data-label="Partition">
                    {m.partition === null ? <span class="muted">per send</span> : m.partition}
                  </td>
                  <td data-label="Bytes">{m.bytes}</td>
                  <td data-label="Headers">
                    {Object.entries(m.headers)
                      .map(([k, v]) => `${k}: ${v}`)
                      .join(', ')}
                  </td>
                  <td data-label="Value">
                    <pre class="preview-value">{pretty(m.value)}</pre>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {p.file?.format === 'csv' && (
        <pre class="preview-value" data-testid="preview-file">
          {p.file.text}
        </pre>
      )}
      {p.file?.format === 'excel' && (
        <div class="table-wrap">
          <table data-testid="preview-file">
            <caption>Sheet {p.file.sheet}</caption>
            <thead>
              <tr>
                {p.file.header.map((h) => (
                  <th scope="col" key={h}>
                    {h}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {p.file.rows.map((r, i) => (
                <tr key={i}>
                  {r.map((v, j) => (
                    <td key={j}>{v === null ? '' : String(v)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
