import { Context } from '@temporalio/activity';
import { ConfigError, MissingKeyFieldError } from '../core/errors';
import type { ExportActivityInput, ExportProgress, ExportResult } from '../core/job';
import { checkTopic } from '../core/kafka/topic-check';
import type { ActivityDeps } from './deps';
import { Checkpointer, startKeepAlive } from './checkpoint';
import { prepareSends, type PreparedSend } from './kafka-batches';
import { openRunQuery } from './run-query';

/**
 * Streams a scheduling's rows to Kafka, `batch_size` rows read at a time, heartbeating the rows Kafka
 * has acknowledged (a contiguous prefix of the result set). A retried attempt skips that prefix: exact
 * when the query has a deterministic ORDER BY; at most one send is sent twice.
 *
 * Order: one send of an export is on the wire at a time, so each partition receives the rows in the
 * query's order (concurrent KafkaJS sends reorder, idempotent or not). The next batch is read and
 * serialised while the current send is in flight, and checkpoints never hold up a send.
 */
export function makeExportToKafka(deps: ActivityDeps) {
  return async function exportToKafka(input: ExportActivityInput): Promise<ExportResult> {
    const ctx = Context.current();
    const { scheduling } = input;
    const kafkaConfig = scheduling.kafka_config;
    if (!kafkaConfig) throw new ConfigError(`scheduling "${scheduling.name}": kafka_config is required for a Kafka export`);
    const started = Date.now();
    const { maxMessageBytes } = await checkTopic(deps.kafka, kafkaConfig.topic);
    const resumed = ctx.info.heartbeatDetails as ExportProgress | undefined;
    const progress: ExportProgress = resumed ? { ...resumed } : { rowsAcked: 0, messages: 0, batches: 0, bytes: 0 };
    const sendOptions = {
      acks: kafkaConfig.acks,
      compression: kafkaConfig.compression ?? deps.config.kafka.compression,
      scheduling: scheduling.name,
    };

    const stopKeepAlive = startKeepAlive(ctx, () => progress);
    const cursor = await openRunQuery(deps, input).catch((err: unknown) => {
      stopKeepAlive();
      throw err;
    });
    // The one send on the wire, and the rows it carries.
    let inFlight: { promise: Promise<unknown>; send: PreparedSend } | null = null;
    try {
      const keyField = kafkaConfig.message_key_field;
      if (keyField && !cursor.columns.includes(keyField)) throw new MissingKeyFieldError(keyField, cursor.columns);
      for (let skipped = 0; skipped < progress.rowsAcked; ) {
        const rows = await cursor.read(Math.min(kafkaConfig.batch_size, progress.rowsAcked - skipped));
        if (rows.length === 0) break;
        skipped += rows.length;
      }
      if (resumed) ctx.log.info('resuming export', { scheduling: scheduling.name, rowsAcked: progress.rowsAcked });

      const checkpointer = new Checkpointer<ExportProgress>(ctx, deps.temporal);
      const settle = async () => {
        if (!inFlight) return;
        const { promise, send } = inFlight;
        await promise;
        inFlight = null;
        progress.rowsAcked += send.rows;
        progress.messages += send.messages.length;
        progress.bytes += send.bytes;
        progress.batches += 1;
        checkpointer.update({ ...progress });
      };
      for (;;) {
        ctx.cancellationSignal.throwIfAborted();
        const rows = await cursor.read(kafkaConfig.batch_size);
        if (rows.length === 0) break;
        for (const send of prepareSends(rows, kafkaConfig, maxMessageBytes)) {
          await settle();
          checkpointer.assertLive();
          const promise = deps.producer.send(kafkaConfig.topic, send.messages, sendOptions);
          // Awaited by settle(); never an unhandled rejection meanwhile.
          promise.catch(() => undefined);
          inFlight = { promise, send };
        }
      }
      await settle();
      await checkpointer.flush();
    } finally {
      stopKeepAlive();
      // Nothing keeps sending behind a failed attempt.
      await (inFlight as { promise: Promise<unknown> } | null)?.promise.catch(() => undefined);
      await cursor.close();
    }
    return {
      rows: progress.rowsAcked,
      messages: progress.messages,
      batches: progress.batches,
      bytes: progress.bytes,
      durationMs: Date.now() - started,
      attempts: ctx.info.attempt,
    };
  };
}
