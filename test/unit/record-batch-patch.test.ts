import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { createRecordsBatch, jsCRC32C, Reader, readRecordsBatch } from '@platformatic/kafka';

/**
 * The client's record batch encoder as patched (patches/@platformatic+kafka+1.35.0.patch): what it
 * writes, the client's own reader (and the checksum the broker verifies) reads back, field by field.
 */
type Message = Parameters<typeof createRecordsBatch>[0][number];

// zstd where Node's zlib has it (22.15 and later).
const COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', ...('zstdCompressSync' in zlib ? ['zstd'] : [])];

function bytes(n: number): Buffer | undefined {
  return n % 7 === 0 ? undefined : randomBytes(n % 5 === 0 ? 0 : (n * 37) % 900);
}

describe('record batches of the patched client', () => {
  it.each(COMPRESSIONS)('reads back every record, header and timestamp (%s)', (compression) => {
    const base = 1_700_000_000_000n;
    const messages: Message[] = Array.from({ length: 250 }, (_, i) => {
      const headers = new Map<Buffer, Buffer>();
      if (i % 3 === 0) headers.set(Buffer.from(`h${i}`), randomBytes(i % 11));
      return {
        topic: 't',
        partition: 2,
        key: bytes(i) as Buffer,
        value: bytes(i + 1) ?? Buffer.alloc(0),
        headers,
        // Deltas beyond 2^30 ms take the patch's varlong path.
        timestamp: base + BigInt(i % 10 === 5 ? 2 ** 31 - 1 - i : i * 1_000),
      };
    });
    // The producer's sequence numbers, as the client keeps them: the partition's next one.
    const sequences = { getWithDefault: (key: string) => (key === 't:2' ? 41 : 0) };
    const buffer = createRecordsBatch(messages, {
      compression: compression as 'none',
      producerId: 12345n,
      producerEpoch: 3,
      sequences,
      transactionalId: 'tx',
    } as never).buffer;

    expect(buffer.readUInt32BE(17)).toBe(jsCRC32C(buffer.subarray(21)));
    expect(buffer.readInt32BE(8)).toBe(buffer.length - 12);
    const batch = readRecordsBatch(Reader.from(buffer));
    expect(batch).toMatchObject({
      magic: 2,
      lastOffsetDelta: 249,
      firstTimestamp: base,
      maxTimestamp: base + BigInt(2 ** 31 - 1 - 5),
      producerId: 12345n,
      producerEpoch: 3,
      firstSequence: 41,
    });
    expect(batch.attributes & 0x10).toBe(0x10);
    expect(batch.records).toHaveLength(messages.length);
    batch.records.forEach((record, i) => {
      const m = messages[i]!;
      expect(record.offsetDelta).toBe(i);
      expect(BigInt(record.timestampDelta)).toBe((m.timestamp as bigint) - base);
      expect(record.key ?? undefined).toEqual(m.key ?? undefined);
      expect(record.value).toEqual(m.value);
      expect(record.headers).toEqual([...(m.headers as Map<Buffer, Buffer>)]);
    });
  });
});
