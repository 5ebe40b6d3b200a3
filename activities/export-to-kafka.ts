import { Context } from '@temporalio/activity';
import type { Message } from 'kafkajs';
import { MissingKeyFieldError } from '../core/errors';
import type { ExportProgress, ExportResult } from '../core/job';
import { messageKeyOf, rowToJson } from '../core/row-serializer';
import type { Scheduling } from '../core/scheduling';
import type { ActivityDeps } from './deps';

/**
 * Streams a scheduling's rows to Kafka, `batch_size` rows per send, heartbeating the rows Kafka
 * has acknowledged. A retried attempt skips the rows a previous attempt had delivered (exact when
 * the query has a deterministic ORDER BY).
 */
export function makeExportToKafka(deps: ActivityDeps) {
  return async function exportToKafka(scheduling: Scheduling): Promise<ExportResult> {
    const ctx = Context.current();
    const kafkaConfig = scheduling.kafka_config;
    if (!kafkaConfig) throw new Error(`scheduling "${scheduling.name}": kafka_config is required for a Kafka export`);
    const { topic, batch_size: batchSize, message_key_field: keyField } = kafkaConfig;
    const started = Date.now();
    const resumed = ctx.info.heartbeatDetails as ExportProgress | undefined;
    const progress: ExportProgress = resumed ?? { rowsAcked: 0, messages: 0, batches: 0, bytes: 0 };

    const cursor = await deps.sources.get(scheduling.source).open(scheduling.query);
    try {
      if (keyField && !cursor.columns.includes(keyField)) throw new MissingKeyFieldError(keyField, cursor.columns);
      for (let skipped = 0; skipped < progress.rowsAcked; ) {
        const rows = await cursor.read(Math.min(batchSize, progress.rowsAcked - skipped));
        if (rows.length === 0) break;
        skipped += rows.length;
      }
      if (resumed) ctx.log.info('resuming export', { scheduling: scheduling.name, rowsAcked: progress.rowsAcked });

      for (;;) {
        ctx.cancellationSignal.throwIfAborted();
        const rows = await cursor.read(batchSize);
        if (rows.length === 0) break;
        const messages: Message[] = rows.map((row) => ({ key: messageKeyOf(row, keyField), value: rowToJson(row) }));
        await deps.producer.send(topic, messages);
        progress.rowsAcked += rows.length;
        progress.messages += messages.length;
        progress.batches += 1;
        progress.bytes += messages.reduce((n, m) => n + Buffer.byteLength(m.value as string) + (m.key?.length ?? 0), 0);
        ctx.heartbeat(progress);
      }
    } finally {
      await cursor.close();
    }
    return {
      rows: progress.rowsAcked,
      messages: progress.messages,
      batches: progress.batches,
      bytes: progress.bytes,
      durationMs: Date.now() - started,
    };
  };
}
