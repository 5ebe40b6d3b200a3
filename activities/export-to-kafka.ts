import { Context } from '@temporalio/activity';
import { ConfigError, MissingKeyFieldError } from '../core/errors';
import type { ExportActivityInput, ExportProgress, ExportResult } from '../core/job';
import { InFlightWindow } from '../core/kafka/send-window';
import { checkTopic } from '../core/kafka/topic-check';
import type { ActivityDeps } from './deps';
import { makeCheckpoint, startKeepAlive } from './checkpoint';
import { prepareSends, type PreparedSend } from './kafka-batches';
import { openRunQuery } from './run-query';

/**
 * Streams a scheduling's rows to Kafka, `batch_size` rows read at a time, with at most
 * `max_in_flight_sends` sends in flight, heartbeating the rows Kafka has acknowledged (a
 * contiguous prefix of the result set). A retried attempt skips that prefix: exact when the query
 * has a deterministic ORDER BY; at most one in-flight window is sent twice.
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
    try {
      const keyField = kafkaConfig.message_key_field;
      if (keyField && !cursor.columns.includes(keyField)) throw new MissingKeyFieldError(keyField, cursor.columns);
      for (let skipped = 0; skipped < progress.rowsAcked; ) {
        const rows = await cursor.read(Math.min(kafkaConfig.batch_size, progress.rowsAcked - skipped));
        if (rows.length === 0) break;
        skipped += rows.length;
      }
      if (resumed) ctx.log.info('resuming export', { scheduling: scheduling.name, rowsAcked: progress.rowsAcked });

      const checkpoint = makeCheckpoint(ctx, deps.temporal);
      const window = new InFlightWindow<PreparedSend>(deps.config.kafka.max_in_flight_sends);
      const acknowledged = async (sends: PreparedSend[]) => {
        if (sends.length === 0) return;
        for (const send of sends) {
          progress.rowsAcked += send.rows;
          progress.messages += send.messages.length;
          progress.bytes += send.bytes;
          progress.batches += 1;
        }
        await checkpoint(progress);
      };
      for (;;) {
        ctx.cancellationSignal.throwIfAborted();
        const rows = await cursor.read(kafkaConfig.batch_size);
        if (rows.length === 0) break;
        for (const send of prepareSends(rows, kafkaConfig, maxMessageBytes)) {
          await acknowledged(await window.add(() => deps.producer.send(kafkaConfig.topic, send.messages, sendOptions), send));
        }
      }
      await acknowledged(await window.drain());
    } finally {
      stopKeepAlive();
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
