import type { Partitioner } from '@platformatic/kafka';

const MURMUR2_SEED = 0x9747b28c;
const MURMUR2_M = 0x5bd1e995;

/**
 * Kafka's murmur2 (`org.apache.kafka.common.utils.Utils.murmur2`) in 32-bit integer arithmetic. The
 * client's own version computes in BigInt, allocating a few objects per 4 key bytes: a quarter of the
 * producer thread's garbage in an export.
 */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = MURMUR2_SEED ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, MURMUR2_M);
    k ^= k >>> 24;
    k = Math.imul(k, MURMUR2_M);
    h = Math.imul(h, MURMUR2_M) ^ k;
  }
  const rest = length & 3;
  if (rest > 0) {
    if (rest === 3) h ^= data[whole + 2]! << 16;
    if (rest >= 2) h ^= data[whole + 1]! << 8;
    h ^= data[whole]!;
    h = Math.imul(h, MURMUR2_M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, MURMUR2_M);
  h ^= h >>> 15;
  return h;
}

/** The Java client's partition number of a key before the modulo: `Utils.toPositive(murmur2(key))`. */
function javaHashOf(key: Uint8Array): number {
  return murmur2(key) & 0x7fffffff;
}

/**
 * Chooses partitions like the Java client, so that a key lands where any Java producer (Kafka
 * Connect, kafka-console-producer, Streams) would put it:
 * - a keyed message: murmur2 of the key bytes, `& 0x7fffffff`, modulo the partition count. The
 *   client's own default partitioner uses `>>> 0` instead and sends about half the keys elsewhere.
 * - a null key: one partition for the whole send, the next one for the next send of the topic
 *   ("sticky per send", as the Java client sticks per batch). A send then stays one request to one
 *   leader, and null-keyed rows still spread over all partitions. The client itself would put
 *   every null-keyed message of a send with a partitioner on partition 0.
 */
export class JavaCompatiblePartitioning {
  private readonly nextNullKeyPartition = new Map<string, number>();

  /** The partitioner of one send to `topic` (the client reduces the number modulo the partition count). */
  forSend<K, V, HK, HV>(topic: string): Partitioner<K, V, HK, HV> {
    // Random start: several producers do not all begin on partition 0.
    const sticky = this.nextNullKeyPartition.get(topic) ?? Math.floor(Math.random() * 0x10000);
    this.nextNullKeyPartition.set(topic, (sticky + 1) & 0x7fffffff);
    return (_message, key) => (Buffer.isBuffer(key) ? javaHashOf(key) : sticky);
  }
}

/**
 * The partition a keyed message goes to, as `JavaCompatiblePartitioning` picks it and the client then
 * reduces it (modulo the partition count): what the preview shows. A null key has none in advance.
 */
export function partitionOfKey(key: string | Buffer, partitionCount: number): number {
  const bytes = typeof key === 'string' ? Buffer.from(key) : key;
  return javaHashOf(bytes) % partitionCount;
}
