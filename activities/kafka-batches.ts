import { MessageTooLargeError } from '../core/errors';
import type { RowEncoder } from '../core/compiled-serializer';
import { MessageArena, type EncodedMessages } from '../core/kafka/encoded-messages';
import { headerBytes as headerBytesOf, RECORD_OVERHEAD_BYTES } from '../core/kafka/message';
import { messageKeyOf, rowToJson, type Row } from '../core/row-serializer';
import type { KafkaConfig } from '../core/scheduling';
import { MAX_BATCH_BYTES_DEFAULT } from '../core/scheduling-defaults';

/** Room left in a send for the record batch header and compression framing. */
const BATCH_FILL_RATIO = 0.9;

export interface PreparedSend {
  /** The send's messages, without the static headers (see `messagesOf`). */
  encoded: EncodedMessages;
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

/**
 * `prepareSends` for rows in any form its encoder reads (value arrays with a compiled serialiser). A
 * stream of batches passes one `arena` throughout, which learns the size of its sends.
 */
export function prepareEncodedSends<R>(
  rows: readonly R[],
  encoder: RowEncoder<R>,
  config: KafkaConfig,
  topicLimitBytes: number,
  arena: MessageArena = new MessageArena(),
): PreparedSend[] {
  const headerBytes = headerBytesOf(config.headers);
  // Runs stored by an older PSTT have no max_batch_bytes.
  const fillLimit = Math.min(topicLimitBytes * BATCH_FILL_RATIO, config.max_batch_bytes ?? MAX_BATCH_BYTES_DEFAULT);
  const sends: PreparedSend[] = [];
  let rowsIn = 0;
  let bytesIn = 0;
  let fill = 0;
  // The send's last row so far, made a row object only when the send closes.
  let last: R | undefined;
  for (const row of rows) {
    const key = encoder.keyOf(row);
    const bytes = arena.add(key, encoder.valueOf(row, key));
    const recordBytes = bytes + headerBytes + RECORD_OVERHEAD_BYTES;
    if (recordBytes > topicLimitBytes) throw new MessageTooLargeError(config.topic, key, recordBytes, topicLimitBytes);
    if (rowsIn > 0 && fill + recordBytes > fillLimit) {
      // This row starts the next send.
      sends.push({ encoded: arena.takeAllButLast(), rows: rowsIn, bytes: bytesIn, lastRow: encoder.rowOf(last!) });
      rowsIn = 0;
      bytesIn = 0;
      fill = 0;
    }
    fill += recordBytes;
    rowsIn += 1;
    bytesIn += bytes;
    last = row;
  }
  if (rowsIn > 0) sends.push({ encoded: arena.take(), rows: rowsIn, bytes: bytesIn, lastRow: encoder.rowOf(last!) });
  return sends;
}
