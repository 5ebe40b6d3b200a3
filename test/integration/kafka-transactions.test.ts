import { ProducerFencedError } from '../../core/errors';
import { readCommitted } from '../../core/kafka/committed-log';
import { TransactionalProducer } from '../../core/kafka/transactional-producer';
import { ensureTopic } from '../../core/kafka/topics';
import { consumeMessages, deleteTopic, testKafka } from '../support/kafka';
import { uniqueName } from '../support/names';

describe('transactional producer (real broker)', () => {
  const kafka = testKafka();
  const topic = uniqueName('wtc-txn');
  const producers: TransactionalProducer[] = [];

  function producer(transactionalId: string): TransactionalProducer {
    const p = new TransactionalProducer(kafka, transactionalId, { timeoutMs: 20_000 });
    producers.push(p);
    return p;
  }

  const batch = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) => ({ key: `${prefix}${i}`, value: `${prefix}${i}` }));
  const values = (messages: Array<{ value: Buffer | null }>) => messages.map((m) => m.value!.toString());

  beforeAll(async () => {
    await ensureTopic(kafka, topic, 1);
  });

  afterAll(async () => {
    for (const p of producers) await p.close();
    await deleteTopic(kafka, topic).catch(() => undefined);
  });

  it('a read_committed consumer sees committed transactions only; a new producer with the same id fences the old one', async () => {
    const id = uniqueName('wtc-txn-id');
    const first = producer(id);
    await first.begin();
    await first.send(topic, batch('a', 3));
    await first.commit();
    await first.begin();
    await first.send(topic, batch('b', 3));
    await first.abort();
    await first.begin();
    await first.send(topic, batch('c', 2));
    await first.commit();

    // The old producer has a transaction open when the new one registers with the same id.
    await first.begin();
    await first.send(topic, batch('x', 2));
    const second = producer(id);
    await second.begin();
    await expect(first.commit()).rejects.toBeInstanceOf(ProducerFencedError);
    await second.send(topic, batch('y', 2));
    await second.commit();

    const committed = await consumeMessages(kafka, topic, 7, { readCommitted: true });
    expect(values(committed)).toEqual(['a0', 'a1', 'a2', 'c0', 'c1', 'y0', 'y1']);
    // Without read_committed the aborted and fenced messages are there: the filter is the broker's.
    const everything = await consumeMessages(kafka, topic, 12);
    expect(values(everything)).toEqual(expect.arrayContaining(['b0', 'b1', 'b2', 'x0', 'x1']));
  });

  it('readCommitted (our raw-fetch reader) drops every aborted transaction, not just the last one per producer', async () => {
    const own = uniqueName('wtc-txn-read');
    await ensureTopic(kafka, own, 1);
    try {
      const p = producer(uniqueName('wtc-txn-id'));
      for (const [prefix, commit] of [
        ['a', true],
        ['b', false],
        ['c', false],
        ['d', true],
        ['e', false],
        ['f', true],
      ] as const) {
        await p.begin();
        await p.send(own, batch(prefix, 2));
        if (commit) await p.commit();
        else await p.abort();
      }
      const seen: string[] = [];
      await readCommitted(kafka, own, 0, (r) => seen.push(r.value!.toString()));
      expect(seen).toEqual(['a0', 'a1', 'd0', 'd1', 'f0', 'f1']);
      // Kafka's own Java consumer agrees.
      expect(values(await consumeMessages(kafka, own, 6, { readCommitted: true }))).toEqual(seen);
    } finally {
      await deleteTopic(kafka, own).catch(() => undefined);
    }
  });
});
