import type { Producer, Serializers } from '@platformatic/kafka';

/** What our producers accept as a key, value or header: text (UTF-8) or bytes; null for no key. */
export type WireData = string | Buffer | null;

/** A @platformatic/kafka producer typed for our messages. */
export type ClientProducer = Producer<WireData, WireData, string, string>;

function toBuffer(data?: WireData): Buffer | undefined {
  if (data === null || data === undefined) return undefined;
  return typeof data === 'string' ? Buffer.from(data) : data;
}

/** The client sends Buffers only: strings are encoded as UTF-8, a null key stays absent. */
export const bufferSerializers: Serializers<WireData, WireData, string, string> = {
  key: toBuffer,
  value: toBuffer,
  headerKey: toBuffer,
  headerValue: toBuffer,
};
