import { Context } from '@temporalio/activity';
import { ResumeKeyError } from '../core/errors';
import { EXCEL_MAX_ROWS } from '../core/files/xlsx-writer';
import type { ExportActivityInput, ExportProgress, ExportResult } from '../core/job';
import { checkTopic } from '../core/kafka/topic-check';
import { checkRowBudget, rowBudgetBytes } from '../core/row-budget';
import { rowBuilder } from '../core/row-values';
import { manifestKeyColumns } from '../core/sinks/key-columns';
import type { SinkManifest } from '../core/sinks/manifest';
import { sinksOf } from '../core/sinks/sinks';
import type { QueryCursor } from '../core/sources/source';
import { Checkpointer, startKeepAlive } from './checkpoint';
import { deliveryOf } from './delivery';
import type { ActivityDeps } from './deps';
import { openRunQuery } from './run-query';
import { openFileSink } from './sinks/file-sink';
import { openKafkaSink } from './sinks/kafka-sink';
import type { SinkWriter } from './sinks/sink-writer';

/** What a run with several sinks checkpoints: each Kafka sink's acknowledged prefix, by sink index. */
export interface SinksProgress {
  kafka: Record<number, ExportProgress>;
  /** Rows this attempt has handed to every sink: the run status shows it (running-exports.ts). */
  rowsWritten: number;
}

/** @internal Knobs for tests; the worker uses the defaults. */
export interface SinksOptions {
  /** Rows read from the source per step. @default 500 */
  chunkRows?: number;
}

/**
 * One run of the query, every row to every sink (`sinks` on a scheduling), in the query's order.
 *
 * Attempts: every attempt reads the query from its first row. File sinks are written from scratch into
 * temporary files; Kafka sinks skip the rows an earlier attempt had acknowledged (kafka-sink.ts) and send
 * the rest, one send at a time, sink after sink. A sink that fails fails the attempt. Files are published
 * (renamed, with their manifests) only after every sink has finished, so a failed run leaves no file.
 */
export function makeExportToSinks(deps: ActivityDeps, options: SinksOptions = {}) {
  const chunkRows = options.chunkRows ?? 500;
  return async function exportToSinks(input: ExportActivityInput): Promise<ExportResult> {
    const ctx = Context.current();
    const { scheduling } = input;
    const started = Date.now();
    const sinks = sinksOf(scheduling);
    const keyColumns = manifestKeyColumns(sinks);
    const resumed = (ctx.info.heartbeatDetails as SinksProgress | undefined)?.kafka ?? {};
    const progress: SinksProgress = { kafka: { ...resumed }, rowsWritten: 0 };
    const checkpointer = new Checkpointer<SinksProgress>(ctx, deps.temporal);
    const stopKeepAlive = startKeepAlive(ctx, () => ({
      kafka: { ...progress.kafka },
      rowsWritten: progress.rowsWritten,
    }));
    const writers: SinkWriter[] = [];
    let cursor: QueryCursor | null = null;
    let rowsRead = 0;
    let published = false;
    try {
      const topics = new Map<number, number>();
      for (const sink of sinks) {
        if (sink.format !== 'kafka') continue;
        topics.set(sink.index, (await checkTopic(deps.kafka, sink.kafka.topic)).maxMessageBytes);
        await deps.producer.refreshTopic(sink.kafka.topic);
      }
      cursor = await openRunQuery(deps, input);
      const open = cursor;
      const missing = keyColumns.filter((c) => !open.columns.includes(c));
      if (missing.length) {
        throw new ResumeKeyError(
          scheduling.name,
          keyColumns,
          `names ${missing.map((c) => `"${c}"`).join(', ')}, not a column of the query`,
        );
      }
      for (const sink of sinks) {
        if (sink.format === 'kafka') {
          writers.push(
            openKafkaSink({
              sink,
              scheduling: scheduling.name,
              fields: open.fields,
              keyColumns,
              maxMessageBytes: topics.get(sink.index) ?? 0,
              delivery: deliveryOf({
                deps,
                config: sink.kafka,
                compression: sink.kafka.compression ?? deps.config.kafka.compression,
                scheduling: scheduling.name,
                runId: ctx.info.workflowExecution?.workflowId ?? scheduling.name,
              }),
              resumed: resumed[sink.index],
              onProgress: (p) => {
                progress.kafka[sink.index] = p;
                checkpointer.update({ kafka: { ...progress.kafka }, rowsWritten: progress.rowsWritten });
              },
              assertLive: () => checkpointer.assertLive(),
            }),
          );
        } else {
          writers.push(await openFileSink(sink, input, deps.config.baseDir, open.columns, keyColumns, EXCEL_MAX_ROWS));
        }
      }
      if (ctx.info.attempt > 1)
        ctx.log.info('run with several sinks resumes', { scheduling: scheduling.name, acknowledged: resumed });
      const toRow = rowBuilder(open.columns);
      const budget = rowBudgetBytes();
      for (;;) {
        ctx.cancellationSignal.throwIfAborted();
        const values = await open.readValues(chunkRows);
        if (values.length === 0) break;
        checkRowBudget(values, budget, rowsRead + 1, () => null);
        rowsRead += values.length;
        const rows = values.map(toRow);
        for (const writer of writers) await writer.write(values, rows);
        progress.rowsWritten = rowsRead;
      }
      await open.close();
      for (const writer of writers) await writer.finish();
      await checkpointer.flush();
      ctx.cancellationSignal.throwIfAborted();
      const manifests: SinkManifest[] = [];
      for (const writer of writers) manifests.push(await writer.publish());
      published = true;
      const kafka = Object.values(progress.kafka);
      return {
        rows: rowsRead,
        messages: kafka.reduce((n, p) => n + p.messages, 0),
        batches: kafka.reduce((n, p) => n + p.batches, 0) + manifests.filter((m) => m.format !== 'kafka').length,
        bytes: manifests.reduce((n, m) => n + m.bytes, 0),
        durationMs: Date.now() - started,
        attempts: ctx.info.attempt,
        ...(manifests.find((m) => m.format !== 'kafka')
          ? { file: manifests.find((m) => m.format !== 'kafka')?.target }
          : {}),
        ...(kafka.some((p) => p.startedOver) ? { startedOver: true } : {}),
        sinks: manifests,
      };
    } catch (err) {
      // Pending checkpoints (a reset after a mismatch among them) reach the server before the retry starts.
      await checkpointer.flush().catch(() => undefined);
      throw err;
    } finally {
      stopKeepAlive();
      for (const writer of published ? [] : writers) {
        await writer.abort().catch((cleanupErr: unknown) => {
          ctx.log.warn('could not release a sink', { sink: writer.label, error: String(cleanupErr) });
        });
      }
      await cursor?.close();
    }
  };
}
