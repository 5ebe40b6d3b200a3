import { KafkaProducer } from '../../core/kafka/producer';
import { countMessages, deleteTopic, ensureTopic } from '../../core/kafka/topics';
import { consumeMessages, testKafka } from '../support/kafka';
import { uniqueName } from '../support/names';

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

  const values = async (topic: string, n: number) => (await consumeMessages(kafka, topic, n)).map((m) => m.value?.toString()).sort();

  it.each(['all', 'leader'] as const)('sends to other topics after a topic it used is deleted (acks=%s)', async (acks) => {
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
  });

  it.each(['all', 'leader'] as const)('sends to a topic deleted and recreated with fewer partitions (acks=%s)', async (acks) => {
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
    expect([...new Set(messages.map((m) => m.value?.toString()))].sort()).toEqual(batch('new').map((m) => m.value).sort());
  });
});
