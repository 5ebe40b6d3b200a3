import { Consumer, FetchIsolationLevels } from '@platformatic/kafka';
import { baseOptionsOf, forceClose, type KafkaClient } from './client';

/** Record batch attribute bits (Kafka's record format v2). */
const IS_TRANSACTIONAL = 0x10;
const IS_CONTROL = 0x20;
/** Control record type, in the control record's key: 0 ABORT, 1 COMMIT. */
const ABORT_MARKER = 0;
const FETCH_MAX_BYTES = 1 << 20;

export interface CommittedRecord {
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
}

/**
 * Reads one partition from its start to its last stable offset as a Java consumer with
 * `isolation.level=read_committed` does: batches of aborted transactions are dropped, control batches
 * skipped. Done here on the raw fetch because the client's own read_committed filter keeps only the
 * last aborted transaction of each producer per fetch, so earlier aborted ones would show.
 */
export async function readCommitted(
  kafka: KafkaClient,
  topic: string,
  partition: number,
  visit: (record: CommittedRecord) => void,
): Promise<void> {
  const consumer = new Consumer({
    ...baseOptionsOf(kafka),
    groupId: `${kafka.clientId}-committed-reader`,
    isolationLevel: FetchIsolationLevels.READ_COMMITTED,
  });
  try {
    const metadata = await consumer.metadata({ topics: [topic], forceUpdate: true });
    const meta = metadata.topics.get(topic);
    const leader = meta?.partitions[partition]?.leader;
    if (!meta || leader === undefined) throw new Error(`topic "${topic}" has no partition ${partition}`);
    let offset = 0n;
    for (;;) {
      const response = await consumer.fetch({
        node: leader,
        maxWaitTime: 10,
        topics: [
          {
            topicId: meta.id,
            partitions: [
              {
                partition,
                fetchOffset: offset,
                currentLeaderEpoch: -1,
                lastFetchedEpoch: -1,
                partitionMaxBytes: FETCH_MAX_BYTES,
              },
            ],
          },
        ],
      });
      const answer = response.responses[0]?.partitions[0];
      if (!answer) throw new Error(`no fetch answer for ${topic}-${partition}`);
      if (answer.errorCode)
        throw new Error(`fetch of ${topic}-${partition} failed with error code ${answer.errorCode}`);
      if (offset < answer.logStartOffset) offset = answer.logStartOffset;
      const batches = answer.records ?? [];
      if (offset >= answer.lastStableOffset || batches.length === 0) return;
      // As the Java consumer: a producer id is "aborted" from its aborted transaction's first offset to its ABORT marker.
      const aborted = [...answer.abortedTransactions].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : 1));
      const abortedProducers = new Set<bigint>();
      for (const batch of batches) {
        const lastOffset = batch.firstOffset + BigInt(batch.lastOffsetDelta);
        while (aborted.length > 0 && (aborted[0] as { firstOffset: bigint }).firstOffset <= lastOffset) {
          abortedProducers.add((aborted.shift() as { producerId: bigint }).producerId);
        }
        offset = lastOffset + 1n;
        if (batch.attributes & IS_CONTROL) {
          if (batch.records[0]?.key?.readInt16BE(2) === ABORT_MARKER) abortedProducers.delete(batch.producerId);
          continue;
        }
        if (batch.attributes & IS_TRANSACTIONAL && abortedProducers.has(batch.producerId)) continue;
        for (const record of batch.records) {
          const at = batch.firstOffset + BigInt(record.offsetDelta);
          if (at >= answer.lastStableOffset) return;
          visit({ offset: at, key: record.key, value: record.value });
        }
      }
    }
  } finally {
    await forceClose(consumer);
  }
}

/** Messages a read_committed consumer would see in a topic, over every partition. */
export async function countCommitted(kafka: KafkaClient, topic: string, partitions: number): Promise<number> {
  let n = 0;
  for (let partition = 0; partition < partitions; partition++) {
    await readCommitted(kafka, topic, partition, () => {
      n += 1;
    });
  }
  return n;
}
