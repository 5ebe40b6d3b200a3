import { compileSerializer } from '../core/compiled-serializer';
import { MissingKeyFieldError } from '../core/errors';
import type { ExportActivityInput, ExportProgress } from '../core/job';
import { MessageArena, type EncodedMessages } from '../core/kafka/encoded-messages';
import { keyOf } from '../core/resume-key';
import { checkRowBudget, rowBudgetBytes } from '../core/row-budget';
import type { RowValues } from '../core/row-values';
import type { KafkaScheduling } from '../core/scheduling';
import { MAX_BATCH_BYTES_DEFAULT } from '../core/scheduling-defaults';
import type { QueryCursor, SourceCount } from '../core/sources/source';
import type { ActivityDeps } from './deps';
import { prepareEncodedSends } from './kafka-batches';
import { openExportQuery, rowFingerprint } from './resume';

/** What a checkpoint records of a send's last row: its resume key, or its fingerprint without one. */
export type RowMark = Pick<ExportProgress, 'lastKey' | 'lastRowHash'>;

/** One send of an export, ready for the producer. */
export interface ExportSend {
  /** The messages, without the static headers (`messagesOf` adds them). */
  encoded: EncodedMessages;
  rows: number;
  /** Key and value bytes. */
  bytes: number;
  mark: RowMark;
}

/**
 * An attempt's rows as sends, in the query's order, starting after what earlier attempts had
 * acknowledged: the read side of a Kafka export, on the activity's thread or in a worker thread
 * (row-thread.ts), behind one interface.
 */
export interface ExportRows {
  /** The progress the attempt starts from. */
  readonly progress: ExportProgress;
  /** Why the attempt sends every row again after an earlier one had sent some; null otherwise. */
  readonly startedOverBecause: string | null;
  /** True when the attempt resumes by `resume_key` rather than by count. */
  readonly byKey: boolean;
  /** The next send; null after the last. */
  next(): Promise<ExportSend | null>;
  /** Once `next()` has returned null: rows read (those resumed past included) and the query's count, if asked. */
  readonly tally: RowTally | null;
  /** Tells that a send's messages were acknowledged and are read no more: their buffer is reused. */
  release(send: ExportSend): void;
  /** Releases the cursor (and the thread); safe to call twice. */
  close(): Promise<void>;
}

/** What the read side of an export read, for reconciliation. */
export interface RowTally {
  rowsRead: number;
  counted: SourceCount | null;
}

export type RowDeps = Pick<ActivityDeps, 'config' | 'sources'>;

/**
 * Opens an attempt's rows on this thread: reads `batch_size` rows at a time as value arrays (fewer
 * when the rows read so far were so large that `batch_size` of them would pass `max_batch_bytes`),
 * checks each row's size against the worker's row budget and its resume key, serialises them by a
 * plan compiled once for the query's columns and splits them into sends (kafka-batches.ts).
 */
export async function openExportRows(
  deps: RowDeps,
  input: ExportActivityInput<KafkaScheduling>,
  resumed: ExportProgress | undefined,
  maxMessageBytes: number,
  arena: MessageArena = new MessageArena(),
): Promise<ExportRows> {
  const { scheduling } = input;
  const config = scheduling.kafka_config;
  const start = await openExportQuery(deps, input, resumed);
  const { cursor, tracker } = start;
  try {
    const keyField = config.message_key_field;
    if (keyField && !cursor.columns.includes(keyField)) throw new MissingKeyFieldError(keyField, cursor.columns);
  } catch (err) {
    await cursor.close();
    throw err;
  }
  const serializer = compileSerializer(cursor.fields, config.message_key_field);
  const resumeKey = config.resume_key;
  const keyIndexes = (resumeKey ?? []).map((column) => serializer.indexOf(column));
  // What names a row too large to serialise: its message key, else its resume key.
  const nameOf = (row: RowValues): string | null =>
    config.message_key_field
      ? serializer.keyOf(row)
      : resumeKey
        ? keyIndexes.map((i) => String(row[i])).join(', ')
        : null;
  const budget = rowBudgetBytes();
  const maxBatchBytes = config.max_batch_bytes ?? MAX_BATCH_BYTES_DEFAULT;
  let readRows = config.batch_size;
  let rowsRead = 0;
  const pending: ExportSend[] = [];
  let open: QueryCursor | null = cursor;
  let tally: RowTally | null = null;
  const close = async () => {
    const c = open;
    open = null;
    await c?.close();
  };
  return {
    progress: start.progress,
    startedOverBecause: start.startedOverBecause,
    byKey: tracker !== null,
    get tally() {
      return tally;
    },
    async next() {
      while (pending.length === 0 && open) {
        const rows = await open.readValues(readRows);
        if (rows.length === 0) {
          // The rows an earlier attempt had acknowledged were read by it (or skipped past here).
          tally = { rowsRead: start.progress.rowsAcked + rowsRead, counted: (await open.counted?.()) ?? null };
          await close();
          break;
        }
        const bytes = checkRowBudget(rows, budget, rowsRead + 1, nameOf);
        rowsRead += rows.length;
        // The next read holds about max_batch_bytes, by this one's average row.
        readRows = Math.max(
          1,
          Math.min(config.batch_size, Math.floor((maxBatchBytes * rows.length) / Math.max(1, bytes))),
        );
        if (tracker) for (const row of rows) tracker.checkKey(keyIndexes.map((i) => row[i]));
        for (const send of prepareEncodedSends(rows, serializer, config, maxMessageBytes, arena)) {
          const last = send.lastRow;
          const mark: RowMark = !last
            ? {}
            : resumeKey
              ? { lastKey: keyOf(last, resumeKey, scheduling.name) }
              : { lastRowHash: rowFingerprint(last) };
          pending.push({ encoded: send.encoded, rows: send.rows, bytes: send.bytes, mark });
        }
      }
      return pending.shift() ?? null;
    },
    release(send) {
      arena.recycle(send.encoded.data.buffer as ArrayBuffer);
    },
    close,
  };
}
