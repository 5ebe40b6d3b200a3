import { loadConfig } from '../../core/config';
import { KafkaMessageTooLargeError, KafkaSendError } from '../../core/errors';
import { PermanentError } from '../../core/errors';
import { createKafka } from '../../core/kafka/client';
import { KafkaProducer } from '../../core/kafka/producer';
import { ensureTopic } from '../../core/kafka/topics';
import { consumeMessages, deleteTopic, testKafka } from '../support/kafka';
import { uniqueName } from '../support/names';

describe('Kafka broker round trip (real broker)', () => {
  const kafka = testKafka();
  const topics: string[] = [];
  const producer = new KafkaProducer(createKafka(loadConfig().kafka));

  async function newTopic(partitions = 3, configs: Record<string, string> = {}): Promise<string> {
    const topic = uniqueName('wtc-roundtrip');
    topics.push(topic);
    await ensureTopic(kafka, topic, partitions, configs);
    return topic;
  }

  beforeAll(async () => {
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
    for (const topic of topics) await deleteTopic(kafka, topic).catch(() => undefined);
  });

  it('delivers a batch with keys, values and headers, acknowledged by the broker', async () => {
    const topic = await newTopic();
    const sent = Array.from({ length: 250 }, (_, i) => ({
      key: `k${i}`,
      value: JSON.stringify({ i }),
      headers: { source: 'pstt' },
    }));
    const acks = await producer.send(topic, sent);
    expect(acks.length).toBeGreaterThan(0);
    expect(acks.every((a) => a.topic === topic && /^\d+$/.test(a.baseOffset))).toBe(true);
    expect(producer.state.connected).toBe(true);

    const received = await consumeMessages(kafka, topic, sent.length);
    const byKey = new Map(received.map((m) => [m.key?.toString(), JSON.parse(m.value!.toString()) as { i: number }]));
    expect(byKey.size).toBe(250);
    expect(byKey.get('k0')).toEqual({ i: 0 });
    expect(byKey.get('k249')).toEqual({ i: 249 });
    expect(received[0]?.headers.source?.toString()).toBe('pstt');
  });

  it('puts each key on the partition the Java client picks (murmur2 & 0x7fffffff)', async () => {
    const topic = await newTopic(3);
    // Partitions computed by Kafka's own Java client for a 3-partition topic.
    const java: Record<string, number> = { a: 1, hello: 0, k1: 2, 'key-42': 0, pstt: 2 };
    await producer.send(
      topic,
      Object.keys(java).map((key) => ({ key, value: key })),
    );
    const received = await consumeMessages(kafka, topic, 5);
    expect(Object.fromEntries(received.map((m) => [m.key!.toString(), m.partition]))).toEqual(java);
  });

  it('puts each send of null-keyed messages on one partition, and the next send on the next partition', async () => {
    const topic = await newTopic(3);
    for (let send = 0; send < 3; send++) {
      await producer.send(
        topic,
        Array.from({ length: 20 }, (_, i) => ({ key: null, value: `${send}:${i}` })),
      );
    }
    const received = await consumeMessages(kafka, topic, 60);
    const partitionOfSend = new Map<string, Set<number>>();
    for (const m of received) {
      const send = m.value!.toString().split(':')[0]!;
      partitionOfSend.set(send, (partitionOfSend.get(send) ?? new Set()).add(m.partition));
      expect(m.key).toBeNull();
    }
    expect([...partitionOfSend.values()].every((p) => p.size === 1)).toBe(true);
    expect(new Set([...partitionOfSend.values()].map((p) => [...p][0])).size).toBe(3);
  });

  it('delivers concurrent acks=all sends of one producer, each partition in call order (sends are serialised)', async () => {
    const topic = await newTopic(2);
    // Several exports sharing the worker's producer: without serialising, the second concurrent
    // idempotent send fails with OUT_OF_ORDER_SEQUENCE_NUMBER.
    const sends = Array.from({ length: 8 }, (_, s) =>
      producer.send(
        topic,
        Array.from({ length: 50 }, (_, i) => ({ key: `key-${i % 4}`, value: String(s * 50 + i) })),
      ),
    );
    await Promise.all(sends);
    const received = await consumeMessages(kafka, topic, 400);
    for (const partition of [0, 1]) {
      const values = received.filter((m) => m.partition === partition).map((m) => Number(m.value!.toString()));
      expect(values).toEqual([...values].sort((a, b) => a - b));
    }
    expect(received).toHaveLength(400);
  });

  it.each(['gzip', 'snappy', 'lz4'] as const)(
    'round-trips %s-compressed batches, with acks=leader too',
    async (compression) => {
      const topic = await newTopic(1);
      const value = JSON.stringify({ text: 'compressible '.repeat(50) });
      await producer.send(topic, [{ key: 'a', value }], { compression });
      await producer.send(topic, [{ key: 'b', value }], { compression, acks: 'leader' });
      const received = await consumeMessages(kafka, topic, 2);
      expect(received.map((m) => m.value!.toString())).toEqual([value, value]);
    },
  );

  it('fails with a non-retryable error naming the topic and size when the broker rejects the batch as too large', async () => {
    const topic = await newTopic(1, { 'max.message.bytes': '2048' });
    // The export's pre-check is bypassed: the producer is called directly.
    const error = await producer.send(topic, [{ key: 'big', value: 'x'.repeat(5_000) }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KafkaMessageTooLargeError);
    expect((error as Error).message).toMatch(
      new RegExp(`topic "${topic}" as (MESSAGE_TOO_LARGE|RECORD_LIST_TOO_LARGE): 1 message\\(s\\), 5003 bytes`),
    );
    expect(error).toBeInstanceOf(PermanentError);
    // The producer is rebuilt and keeps working.
    await producer.send(topic, [{ key: 'small', value: 'ok' }]);
    expect((await consumeMessages(kafka, topic, 1))[0]?.value?.toString()).toBe('ok');
  });

  it('fails, not hangs, when the topic does not exist (auto-create is off)', async () => {
    const missing = uniqueName('wtc-missing');
    await expect(producer.send(missing, [{ key: 'a', value: '{}' }])).rejects.toBeInstanceOf(KafkaSendError);
    // This send's error: the previous test left its own there.
    expect(producer.state.lastError).toContain(`send to topic "${missing}" failed`);
  });
});
