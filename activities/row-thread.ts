import { parentPort, workerData } from 'node:worker_threads';
import { toTransferred, type TransferredError } from '../core/error-transfer';
import type { ExportActivityInput, ExportProgress } from '../core/job';
import type { KafkaScheduling } from '../core/scheduling';
import { SourceRegistry } from '../core/sources';
import type { AppConfig } from '../core/config';
import { MessageArena } from '../core/kafka/encoded-messages';
import { openExportRows, type RowMark, type RowTally } from './export-rows';

/**
 * The worker thread of a Kafka export (threaded-rows.ts starts it): reads the query, checks resume
 * keys and serialises on the second core, and hands each send to the activity's thread as one
 * transferred buffer of UTF-8 keys and values, at most `window` sends ahead of what that thread has taken.
 */

export interface RowThreadInput {
  config: AppConfig;
  /** The sources' passwords the worker resolved at start (a thread's copy of the environment is not read). */
  sourcePasswords: Readonly<Record<string, string>>;
  input: ExportActivityInput<KafkaScheduling>;
  resumed: ExportProgress | undefined;
  maxMessageBytes: number;
  /** Sends read ahead of the producer at most. */
  window: number;
}

/** Messages from the thread, in this order: `start`, then `send`s, then `end`; or `error` at any point. */
export type RowThreadMessage =
  | { type: 'start'; progress: ExportProgress; startedOverBecause: string | null; byKey: boolean }
  | {
      type: 'send';
      /**
       * The send's `EncodedMessages`, its buffer transferred: bytes, not strings, so the producer's
       * thread neither clones nor encodes them again.
       */
      data: ArrayBuffer;
      dataLength: number;
      keyLengths: Int32Array;
      valueLengths: Int32Array;
      rows: number;
      bytes: number;
      mark: RowMark;
    }
  | { type: 'end'; tally: RowTally | null }
  | { type: 'error'; error: TransferredError };

/** Messages to the thread: one credit per send taken, a sent batch's buffer given back, or stop. */
export type RowThreadCommand = { type: 'credit' } | { type: 'release'; buffer: ArrayBuffer } | { type: 'stop' };

async function run(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('row-thread.ts runs as a worker thread');
  const { config, sourcePasswords, input, resumed, maxMessageBytes, window } = workerData as RowThreadInput;
  const post = (m: RowThreadMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
  let credit = window;
  let stopped = false;
  let wake: (() => void) | undefined;
  const arena = new MessageArena();
  port.on('message', (c: RowThreadCommand) => {
    if (c.type === 'credit') credit += 1;
    else if (c.type === 'release') arena.recycle(c.buffer);
    else stopped = true;
    wake?.();
  });
  const sources = new SourceRegistry(config, sourcePasswords);
  try {
    const rows = await openExportRows({ config, sources }, input, resumed, maxMessageBytes, arena);
    try {
      post({ type: 'start', progress: rows.progress, startedOverBecause: rows.startedOverBecause, byKey: rows.byKey });
      for (;;) {
        while (credit === 0 && !stopped) await new Promise<void>((resolve) => (wake = resolve));
        if (stopped) return;
        const send = await rows.next();
        if (!send) break;
        credit -= 1;
        const { data, keyLengths, valueLengths } = send.encoded;
        post(
          {
            type: 'send',
            data: data.buffer as ArrayBuffer,
            dataLength: data.length,
            keyLengths,
            valueLengths,
            rows: send.rows,
            bytes: send.bytes,
            mark: send.mark,
          },
          [data.buffer, keyLengths.buffer, valueLengths.buffer] as ArrayBuffer[],
        );
      }
      post({ type: 'end', tally: rows.tally });
    } finally {
      await rows.close();
    }
  } catch (err) {
    post({ type: 'error', error: toTransferred(err) });
  } finally {
    await sources.end();
    // Lets the thread end once the last message is out.
    port.unref();
  }
}

void run();
