import { Context } from '@temporalio/activity';
import { ConfigError, MissingKeyFieldError } from '../core/errors';
import type { ExportActivityInput, ExportProgress, ExportResult } from '../core/job';
import { keyOf } from '../core/resume-key';
import { checkTopic } from '../core/kafka/topic-check';
import type { QueryCursor } from '../core/sources/source';
import type { ActivityDeps } from './deps';
import { Checkpointer, startKeepAlive } from './checkpoint';
import { compileSerializer } from '../core/compiled-serializer';
import { deliveryOf } from './delivery';
import { prepareEncodedSends, type PreparedSend } from './kafka-batches';
import { openExportQuery, rowFingerprint } from './resume';

/**
 * Streams a scheduling's rows to Kafka, `batch_size` rows read at a time, checkpointing the rows Kafka
 * has acknowledged (a contiguous prefix of the result set) with the last one's resume key or
 * fingerprint. A retried attempt resumes after that prefix (resume.ts); at most the send in flight
 * when the earlier attempt died is sent twice.
 *
 * Order: one send of an export is on the wire at a time, so each partition receives the rows in the
 * query's order (concurrent sends reorder or fail on an idempotent producer). The next batch is read
 * and serialised while the current send is in flight, and checkpoints never hold up a send. How sends
 * become durable, at least once or exactly once, is the delivery's (delivery.ts).
 */
export function makeExportToKafka(deps: ActivityDeps) {
  return async function exportToKafka(input: ExportActivityInput): Promise<ExportResult> {
    const ctx = Context.current();
    const { scheduling } = input;
    const kafkaConfig = scheduling.kafka_config;
    if (!kafkaConfig) throw new ConfigError(`scheduling "${scheduling.name}": kafka_config is required for a Kafka export`);
    const started = Date.now();
    const { maxMessageBytes } = await checkTopic(deps.kafka, kafkaConfig.topic);
    const delivery = deliveryOf({
      deps,
      config: kafkaConfig,
      compression: kafkaConfig.compression ?? deps.config.kafka.compression,
      scheduling: scheduling.name,
      runId: ctx.info.workflowExecution?.workflowId ?? scheduling.name,
    });
    const resultOf = (p: ExportProgress): ExportResult => ({
      rows: p.rowsAcked,
      messages: p.messages,
      batches: p.batches,
      bytes: p.bytes,
      durationMs: Date.now() - started,
      attempts: ctx.info.attempt,
      ...(p.startedOver ? { startedOver: true } : {}),
    });

    let progress: ExportProgress = { rowsAcked: 0, messages: 0, batches: 0, bytes: 0 };
    const stopKeepAlive = startKeepAlive(ctx, () => progress);
    let cursor: QueryCursor | null = null;
    // The one send on the wire, and the rows it carries.
    let inFlight: { promise: Promise<unknown>; send: PreparedSend } | null = null;
    try {
      const resumed = await delivery.resumeFrom(ctx.info.heartbeatDetails as ExportProgress | undefined);
      // Exactly-once: every row was committed, only the completion had not reached Temporal.
      if (resumed?.done) return resultOf(resumed);
      const start = await openExportQuery(deps, input, resumed);
      cursor = start.cursor;
      progress = start.progress;
      const { tracker } = start;
      const keyField = kafkaConfig.message_key_field;
      if (keyField && !cursor.columns.includes(keyField)) throw new MissingKeyFieldError(keyField, cursor.columns);
      if (start.startedOverBecause) {
        ctx.log.warn('starting the export over: the rows sent by an earlier attempt cannot be skipped exactly', {
          scheduling: scheduling.name,
          reason: start.startedOverBecause,
          rowsSentBefore: resumed?.rowsAcked,
        });
      } else if (resumed && progress.rowsAcked > 0) {
        ctx.log.info('resuming export', { scheduling: scheduling.name, rowsAcked: progress.rowsAcked, byKey: tracker !== null });
      }

      const checkpointer = new Checkpointer<ExportProgress>(ctx, deps.temporal);
      const resumeKey = kafkaConfig.resume_key;
      // Rows are read as value arrays and serialised by a plan compiled once for this query's columns.
      const serializer = compileSerializer(cursor.fields, keyField);
      const keyIndexes = (resumeKey ?? []).map((column) => serializer.indexOf(column));
      const settle = async () => {
        if (!inFlight) return;
        const { promise, send } = inFlight;
        await promise;
        inFlight = null;
        progress.rowsAcked += send.rows;
        progress.messages += send.messages.length;
        progress.bytes += send.bytes;
        progress.batches += 1;
        if (send.lastRow) {
          if (resumeKey) progress.lastKey = keyOf(send.lastRow, resumeKey, scheduling.name);
          else progress.lastRowHash = rowFingerprint(send.lastRow);
        }
        // Exactly-once: durable only once its transaction has committed.
        if (await delivery.acknowledged({ ...progress })) checkpointer.update({ ...progress });
      };
      for (;;) {
        ctx.cancellationSignal.throwIfAborted();
        const rows = await cursor.readValues(kafkaConfig.batch_size);
        if (rows.length === 0) break;
        if (tracker) for (const row of rows) tracker.checkKey(keyIndexes.map((i) => row[i]));
        for (const send of prepareEncodedSends(rows, serializer, kafkaConfig, maxMessageBytes)) {
          await settle();
          checkpointer.assertLive();
          const promise = delivery.send(send);
          // Awaited by settle(); never an unhandled rejection meanwhile.
          promise.catch(() => undefined);
          inFlight = { promise, send };
        }
      }
      await settle();
      await delivery.finish({ ...progress });
      checkpointer.update({ ...progress });
      await checkpointer.flush();
    } finally {
      stopKeepAlive();
      // Nothing keeps sending behind a failed attempt.
      await (inFlight as { promise: Promise<unknown> } | null)?.promise.catch(() => undefined);
      await delivery.close();
      await cursor?.close();
    }
    return resultOf(progress);
  };
}
