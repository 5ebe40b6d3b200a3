import { loadConfig } from '../../core/config';
import { createKafka } from '../../core/kafka/client';
import { KafkaProducer } from '../../core/kafka/producer';
import { ensureTopic } from '../../core/kafka/topics';
import { consumeMessages, deleteTopic, testKafka } from '../support/kafka';
import { uniqueName } from '../support/names';

describe('Kafka broker round trip (real broker)', () => {
  const kafka = testKafka();
  const topic = uniqueName('pstt-roundtrip');
  const producer = new KafkaProducer(createKafka(loadConfig().kafka));

  beforeAll(async () => {
    await ensureTopic(kafka, topic, 3);
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
    await deleteTopic(kafka, topic);
  });

  it('delivers a batch with keys and values, acknowledged by the broker', async () => {
    const sent = Array.from({ length: 250 }, (_, i) => ({ key: `k${i}`, value: JSON.stringify({ i }) }));
    const acks = await producer.send(topic, sent);
    expect(acks.every((a) => a.errorCode === 0)).toBe(true);
    expect(producer.state.connected).toBe(true);

    const received = await consumeMessages(kafka, topic, sent.length);
    const byKey = new Map(received.map((m) => [m.key?.toString(), JSON.parse(m.value!.toString()) as { i: number }]));
    expect(byKey.size).toBe(250);
    expect(byKey.get('k0')).toEqual({ i: 0 });
    expect(byKey.get('k249')).toEqual({ i: 249 });
  });

  it('fails, not hangs, when the topic does not exist (auto-create is off)', async () => {
    const missing = uniqueName('pstt-missing');
    await expect(producer.send(missing, [{ key: 'a', value: '{}' }])).rejects.toThrow();
    expect(producer.state.lastError).toBeTruthy();
  });
});
