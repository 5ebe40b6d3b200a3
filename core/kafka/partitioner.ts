import { compatibilityPartitioner, type Partitioner } from '@platformatic/kafka';

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
    return (message, key) => (key ? compatibilityPartitioner(message, key) : sticky);
  }
}

/**
 * The partition a keyed message goes to, as `JavaCompatiblePartitioning` picks it and the client then
 * reduces it (modulo the partition count): what the preview shows. A null key has none in advance.
 */
export function partitionOfKey(key: string | Buffer, partitionCount: number): number {
  const bytes = typeof key === 'string' ? Buffer.from(key) : key;
  return compatibilityPartitioner(undefined as never, bytes) % partitionCount;
}
