import { Context } from '@temporalio/activity';
import type { ExportActivityInput, ExportProgress, ExportResult } from '../core/job';
import type { KafkaScheduling } from '../core/scheduling';
import { checkTopic } from '../core/kafka/topic-check';
import { reconcile } from '../core/reconcile';
import type { ActivityDeps } from './deps';
import { Checkpointer, startKeepAlive } from './checkpoint';
import { deliveryOf } from './delivery';
import { withIncrementalKey } from './incremental';
import { openExportRows, type ExportRows, type ExportSend, type RowTally } from './export-rows';
import { openThreadedRows } from './threaded-rows';

/**
 * Streams a scheduling's rows to Kafka, `batch_size` rows read at a time, checkpointing the rows Kafka
 * has acknowledged (a contiguous prefix of the result set) with the last one's resume key or
 * fingerprint. A retried attempt resumes after that prefix (resume.ts); at most the send in flight
 * when the earlier attempt died is sent twice.
 *
 * Order: one send of an export is on the wire at a time, so each partition receives the rows in the
 * query's order (concurrent sends reorder or fail on an idempotent producer). The next sends are read
 * and serialised while the current one is in flight (in a worker thread with `kafka.row_thread`, see
 * export-rows.ts), and checkpoints never hold up a send. How sends
 * become durable, at least once or exactly once, is the delivery's (delivery.ts).
 */
export function makeExportToKafka(deps: ActivityDeps) {
  return async function exportToKafka(given: ExportActivityInput<KafkaScheduling>): Promise<ExportResult> {
    const ctx = Context.current();
    const input = withIncrementalKey(given);
    const { scheduling } = input;
    const kafkaConfig = scheduling.kafka_config;
    const started = Date.now();
    const { maxMessageBytes } = await checkTopic(deps.kafka, kafkaConfig.topic);
    await deps.producer.refreshTopic(kafkaConfig.topic);
    const delivery = deliveryOf({
      deps,
      config: kafkaConfig,
      compression: kafkaConfig.compression ?? deps.config.kafka.compression,
      scheduling: scheduling.name,
      runId: ctx.info.workflowExecution?.workflowId ?? scheduling.name,
    });
    // Without a tally (an exactly-once attempt that found every row committed) the rows read are unknown.
    const resultOf = (p: ExportProgress, tally: RowTally | null = null): ExportResult => ({
      rows: p.rowsAcked,
      messages: p.messages,
      batches: p.batches,
      bytes: p.bytes,
      durationMs: Date.now() - started,
      attempts: ctx.info.attempt,
      ...(p.startedOver ? { startedOver: true } : {}),
      reconciliation: reconcile(tally?.rowsRead ?? null, p.rowsAcked, tally?.counted ?? null),
      // The last acknowledged (column, ...key) is the resume key's: the next run starts after it.
      ...(scheduling.incremental ? { watermark: p.lastKey ?? input.watermark ?? null } : {}),
    });

    let progress: ExportProgress = { rowsAcked: 0, messages: 0, batches: 0, bytes: 0 };
    const stopKeepAlive = startKeepAlive(ctx, () => progress);
    let rows: ExportRows | null = null;
    // The one send on the wire, and the rows it carries.
    let inFlight: { promise: Promise<unknown>; send: ExportSend } | null = null;
    try {
      const resumed = await delivery.resumeFrom(ctx.info.heartbeatDetails as ExportProgress | undefined);
      // Exactly-once: every row was committed, only the completion had not reached Temporal.
      if (resumed?.done) return resultOf(resumed);
      const open = deps.config.kafka.row_thread ? openThreadedRows : openExportRows;
      rows = await open(deps, input, resumed, maxMessageBytes);
      progress = { ...rows.progress };
      if (rows.startedOverBecause) {
        ctx.log.warn('starting the export over: the rows sent by an earlier attempt cannot be skipped exactly', {
          scheduling: scheduling.name,
          reason: rows.startedOverBecause,
          rowsSentBefore: resumed?.rowsAcked,
        });
      } else if (resumed && progress.rowsAcked > 0) {
        ctx.log.info('resuming export', {
          scheduling: scheduling.name,
          rowsAcked: progress.rowsAcked,
          byKey: rows.byKey,
        });
      }

      const checkpointer = new Checkpointer<ExportProgress>(ctx, deps.temporal);
      const settle = async () => {
        if (!inFlight) return;
        const { promise, send } = inFlight;
        await promise;
        inFlight = null;
        rows?.release(send);
        progress.rowsAcked += send.rows;
        progress.messages += send.encoded.valueLengths.length;
        progress.bytes += send.bytes;
        progress.batches += 1;
        Object.assign(progress, send.mark);
        // Exactly-once: durable only once its transaction has committed.
        if (await delivery.acknowledged({ ...progress })) checkpointer.update({ ...progress });
      };
      for (;;) {
        ctx.cancellationSignal.throwIfAborted();
        // Read and serialised while the send before is on the wire.
        const send = await rows.next();
        if (!send) break;
        await settle();
        checkpointer.assertLive();
        const promise = delivery.send(send);
        // Awaited by settle(); never an unhandled rejection meanwhile.
        promise.catch(() => undefined);
        inFlight = { promise, send };
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
      await rows?.close();
    }
    return resultOf(progress, rows?.tally ?? null);
  };
}
