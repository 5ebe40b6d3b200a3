import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { prepareEncodedSends } from '../activities/kafka-batches';
import { compileSerializer } from '../core/compiled-serializer';
import { loadRuntimeConfig } from '../core/config';
import { countMessages, deleteTopic, ensureTopic } from '../core/kafka/topics';
import { kafkaConfigSchema } from '../core/scheduling';
import { createSource } from '../core/sources';
import { devPostgresUrl } from '../devstack/postgres-server';
import { buildWorkerDeps, WORKER_SECRETS } from '../worker/worker-deps';
import { exportQuery } from './order-rows';
import type { ThreadInput, ThreadSend } from './row-thread';
import { ensurePostgresSource, ensureSqliteSource, type BenchSource } from './source-data';

/**
 * Item 6.2's question, measured: does reading and serialising in a worker thread (bench/row-thread.ts)
 * make the export faster than the one-thread loop (read and serialise the next batch while one send
 * is in flight), on this machine, with the real broker? Same rows, same producer, back to back,
 * fresh 3-partition topic per repetition, message count verified.
 *
 *   npx tsx bench/thread-export.ts --rows 300000 --reps 2
 */

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '300000' },
    reps: { type: 'string', default: '2' },
    sources: { type: 'string', default: 'sqlite,postgres' },
    window: { type: 'string', default: '2' },
    modes: { type: 'string', default: 'one,two' },
  },
});
const ROWS = Number(args.rows);
const LIMIT = 1_048_588;
const config = kafkaConfigSchema.parse({ topic: 'wtr-thread', message_key_field: 'id', batch_size: 500 });

async function main(): Promise<void> {
  const deps = await buildWorkerDeps(loadRuntimeConfig(undefined, process.env, { secrets: WORKER_SECRETS }));
  const sendOptions = { acks: 'all' as const, compression: 'none' as const, scheduling: 'wtr-thread' };
  const sources: Array<[string, BenchSource]> = [];
  for (const kind of args.sources.split(',')) {
    sources.push([
      kind,
      kind === 'sqlite'
        ? ensureSqliteSource(ROWS)
        : await ensurePostgresSource(process.env.PSTT_TEST_POSTGRES_URL ?? devPostgresUrl('pstt_test'), ROWS),
    ]);
  }

  async function oneThread(source: BenchSource, topic: string): Promise<void> {
    const driver = createSource(source.url, process.cwd());
    const cursor = await driver.open(exportQuery(source.table, ROWS, ROWS));
    const serializer = compileSerializer(cursor.fields, config.message_key_field);
    let inFlight: Promise<unknown> | null = null;
    try {
      for (;;) {
        const rows = await cursor.readValues(config.batch_size);
        if (rows.length === 0) break;
        for (const send of prepareEncodedSends(rows, serializer, config, LIMIT)) {
          await inFlight;
          inFlight = deps.producer.send(topic, send.messages, sendOptions);
        }
      }
      await inFlight;
    } finally {
      await cursor.close();
      await driver.end();
    }
  }

  async function twoThreads(source: BenchSource, topic: string): Promise<void> {
    const input: ThreadInput = {
      url: source.url,
      sql: exportQuery(source.table, ROWS, ROWS),
      config,
      limit: LIMIT,
      window: Number(args.window),
    };
    // The thread's entry is TypeScript: register tsx's CommonJS hook in the thread first.
    const entry = path.join(__dirname, 'row-thread.ts');
    const worker = new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(entry)});`, {
      eval: true,
      workerData: input,
    });
    const queue: Array<ThreadSend | null> = [];
    let wake: (() => void) | undefined;
    let failure: Error | undefined;
    worker.on('message', (m: ThreadSend | null) => (queue.push(m), wake?.()));
    worker.on('error', (err) => ((failure = err), wake?.()));
    try {
      for (;;) {
        while (queue.length === 0 && failure === undefined) await new Promise<void>((resolve) => (wake = resolve));
        if (failure !== undefined) throw failure;
        const batch = queue.shift() as ThreadSend | null;
        if (batch === null) break;
        worker.postMessage(1);
        const all = Buffer.from(batch.buffer);
        let at = 0;
        const messages = batch.keys.map((key, i) => {
          const end = at + (batch.lengths[i] as number);
          const value = all.subarray(at, end);
          at = end;
          return { key, value };
        });
        await deps.producer.send(topic, messages, sendOptions);
      }
    } finally {
      await worker.terminate();
    }
  }

  console.log(
    `thread export: ${os.cpus().length} CPUs, Node ${process.version}, ${ROWS} rows, batch 500, acks=all, window ${args.window}`,
  );
  // Every topic made up front: a topic created between runs can be unknown to the producer's metadata at first.
  const cases = sources.length * Number(args.reps) * 2;
  const topics = Array.from({ length: cases }, (_, i) => `wtr-thread-${Date.now().toString(36)}-${i}`);
  for (const topic of topics) await ensureTopic(deps.kafka, topic, 3);
  const used: string[] = [...topics];
  await new Promise((resolve) => setTimeout(resolve, 3000));
  try {
    for (const [kind, source] of sources) {
      for (let rep = 1; rep <= Number(args.reps); rep++) {
        const modes = [
          ['one thread', oneThread],
          ['two threads', twoThreads],
        ] as const;
        for (const [name, run] of modes.filter(([n]) => args.modes.includes(n.slice(0, 3)))) {
          const topic = topics.shift() as string;
          // All deleted at the end: a deletion mid-run left KafkaJS's metadata refresh failing for the next topic.

          const cpu0 = process.cpuUsage();
          const t0 = performance.now();
          await run(source, topic);
          const seconds = (performance.now() - t0) / 1000;
          const cpu = process.cpuUsage(cpu0);
          const count = await countMessages(deps.kafka, topic);
          console.log(
            `${kind.padEnd(9)} ${name.padEnd(11)} rep ${rep}: ${Math.round(ROWS / seconds)} rows/s, ${((seconds * 1e6) / ROWS).toFixed(2)} µs/row, ` +
              `process CPU ${((cpu.user + cpu.system) / ROWS).toFixed(2)} µs/row, ${count === ROWS ? 'count ok' : `COUNT ${count}`}`,
          );
        }
      }
    }
  } finally {
    for (const topic of used) await deleteTopic(deps.kafka, topic).catch(() => undefined);
    await deps.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
