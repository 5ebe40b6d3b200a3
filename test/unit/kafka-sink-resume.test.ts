import { messagesOf } from '../../core/kafka/encoded-messages';
import { openKafkaSink } from '../../activities/sinks/kafka-sink';
import type { Delivery } from '../../activities/delivery';
import type { ExportSend } from '../../activities/export-rows';
import type { ExportProgress } from '../../core/job';
import { rowBuilder, type ColumnInfo, type RowValues } from '../../core/row-values';
import { checkedSchedulingSchema } from '../../core/scheduling';
import { SinkResumeMismatchError } from '../../core/sinks/sink-errors';
import { sinksOf } from '../../core/sinks/sinks';

// The skip-and-check logic of a Kafka sink on retry, against a delivery that records what it is given
// (the real producer is exercised by test/integration/sinks-resume.test.ts).
const FIELDS: ColumnInfo[] = [
  { name: 'id', hint: 'number' },
  { name: 'name', hint: 'string' },
];
const toRow = rowBuilder(FIELDS.map((f) => f.name));
const ROWS: RowValues[] = Array.from({ length: 10 }, (_, i) => [i + 1, `n${i + 1}`]);

function sinkOf(resumeKey: boolean) {
  const s = checkedSchedulingSchema.parse({
    name: 'sink-unit',
    schedule: { every: '1h' },
    source: 'x',
    query: 'SELECT id, name FROM t ORDER BY id',
    export_format: 'kafka',
    sinks: [
      {
        kafka_config: {
          topic: 'sink-t',
          message_key_field: 'id',
          batch_size: 3,
          ...(resumeKey ? { resume_key: ['id'] } : {}),
        },
      },
    ],
  });
  const [sink] = sinksOf(s);
  if (sink?.format !== 'kafka') throw new Error('expected a Kafka sink');
  return sink;
}

function recording() {
  const sent: string[] = [];
  const delivery: Delivery = {
    resumeFrom: async (p) => p,
    send: async (send: ExportSend) => {
      for (const m of messagesOf(send.encoded)) sent.push(String(m.key));
    },
    acknowledged: async () => true,
    finish: async () => undefined,
    close: async () => undefined,
  };
  return { sent, delivery };
}

async function run(resumed: ExportProgress | undefined, rows = ROWS, resumeKey = true) {
  const { sent, delivery } = recording();
  const progress: ExportProgress[] = [];
  const sink = openKafkaSink({
    sink: sinkOf(resumeKey),
    scheduling: 'sink-unit',
    fields: FIELDS,
    keyColumns: ['id'],
    maxMessageBytes: 1_000_000,
    delivery,
    resumed,
    onProgress: (p) => progress.push(p),
    assertLive: () => undefined,
  });
  // Chunks of 4 rows: the checkpoint falls inside a chunk.
  for (let i = 0; i < rows.length; i += 4) {
    const chunk = rows.slice(i, i + 4);
    await sink.write(chunk, chunk.map(toRow));
  }
  await sink.finish();
  return { sent, progress, manifest: await sink.publish(), final: sink.progress() };
}

describe('a Kafka sink of a run with several sinks, on retry', () => {
  it('skips the acknowledged rows when the last one carries the checkpoint key, and its manifest is the whole run', async () => {
    const fresh = await run(undefined);
    expect(fresh.sent).toEqual(ROWS.map((r) => String(r[0])));
    // Sends of at most batch_size (3) rows within each chunk of 4: 1-3, 4, 5-7, 8, 9-10.
    expect(fresh.progress.map((p) => p.rowsAcked)).toEqual([3, 4, 7, 8, 10]);
    const checkpoint = fresh.progress[2]!;
    expect(checkpoint).toMatchObject({ rowsAcked: 7, lastKey: [7] });

    const retry = await run(checkpoint);
    expect(retry.sent).toEqual(['8', '9', '10']);
    expect(retry.final).toMatchObject({ rowsAcked: 10, lastKey: [10] });
    expect(retry.manifest).toEqual(fresh.manifest);
  });

  it('without resume_key, checks the fingerprint of the last skipped row', async () => {
    const fresh = await run(undefined, ROWS, false);
    const checkpoint = fresh.progress[0]!;
    expect(checkpoint.lastRowHash).toEqual(expect.any(String));
    expect(checkpoint.rowsAcked).toBe(3);
    expect((await run(checkpoint, ROWS, false)).sent).toEqual(['4', '5', '6', '7', '8', '9', '10']);
    const changed = ROWS.map((r, i) => (i === 2 ? [r[0], 'updated'] : r));
    await expect(run(checkpoint, changed, false)).rejects.toThrow(SinkResumeMismatchError);
  });

  it('a row deleted before the checkpoint: resets the sink checkpoint and fails the attempt, sending nothing', async () => {
    const checkpoint = (await run(undefined)).progress[2]!;
    const { sent, delivery } = recording();
    const progress: ExportProgress[] = [];
    const sink = openKafkaSink({
      sink: sinkOf(true),
      scheduling: 'sink-unit',
      fields: FIELDS,
      keyColumns: ['id'],
      maxMessageBytes: 1_000_000,
      delivery,
      resumed: checkpoint,
      onProgress: (p) => progress.push(p),
      assertLive: () => undefined,
    });
    const left = ROWS.filter((r) => r[0] !== 2);
    await expect(sink.write(left.slice(0, 8), left.slice(0, 8).map(toRow))).rejects.toThrow(
      /sinks\.0 \(kafka\): row 7 is no longer the row acknowledged there/,
    );
    expect(sent).toEqual([]);
    expect(progress).toEqual([{ rowsAcked: 0, messages: 0, batches: 0, bytes: 0, startedOver: true }]);
  });

  it('fewer rows than acknowledged: finish resets the checkpoint and fails', async () => {
    const checkpoint = (await run(undefined)).progress[3]!;
    await expect(run(checkpoint, ROWS.slice(0, 5))).rejects.toThrow(
      /the query now returns 5 rows, fewer than the 8 acknowledged/,
    );
  });
});
