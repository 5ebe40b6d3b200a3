import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { fromTransferred } from '../core/error-transfer';
import type { ExportActivityInput, ExportProgress } from '../core/job';
import type { KafkaScheduling } from '../core/scheduling';
import type { ExportRows, ExportSend, RowDeps, RowTally } from './export-rows';
import type { RowThreadCommand, RowThreadInput, RowThreadMessage } from './row-thread';

/** Sends the thread reads and serialises ahead of the producer: enough to keep both cores busy, little memory. */
const READ_AHEAD_SENDS = 2;
/**
 * The thread's V8 young generation, capped so the worker stays under 256 MB exporting 2M rows: measured on a
 * quiet machine, none 270 MB at 155k rows/s, 32 MB 262 MB, 20 MB 248-252 MB at 134k-157k rows/s, 12 MB 246-249 MB
 * but ~25 % slower (the thread then collects garbage far more often).
 */
const THREAD_YOUNG_GENERATION_MB = 20;
/** How long a stopped thread gets to close its cursor before it is terminated. */
const STOP_GRACE_MS = 5_000;

/** The thread's entry: TypeScript run through tsx's CommonJS hook, or the compiled JavaScript. */
function threadScript(): { script: string; eval: boolean } {
  const entry = path.join(__dirname, `row-thread${path.extname(__filename)}`);
  if (entry.endsWith('.ts'))
    return { script: `require('tsx/cjs/api').register(); require(${JSON.stringify(entry)});`, eval: true };
  return { script: entry, eval: false };
}

/**
 * Opens an attempt's rows in a worker thread (row-thread.ts): the query is read and serialised on the
 * second core while this thread runs the producer. Same rows, same sends, same errors (of the same
 * classes) as `openExportRows` on this thread.
 */
export async function openThreadedRows(
  deps: RowDeps,
  input: ExportActivityInput<KafkaScheduling>,
  resumed: ExportProgress | undefined,
  maxMessageBytes: number,
): Promise<ExportRows> {
  const workerData: RowThreadInput = {
    config: deps.config,
    sourcePasswords: deps.sources.passwords,
    input,
    resumed,
    maxMessageBytes,
    window: READ_AHEAD_SENDS,
  };
  const { script, eval: isEval } = threadScript();
  const thread = new Worker(script, {
    eval: isEval,
    workerData,
    resourceLimits: { maxYoungGenerationSizeMb: THREAD_YOUNG_GENERATION_MB },
  });
  const queue: RowThreadMessage[] = [];
  let failure: Error | null = null;
  let exited = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  thread.on('message', (m: RowThreadMessage) => {
    if (m.type === 'error') failure ??= fromTransferred(m.error);
    else queue.push(m);
    notify();
  });
  thread.on('error', (err) => {
    failure ??= err;
    notify();
  });
  thread.on('exit', () => {
    exited = true;
    notify();
  });
  const command = (c: RowThreadCommand) => {
    if (!exited) thread.postMessage(c);
  };
  const take = async (): Promise<RowThreadMessage> => {
    for (;;) {
      const m = queue.shift();
      if (m) return m;
      if (failure) throw failure;
      if (exited) throw new Error('the export thread ended without a result');
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    if (exited) return;
    command({ type: 'stop' });
    const timer = setTimeout(() => void thread.terminate(), STOP_GRACE_MS);
    await new Promise<void>((resolve) => (exited ? resolve() : thread.once('exit', () => resolve())));
    clearTimeout(timer);
  };

  let first: RowThreadMessage;
  try {
    first = await take();
  } catch (err) {
    await close();
    throw err;
  }
  if (first.type !== 'start') throw new Error(`the export thread began with "${first.type}"`);
  let ended = false;
  let tally: RowTally | null = null;
  return {
    progress: first.progress,
    startedOverBecause: first.startedOverBecause,
    byKey: first.byKey,
    get tally() {
      return tally;
    },
    async next(): Promise<ExportSend | null> {
      if (ended) return null;
      const m = await take();
      if (m.type === 'end') {
        ended = true;
        tally = m.tally;
        return null;
      }
      if (m.type !== 'send') throw new Error(`unexpected "${m.type}" from the export thread`);
      command({ type: 'credit' });
      const encoded = {
        data: Buffer.from(m.data, 0, m.dataLength),
        keyLengths: m.keyLengths,
        valueLengths: m.valueLengths,
      };
      return { encoded, rows: m.rows, bytes: m.bytes, mark: m.mark };
    },
    release(send) {
      const buffer = send.encoded.data.buffer as ArrayBuffer;
      if (!exited) thread.postMessage({ type: 'release', buffer } satisfies RowThreadCommand, [buffer]);
    },
    close,
  };
}
