import type { Client } from '@temporalio/client';
import { loadConfig } from '../../core/config';
import type { ExportJobInput } from '../../core/job';
import { KafkaProducer } from '../../core/kafka/producer';
import { countMessages, deleteTopic, ensureTopic } from '../../core/kafka/topics';
import { connectTemporalClient } from '../../core/temporal/client';
import { devPostgresUrl } from '../../devstack/postgres-server';
import { consumeMessages, testKafka } from '../support/kafka';
import { uniqueName } from '../support/names';
import { startQueueWorker } from '../support/export-harness';
import { makeScheduling } from '../support/scheduling';
import { exportJob } from '../../workflows';

/**
 * Issue 11 item 3: one producer (a worker's) sends to topic B, B is deleted, and sends to other topics
 * must still succeed. A client that keeps every topic it ever used in its metadata requests (KafkaJS
 * did) fails every later metadata refresh on B's UNKNOWN_TOPIC_OR_PARTITION until the process restarts.
 * The send to the new topic C is the one that needs a metadata request; A's then follows.
 */
describe('a deleted or recreated topic does not poison the producer (real broker)', () => {
  const kafka = testKafka();
  const topics: string[] = [];

  afterAll(async () => {
    for (const topic of topics) await deleteTopic(kafka, topic).catch(() => undefined);
  });

  async function newTopic(partitions = 2): Promise<string> {
    const topic = uniqueName('bnd-deleted');
    topics.push(topic);
    await ensureTopic(kafka, topic, partitions);
    return topic;
  }

  const values = async (topic: string, n: number) =>
    (await consumeMessages(kafka, topic, n)).map((m) => m.value?.toString()).sort();

  it.each(['all', 'leader'] as const)(
    'sends to other topics after a topic it used is deleted (acks=%s)',
    async (acks) => {
      const [a, b, c] = [await newTopic(), await newTopic(), uniqueName('bnd-deleted')];
      const producer = new KafkaProducer(kafka, { sendTimeoutMs: 20_000 });
      try {
        await producer.send(a, [{ key: 'a1', value: 'before' }], { acks });
        await producer.send(b, [{ key: 'b1', value: 'to be deleted' }], { acks });
        await deleteTopic(kafka, b);
        // Created after the deletion: its first send asks the cluster for metadata.
        topics.push(c);
        await ensureTopic(kafka, c, 2);
        await producer.send(c, [{ key: 'c1', value: 'new topic' }], { acks });
        await producer.send(a, [{ key: 'a2', value: 'after' }], { acks });
      } finally {
        await producer.disconnect();
      }
      expect(await values(a, 2)).toEqual(['after', 'before']);
      expect(await values(c, 1)).toEqual(['new topic']);
    },
  );

  it.each(['all', 'leader'] as const)(
    'sends to a topic deleted and recreated with fewer partitions (acks=%s)',
    async (acks) => {
      const b = await newTopic(3);
      const producer = new KafkaProducer(kafka, { sendTimeoutMs: 20_000 });
      // Keys spread over the three partitions of the first layout.
      const batch = (tag: string) => Array.from({ length: 12 }, (_, i) => ({ key: `k${i}`, value: `${tag}-${i}` }));
      try {
        await producer.send(b, batch('old'), { acks });
        await deleteTopic(kafka, b);
        await ensureTopic(kafka, b, 1);
        // The cached layout still has three partitions: the producer must notice and send to the one there is.
        await producer.send(b, batch('new'), { acks });
      } finally {
        await producer.disconnect();
      }
      // A failed first send may have landed in part: every row is there, possibly twice.
      const messages = await consumeMessages(kafka, b, await countMessages(kafka, b));
      expect(new Set(messages.map((m) => m.partition))).toEqual(new Set([0]));
      expect([...new Set(messages.map((m) => m.value?.toString()))].sort()).toEqual(
        batch('new')
          .map((m) => m.value)
          .sort(),
      );
    },
  );

  it('keeps one worker exporting to topic A after topic B, which it exported to before, is deleted and recreated', async () => {
    const base = loadConfig();
    const config = {
      ...base,
      temporal: { ...base.temporal, task_queue: uniqueName('bnd-deleted-queue') },
      sources: { pg: { url: process.env.PSTT_TEST_POSTGRES_URL ?? devPostgresUrl('pstt_test') } },
    };
    const [a, b] = [await newTopic(3), await newTopic(3)];
    const client: Client = await connectTemporalClient(config.temporal);
    // One worker, so one producer, for every run.
    const worker = await startQueueWorker(config);
    const run = async (topic: string) => {
      const scheduling = makeScheduling({
        name: uniqueName('bnd-deleted'),
        schedule: { every: '1h' },
        source: 'pg',
        query: 'SELECT g AS id FROM generate_series(1, 30) g ORDER BY g',
        export_format: 'kafka',
        // One attempt: a run that needs a retry (or a restarted worker) to get through fails here.
        retry: { max_attempts: 1 },
        kafka_config: { topic, message_key_field: 'id', batch_size: 30 },
      });
      const input: ExportJobInput = { scheduling };
      const workflowId = uniqueName('bnd-deleted-run');
      return await client.workflow.execute(exportJob, {
        taskQueue: config.temporal.task_queue,
        workflowId,
        args: [input],
      });
    };
    try {
      await run(a);
      await run(b);
      await deleteTopic(kafka, b);
      expect(await run(a)).toMatchObject({ rows: 30, attempts: 1 });
      await ensureTopic(kafka, b, 1);
      expect(await run(b)).toMatchObject({ rows: 30, attempts: 1 });
      expect(await run(a)).toMatchObject({ rows: 30, attempts: 1 });
    } finally {
      await worker.stop();
      await client.connection.close();
    }
    expect(await countMessages(kafka, a)).toBe(90);
    expect(await countMessages(kafka, b)).toBe(30);
  });
});
