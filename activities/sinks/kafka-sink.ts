import { compileSerializer } from '../../core/compiled-serializer';
import { MissingKeyFieldError } from '../../core/errors';
import type { ExportProgress } from '../../core/job';
import { keyOf } from '../../core/resume-key';
import type { Row } from '../../core/row-serializer';
import type { ColumnInfo, RowValues } from '../../core/row-values';
import { ManifestBuilder, type SinkManifest } from '../../core/sinks/manifest';
import { SinkResumeMismatchError } from '../../core/sinks/sink-errors';
import { sinkLabel, type Sink } from '../../core/sinks/sinks';
import type { Delivery } from '../delivery';
import { MessageArena, messagesOf } from '../../core/kafka/encoded-messages';
import { prepareEncodedSends } from '../kafka-batches';
import { rowFingerprint } from '../resume';
import type { SinkWriter } from './sink-writer';

type KafkaSink = Extract<Sink, { kafka: unknown }>;

export const FRESH_PROGRESS: ExportProgress = { rowsAcked: 0, messages: 0, batches: 0, bytes: 0 };

interface KafkaSinkOptions {
  sink: KafkaSink;
  scheduling: string;
  fields: readonly ColumnInfo[];
  keyColumns: readonly string[];
  maxMessageBytes: number;
  delivery: Delivery;
  /** What an earlier attempt had acknowledged of this sink. */
  resumed: ExportProgress | undefined;
  /** Called after each acknowledged send, and with a reset before a mismatch fails the attempt. */
  onProgress(progress: ExportProgress): void;
  /** Throws when the attempt must stop sending (checkpoint.ts). */
  assertLive(): void;
}

/**
 * A Kafka sink of a run with several: every attempt reads every row (the file sinks need them all), and
 * this sink sends only those after the rows an earlier attempt had acknowledged. It skips that many rows
 * and checks that the last one skipped is the one acknowledged (its `resume_key` tuple, else its
 * fingerprint); when it is not, its checkpoint is reset and the attempt fails, so the retry sends every
 * row again (duplicates, never a gap). Skipped rows are still serialised into the manifest: it describes
 * the run's whole stream of values, as a consumer that drops the at-least-once repeats reads it.
 */
export function openKafkaSink(o: KafkaSinkOptions): SinkWriter & { progress(): ExportProgress } {
  const { sink, scheduling } = o;
  const config = sink.kafka;
  const label = sinkLabel(sink);
  const columns = o.fields.map((f) => f.name);
  const keyField = config.message_key_field;
  if (keyField && !columns.includes(keyField)) throw new MissingKeyFieldError(keyField, columns);
  const serializer = compileSerializer(o.fields, keyField);
  const manifest = new ManifestBuilder(o.keyColumns.map((c) => serializer.indexOf(c)));
  const resumed = o.resumed && o.resumed.rowsAcked > 0 ? o.resumed : undefined;
  const progress: ExportProgress = resumed
    ? { ...resumed }
    : { ...FRESH_PROGRESS, startedOver: o.resumed?.startedOver };
  let toSkip = resumed?.rowsAcked ?? 0;
  let rowNumber = 0;

  const markOf = (row: Row): Pick<ExportProgress, 'lastKey' | 'lastRowHash'> =>
    config.resume_key ? { lastKey: keyOf(row, config.resume_key, scheduling) } : { lastRowHash: rowFingerprint(row) };

  const checkSkipped = (row: Row) => {
    const mark = markOf(row);
    const same = config.resume_key
      ? JSON.stringify(mark.lastKey) === JSON.stringify(resumed?.lastKey)
      : mark.lastRowHash === resumed?.lastRowHash;
    if (same) return;
    o.onProgress({ ...FRESH_PROGRESS, startedOver: true });
    throw new SinkResumeMismatchError(label, `row ${rowNumber} is no longer the row acknowledged there`);
  };

  // At most `batch_size` rows per send, each split further to fit `max_batch_bytes` and the topic.
  const arena = new MessageArena();
  const sendsOf = (rows: readonly RowValues[]) => {
    const sends = [];
    for (let i = 0; i < rows.length; i += config.batch_size) {
      sends.push(
        ...prepareEncodedSends(rows.slice(i, i + config.batch_size), serializer, config, o.maxMessageBytes, arena),
      );
    }
    return sends;
  };

  return {
    label,
    progress: () => ({ ...progress }),
    async write(values: readonly RowValues[], rows: readonly Row[]) {
      let first = 0;
      if (toSkip > 0) {
        first = Math.min(toSkip, values.length);
        for (const v of values.slice(0, first)) {
          manifest.row(v);
          manifest.data(serializer.valueOf(v, serializer.keyOf(v)));
        }
        toSkip -= first;
        rowNumber += first;
        const lastSkipped = rows[first - 1];
        if (toSkip === 0 && lastSkipped) checkSkipped(lastSkipped);
      }
      if (first === values.length) return;
      const sending = values.slice(first);
      for (const send of sendsOf(sending)) {
        o.assertLive();
        await o.delivery.send({ encoded: send.encoded, rows: send.rows, bytes: send.bytes, mark: {} });
        for (const m of messagesOf(send.encoded)) manifest.data(m.value);
        arena.recycle(send.encoded.data.buffer as ArrayBuffer);
        progress.rowsAcked += send.rows;
        progress.messages += send.encoded.valueLengths.length;
        progress.bytes += send.bytes;
        progress.batches += 1;
        if (send.lastRow) Object.assign(progress, markOf(send.lastRow));
        o.onProgress({ ...progress });
      }
      for (const v of sending) manifest.row(v);
      rowNumber += sending.length;
    },
    async finish() {
      if (toSkip > 0) {
        o.onProgress({ ...FRESH_PROGRESS, startedOver: true });
        throw new SinkResumeMismatchError(
          label,
          `the query now returns ${rowNumber} rows, fewer than the ${resumed?.rowsAcked} acknowledged`,
        );
      }
      await o.delivery.finish({ ...progress });
    },
    async publish(): Promise<SinkManifest> {
      return manifest.finish({
        sink: sink.index,
        format: 'kafka',
        target: config.topic,
        key_columns: [...o.keyColumns],
      });
    },
    async abort() {
      await o.delivery.close();
    },
  };
}
