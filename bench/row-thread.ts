import { parentPort, workerData } from 'node:worker_threads';
import { prepareEncodedSends } from '../activities/kafka-batches';
import { compileSerializer } from '../core/compiled-serializer';
import type { KafkaConfig } from '../core/scheduling';
import { createSource } from '../core/sources';

/**
 * Bench prototype of item 6.2: reads and serialises in a worker thread, and hands each send to the
 * main thread as one transferred buffer of UTF-8 values plus the keys, at most `window` sends ahead.
 */
export interface ThreadInput {
  url: string;
  sql: string;
  config: KafkaConfig;
  limit: number;
  window: number;
}
/** One send: its values' bytes back to back, each value's byte length, and the keys. */
export interface ThreadSend {
  buffer: ArrayBuffer;
  lengths: Int32Array;
  keys: Array<string | null>;
  rows: number;
  bytes: number;
}

async function run(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('not a worker thread');
  const input = workerData as ThreadInput;
  let credit = input.window;
  let wake: (() => void) | undefined;
  port.on('message', () => {
    credit += 1;
    wake?.();
  });
  const driver = createSource(input.url, process.cwd());
  const cursor = await driver.open(input.sql);
  const serializer = compileSerializer(cursor.fields, input.config.message_key_field);
  try {
    for (;;) {
      const rows = await cursor.readValues(input.config.batch_size);
      if (rows.length === 0) break;
      for (const send of prepareEncodedSends(rows, serializer, input.config, input.limit)) {
        const lengths = new Int32Array(send.messages.length);
        let total = 0;
        send.messages.forEach((m, i) => {
          lengths[i] = Buffer.byteLength(m.value);
          total += lengths[i];
        });
        const buffer = Buffer.allocUnsafeSlow(total);
        let at = 0;
        for (const m of send.messages) at += buffer.write(m.value as string, at);
        while (credit === 0) await new Promise<void>((resolve) => (wake = resolve));
        credit -= 1;
        const out: ThreadSend = {
          buffer: buffer.buffer,
          lengths,
          keys: send.messages.map((m) => m.key as string | null),
          rows: send.rows,
          bytes: send.bytes,
        };
        port.postMessage(out, [out.buffer, lengths.buffer]);
      }
    }
    port.postMessage(null);
  } finally {
    await cursor.close();
    await driver.end();
  }
}

run().catch((err: unknown) => {
  throw err;
});
