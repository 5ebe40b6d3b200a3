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
    n += byteLength(m.value) + byteLength(m.key) + headerBytes(m.headers);
  }
  return n;
}

/** Per-record overhead of Kafka's record format (lengths, offsets, timestamp), rounded up. */
export const RECORD_OVERHEAD_BYTES = 70;

/** How a row becomes a message's key and value (see compiled-serializer.ts). */
interface MessageEncoder<R> {
  keyOf(row: R): string | null;
  valueOf(row: R, key: string | null): string;
}

/**
 * The message of one row, as every export and the preview build it: the key field's value as key, the
 * row's JSON as value, the scheduling's static headers (none when empty). `bytes` counts key and value.
 */
export function messageOfRow<R>(
  row: R,
  encoder: MessageEncoder<R>,
  headers: Record<string, string> | undefined,
): { message: KafkaMessage & { key: string | null; value: string }; bytes: number } {
  const key = encoder.keyOf(row);
  const value = encoder.valueOf(row, key);
  const bytes = Buffer.byteLength(value) + (key === null ? 0 : Buffer.byteLength(key));
  return { message: headers ? { key, value, headers } : { key, value }, bytes };
}

/** Bytes of a record's headers. */
export function headerBytes(headers: Record<string, string> | undefined): number {
  let n = 0;
  if (headers) for (const [k, v] of Object.entries(headers)) n += Buffer.byteLength(k) + Buffer.byteLength(v);
  return n;
}

/** What one record weighs against a topic's `max.message.bytes`: key, value, headers and the record's framing. */
export function recordBytesOf(message: KafkaMessage): number {
  return byteLength(message.value) + byteLength(message.key) + headerBytes(message.headers) + RECORD_OVERHEAD_BYTES;
}
