/**
 * One message as PSTT hands it to Kafka: our own type, so that nothing outside core/kafka depends
 * on the client library. A null key lets the producer pick the partition (see partitioner.ts).
 */
export interface KafkaMessage {
  key: string | Buffer | null;
  value: string | Buffer;
  headers?: Record<string, string>;
}

/** Where the broker stored one partition's share of a send. */
export interface SendAck {
  topic: string;
  partition: number;
  /** Offset of the first message of the send in that partition (a 64-bit integer, as a string). */
  baseOffset: string;
}

/** Bytes of a key or value as sent. */
export function byteLength(data: string | Buffer | null | undefined): number {
  if (data === null || data === undefined) return 0;
  return typeof data === 'string' ? Buffer.byteLength(data) : data.length;
}

/** Key, value and header bytes of a batch, for the metrics and the errors. */
export function batchBytes(messages: readonly KafkaMessage[]): number {
  let n = 0;
  for (const m of messages) {
    n += byteLength(m.value) + byteLength(m.key);
    if (m.headers) for (const [k, v] of Object.entries(m.headers)) n += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  return n;
}
