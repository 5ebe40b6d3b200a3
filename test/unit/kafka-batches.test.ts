import { prepareSends, type PreparedSend } from '../../activities/kafka-batches';
import { messagesOf } from '../../core/kafka/encoded-messages';
import { MessageTooLargeError, RowSerializationError } from '../../core/errors';
import { kafkaConfigSchema } from '../../core/scheduling';

const config = kafkaConfigSchema.parse({ topic: 'orders', message_key_field: 'id', headers: { source: 'pstt' } });

/** A send's messages as text, with the static headers as the delivery adds them. */
function textOf(send: PreparedSend | undefined, headers?: Record<string, string>) {
  return messagesOf(send!.encoded, headers).map((m) => ({
    ...m,
    key: m.key === null ? null : m.key.toString(),
    value: m.value.toString(),
  }));
}

describe('prepareSends', () => {
  it('makes one keyed JSON message per row, with the static headers', () => {
    const [send] = prepareSends(
      [
        { id: 1n, name: 'a' },
        { id: 2n, name: null },
      ],
      config,
      1_000_000,
    );
    expect(send?.rows).toBe(2);
    expect(textOf(send, config.headers)).toEqual([
      { key: '1', value: '{"id":1,"name":"a"}', headers: { source: 'pstt' } },
      { key: '2', value: '{"id":2,"name":null}', headers: { source: 'pstt' } },
    ]);
  });

  it('splits a batch into sends that fit the topic size limit, keeping row order', () => {
    const rows = Array.from({ length: 100 }, (_, i) => ({ id: i, text: 'x'.repeat(100) }));
    const sends = prepareSends(rows, config, 2_000);
    expect(sends.length).toBeGreaterThan(1);
    expect(sends.reduce((n, s) => n + s.rows, 0)).toBe(100);
    expect(sends.flatMap((s) => textOf(s).map((m) => m.key))).toEqual(rows.map((r) => String(r.id)));
    for (const s of sends) {
      const size = textOf(s).reduce((n, m) => n + String(m.value).length + 70 + 12, 0);
      expect(size).toBeLessThanOrEqual(2_000);
    }
  });

  it('ends a send at max_batch_bytes as well, and sends a row over it alone', () => {
    const rows = Array.from({ length: 100 }, (_, i) => ({
      id: i,
      text: i === 50 ? 'z'.repeat(5_000) : 'x'.repeat(100),
    }));
    const small = kafkaConfigSchema.parse({ topic: 'orders', message_key_field: 'id', max_batch_bytes: 2_000 });
    const sends = prepareSends(rows, small, 1_000_000);
    expect(prepareSends(rows, config, 1_000_000)).toHaveLength(1);
    expect(sends.flatMap((s) => textOf(s).map((m) => m.key))).toEqual(rows.map((r) => String(r.id)));
    for (const s of sends) {
      const size = textOf(s).reduce((n, m) => n + String(m.value).length + String(m.key).length + 70, 0);
      if (s.rows > 1) expect(size).toBeLessThanOrEqual(2_000);
    }
    expect(sends.find((s) => textOf(s).some((m) => m.key === '50'))?.rows).toBe(1);
    // The topic's limit still applies below max_batch_bytes.
    expect(
      prepareSends(rows, kafkaConfigSchema.parse({ topic: 'o', max_batch_bytes: 64 * 1024 * 1024 }), 6_000).length,
    ).toBeGreaterThan(3);
  });

  it('fails with the key and the size of a row too large for the topic', () => {
    const rows = [
      { id: 1, text: 'small' },
      { id: 2, text: 'y'.repeat(5_000) },
    ];
    let error: unknown;
    try {
      prepareSends(rows, config, 2_000);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MessageTooLargeError);
    expect((error as MessageTooLargeError).key).toBe('2');
    expect((error as Error).message).toMatch(/^row with key "2" makes a 5\d{3}-byte message, over the 2000-byte limit/);
  });

  it('names the column and the key of a value that has no JSON form', () => {
    expect(() => prepareSends([{ id: 7, bad: Symbol('s') }], config, 1_000_000)).toThrow(RowSerializationError);
    expect(() => prepareSends([{ id: 7, bad: Symbol('s') }], config, 1_000_000)).toThrow(
      'column "bad" of the row with key "7" cannot be serialised: a symbol has no JSON form',
    );
  });

  it('sends a null key when no message_key_field is set', () => {
    const [send] = prepareSends([{ id: 1 }], kafkaConfigSchema.parse({ topic: 't' }), 1_000_000);
    expect(textOf(send)[0]).toEqual({ key: null, value: '{"id":1}' });
  });
});
