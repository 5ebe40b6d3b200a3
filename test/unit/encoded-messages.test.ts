import { MessageArena, messagesOf, type EncodedMessages } from '../../core/kafka/encoded-messages';

function textOf(encoded: EncodedMessages) {
  return messagesOf(encoded).map((m) => [m.key === null ? null : m.key.toString(), m.value.toString()]);
}

describe('MessageArena', () => {
  it('writes keys and values back to back and gives their UTF-8 sizes', () => {
    const arena = new MessageArena();
    expect(arena.add('k1', '{"a":1}')).toBe(9);
    expect(arena.add(null, '{"é":"€𝄞"}')).toBe(Buffer.byteLength('{"é":"€𝄞"}'));
    expect(arena.add('', '')).toBe(0);
    const taken = arena.take();
    expect(textOf(taken)).toEqual([
      ['k1', '{"a":1}'],
      [null, '{"é":"€𝄞"}'],
      ['', ''],
    ]);
    expect([...taken.keyLengths]).toEqual([2, -1, 0]);
    expect(taken.data.length).toBe(9 + Buffer.byteLength('{"é":"€𝄞"}'));
    // Its own buffer, from offset 0: transferable to another thread.
    expect(taken.data.byteOffset).toBe(0);
    expect(arena.count).toBe(0);
  });

  it('grows past its first buffer without losing what it holds', () => {
    const arena = new MessageArena();
    const values = Array.from({ length: 300 }, (_, i) => `${i}:${'ü'.repeat(i * 7)}`);
    for (const [i, v] of values.entries()) arena.add(String(i), v);
    expect(textOf(arena.take())).toEqual(values.map((v, i) => [String(i), v]));
  });

  it('hands over all but the last message, which starts the next batch', () => {
    const arena = new MessageArena();
    arena.add('1', 'one');
    arena.add('2', 'two');
    arena.add('3', 'three…');
    const first = arena.takeAllButLast();
    expect(textOf(first)).toEqual([
      ['1', 'one'],
      ['2', 'two'],
    ]);
    arena.add(null, 'four');
    expect(textOf(arena.take())).toEqual([
      ['3', 'three…'],
      [null, 'four'],
    ]);
    // The batch handed over first is not overwritten by later ones.
    expect(textOf(first)[1]).toEqual(['2', 'two']);
  });

  it('writes the next batches into the buffers of batches it got back', () => {
    const arena = new MessageArena();
    const buffers = new Set<ArrayBufferLike>();
    for (let send = 0; send < 20; send++) {
      for (let i = 0; i < 100; i++) arena.add(String(i), `{"send":${send},"row":${i},"text":"${'x'.repeat(200)}"}`);
      const taken = arena.take();
      expect(textOf(taken)[99]).toEqual(['99', `{"send":${send},"row":99,"text":"${'x'.repeat(200)}"}`]);
      buffers.add(taken.data.buffer);
      arena.recycle(taken.data.buffer as ArrayBuffer);
    }
    // The first buffer was too small and grew; from then on one buffer serves every batch.
    expect(buffers.size).toBeLessThanOrEqual(3);
  });
});
