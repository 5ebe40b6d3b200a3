import { MessageTooLargeError } from '../core/errors';
import type { RowEncoder } from '../core/compiled-serializer';
import {
  headerBytes as headerBytesOf,
  messageOfRow,
  RECORD_OVERHEAD_BYTES,
  type KafkaMessage,
} from '../core/kafka/message';
import { messageKeyOf, rowToJson, type Row } from '../core/row-serializer';
import type { KafkaConfig } from '../core/scheduling';
import { MAX_BATCH_BYTES_DEFAULT } from '../core/scheduling-defaults';

/** Room left in a send for the record batch header and compression framing. */
const BATCH_FILL_RATIO = 0.9;

export interface PreparedSend {
  messages: KafkaMessage[];
  rows: number;
  bytes: number;
  /** The send's last row, whose key or fingerprint the checkpoint holds once the send is acknowledged. */
  lastRow: Row | null;
}

/**
 * Turns rows into messages (one row = one JSON message, keyed by `message_key_field`) and splits
 * them into sends of at most `max_batch_bytes` that fit the topic's `max.message.bytes`. A single row
 * too large for the topic fails the run with its key and size instead of being dropped; one only
 * over `max_batch_bytes` is sent alone.
 */
export function prepareSends(rows: Row[], config: KafkaConfig, topicLimitBytes: number): PreparedSend[] {
  return prepareEncodedSends(rows, objectEncoder(config.message_key_field), config, topicLimitBytes);
}

/** Row objects, serialised by the value policy itself. */
function objectEncoder(keyField: string | undefined): RowEncoder<Row> {
  return { keyOf: (row) => messageKeyOf(row, keyField), valueOf: rowToJson, rowOf: (row) => row };
}

/** `prepareSends` for rows in any form its encoder reads (value arrays with a compiled serialiser). */
export function prepareEncodedSends<R>(
  rows: readonly R[],
  encoder: RowEncoder<R>,
  config: KafkaConfig,
  topicLimitBytes: number,
): PreparedSend[] {
  const headers: Record<string, string> | undefined = Object.keys(config.headers).length ? config.headers : undefined;
  const headerBytes = headerBytesOf(config.headers);
  // Runs stored by an older PSTT have no max_batch_bytes.
  const fillLimit = Math.min(topicLimitBytes * BATCH_FILL_RATIO, config.max_batch_bytes ?? MAX_BATCH_BYTES_DEFAULT);
  const sends: PreparedSend[] = [];
  let current: PreparedSend = { messages: [], rows: 0, bytes: 0, lastRow: null };
  let fill = 0;
  // The current send's last row, made a row object only when the send is complete.
  let last: R | undefined;
  const close = () => {
    if (last !== undefined) current.lastRow = encoder.rowOf(last);
    sends.push(current);
  };
  for (const row of rows) {
    const { message, bytes } = messageOfRow(row, encoder, headers);
    const recordBytes = bytes + headerBytes + RECORD_OVERHEAD_BYTES;
    if (recordBytes > topicLimitBytes)
      throw new MessageTooLargeError(config.topic, message.key, recordBytes, topicLimitBytes);
    if (current.rows > 0 && fill + recordBytes > fillLimit) {
      close();
      current = { messages: [], rows: 0, bytes: 0, lastRow: null };
      fill = 0;
    }
    fill += recordBytes;
    current.messages.push(message);
    current.rows += 1;
    current.bytes += bytes;
    last = row;
  }
  if (current.rows > 0) close();
  return sends;
}
