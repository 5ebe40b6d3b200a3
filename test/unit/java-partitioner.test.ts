import { randomBytes } from 'node:crypto';
import { compatibilityPartitioner } from '@platformatic/kafka';
import { JavaCompatiblePartitioning, murmur2, partitionOfKey } from '../../core/kafka/partitioner';

/** The client reduces the partitioner's number modulo the partition count. */
function partitionOf(
  partitioner: ReturnType<JavaCompatiblePartitioning['forSend']>,
  key: string | null,
  partitions: number,
): number {
  const keyBytes = key === null ? undefined : Buffer.from(key);
  return (
    partitioner({ topic: 't', key: keyBytes, value: Buffer.from('v') }, keyBytes, { metadata: undefined }) % partitions
  );
}

describe('Java-compatible partitioning', () => {
  it('puts keys where the Java client does (murmur2 vectors for 3 partitions)', () => {
    const partitioner = new JavaCompatiblePartitioning().forSend('t');
    // From Kafka's Java client (Utils.toPositive(Utils.murmur2(key)) % 3); the client's own default
    // partitioner (>>> 0) gives a -> 0, key-42 -> 2, pstt -> 1.
    const java = { a: 1, hello: 0, k1: 2, 'key-42': 0, pstt: 2 };
    for (const [key, partition] of Object.entries(java))
      expect([key, partitionOf(partitioner, key, 3)]).toEqual([key, partition]);
    // What the preview shows for a key: the same partitions.
    for (const [key, partition] of Object.entries(java))
      expect([key, partitionOfKey(key, 3)]).toEqual([key, partition]);
  });

  it('keeps the null-keyed messages of one send on one partition and moves to the next partition at the next send', () => {
    const partitioning = new JavaCompatiblePartitioning();
    const first = partitioning.forSend('t');
    const second = partitioning.forSend('t');
    const other = partitioning.forSend('u');
    const a = partitionOf(first, null, 3);
    expect(Array.from({ length: 10 }, () => partitionOf(first, null, 3))).toEqual(Array(10).fill(a));
    expect(partitionOf(second, null, 3)).toBe((a + 1) % 3);
    expect([0, 1, 2]).toContain(partitionOf(other, null, 3));
  });

  it("hashes as the client's BigInt murmur2 does, for keys of every length", () => {
    for (let length = 0; length < 300; length++) {
      for (let n = 0; n < 20; n++) {
        const key = randomBytes(length);
        expect([key.toString('hex'), murmur2(key) & 0x7fffffff]).toEqual([
          key.toString('hex'),
          compatibilityPartitioner(undefined as never, key),
        ]);
      }
    }
  });
});
