import { createHash } from 'node:crypto';
import { InvalidQueryError, ResumeKeyError } from '../core/errors';
import type { ExportActivityInput, ExportProgress } from '../core/job';
import type { KafkaScheduling } from '../core/scheduling';
import { keyParams, ResumeKeyTracker, type KeyValue } from '../core/resume-key';
import { rowToJson, type Row } from '../core/row-serializer';
import { rowBuilder, type RowValues } from '../core/row-values';
import { columnsProbe, keyedQuery } from '../core/sources/resume-query';
import type { QueryCursor } from '../core/sources/source';
import type { ActivityDeps } from './deps';
import { incrementalWindow, INCREMENTAL_FIELD } from './incremental';
import { bindingOf, openRunQuery } from './run-query';

/** Where an attempt of a Kafka export starts: an open cursor on the first row still to send. */
export interface ExportStart {
  cursor: QueryCursor;
  progress: ExportProgress;
  /** Checks each row's resume key (null without a `resume_key`). */
  tracker: ResumeKeyTracker | null;
  /** Why the attempt sends every row again after an earlier one had sent some; null otherwise. */
  startedOverBecause: string | null;
}

type Deps = Pick<ActivityDeps, 'config' | 'sources'>;

const FRESH: ExportProgress = { rowsAcked: 0, messages: 0, batches: 0, bytes: 0 };

/** Identifies a row by its serialised value: what the count-based resume checks at the skip point. */
export function rowFingerprint(row: Row): string {
  return createHash('sha256').update(rowToJson(row)).digest('base64url').slice(0, 22);
}

/**
 * Opens an attempt's query positioned after what earlier attempts had acknowledged.
 *
 * With a `resume_key` the query is ordered by that key and, after a checkpoint, restricted in SQL to
 * the rows strictly after the last acknowledged key tuple: rows deleted or updated meanwhile cannot
 * shift anything. Without one, the attempt skips the acknowledged count, and only when the last
 * skipped row is the one acknowledged; otherwise it starts over from the first row (duplicates,
 * never a gap) and says so.
 */
export async function openExportQuery(
  deps: Deps,
  input: ExportActivityInput<KafkaScheduling>,
  resumed: ExportProgress | undefined,
): Promise<ExportStart> {
  const { scheduling } = input;
  const resumeKey = scheduling.kafka_config.resume_key;
  const sent = resumed && resumed.rowsAcked > 0 ? resumed : null;
  const wasStartedOver = { ...FRESH, startedOver: resumed?.startedOver };

  if (resumeKey) {
    const after = sent?.lastKey ?? null;
    const cursor = await openKeyedQuery(deps, input, resumeKey, after);
    const tracker = new ResumeKeyTracker(resumeKey, scheduling.name, after, fieldOf(input));
    if (sent && !after) {
      // Checkpointed by a version that recorded no key: only a new pass is safe.
      return {
        cursor,
        progress: { ...wasStartedOver, startedOver: true },
        tracker,
        startedOverBecause: 'the checkpoint holds no resume key',
      };
    }
    return { cursor, progress: sent ? { ...sent } : wasStartedOver, tracker, startedOverBecause: null };
  }

  const cursor = await openRunQuery(deps, input);
  if (!sent) return { cursor, progress: wasStartedOver, tracker: null, startedOverBecause: null };
  const mismatch = await skipAcknowledged(cursor, sent, scheduling.kafka_config.batch_size);
  if (!mismatch) return { cursor, progress: { ...sent }, tracker: null, startedOverBecause: null };
  await cursor.close();
  return {
    cursor: await openRunQuery(deps, input),
    progress: { ...wasStartedOver, startedOver: true },
    tracker: null,
    startedOverBecause: mismatch,
  };
}

/** Reads past the acknowledged rows; why they are not the ones sent, or null when they are. */
async function skipAcknowledged(cursor: QueryCursor, sent: ExportProgress, chunk: number): Promise<string | null> {
  let last: RowValues | undefined;
  for (let skipped = 0; skipped < sent.rowsAcked;) {
    const rows = await cursor.readValues(Math.min(chunk, sent.rowsAcked - skipped));
    if (rows.length === 0) return `the query now returns ${skipped} rows, fewer than the ${sent.rowsAcked} sent`;
    skipped += rows.length;
    last = rows[rows.length - 1];
  }
  if (!sent.lastRowHash) return 'the checkpoint holds no row fingerprint';
  if (!last || rowFingerprint(rowBuilder(cursor.columns)(last)) !== sent.lastRowHash) {
    return `row ${sent.rowsAcked} is no longer the row sent there`;
  }
  return null;
}

/**
 * Opens the run's query ordered by `columns` and strictly after the key tuple `after`; an incremental
 * export's also within its window (incremental.ts), starting after the previous run's watermark when
 * `after` (an attempt's checkpoint) is null. A key column the query lacks fails non-retryable, naming it.
 */
export async function openKeyedQuery(
  deps: Deps,
  input: ExportActivityInput,
  columns: string[],
  after: KeyValue[] | null,
) {
  const { scheduling } = input;
  const source = deps.sources.get(scheduling.source);
  const checkpoint = after ? keyParams(after) : null;
  const incremental = incrementalWindow(input, source.dialect, checkpoint);
  const keyed = incremental
    ? keyedQuery(scheduling.query, source.dialect, columns, incremental.after, incremental.window)
    : keyedQuery(scheduling.query, source.dialect, columns, checkpoint);
  let cursor: QueryCursor;
  try {
    cursor = await openRunQuery(deps, input, keyed.sql, keyed.params);
  } catch (err) {
    // A key column the query lacks fails the wrapped query; name it rather than the database's message.
    if (err instanceof InvalidQueryError) await assertKeyColumns(deps, input, columns, source.dialect);
    throw err;
  }
  try {
    await assertKeyColumns(deps, input, columns, source.dialect, cursor.columns);
  } catch (err) {
    await cursor.close();
    throw err;
  }
  return cursor;
}

/** The field that declared a run's key columns, as its errors name it. */
export function fieldOf(input: ExportActivityInput): string {
  return input.scheduling.incremental ? INCREMENTAL_FIELD : 'resume_key';
}

async function assertKeyColumns(
  deps: Deps,
  input: ExportActivityInput,
  columns: string[],
  dialect: Parameters<typeof columnsProbe>[1],
  known?: readonly string[],
): Promise<void> {
  let present = known;
  if (!present) {
    const probe = await deps.sources
      .get(input.scheduling.source)
      .open(columnsProbe(input.scheduling.query, dialect), bindingOf(input));
    present = probe.columns;
    await probe.close();
  }
  const missing = columns.filter((c) => !present.includes(c));
  if (missing.length) {
    throw new ResumeKeyError(
      input.scheduling.name,
      columns,
      `names ${missing.map((c) => `"${c}"`).join(', ')}, not a column of the query; columns: ${present.join(', ')}`,
      fieldOf(input),
    );
  }
}
