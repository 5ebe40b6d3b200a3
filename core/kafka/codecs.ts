import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { compressFrameSync, decompressFrameSync } from 'lz4-napi';
// kafkajs-snappy ships no types: it exports a codec factory.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const snappyCodec = require('kafkajs-snappy') as () => unknown;

export type CompressionName = 'none' | 'gzip' | 'snappy' | 'lz4';

/** KafkaJS builds in GZIP only; Snappy and LZ4 (frame format, as Kafka expects) are registered here once. */
let registered = false;
export function registerCompressionCodecs(): void {
  if (registered) return;
  registered = true;
  const codecs = CompressionCodecs as unknown as Record<number, () => unknown>;
  codecs[CompressionTypes.Snappy] = snappyCodec;
  codecs[CompressionTypes.LZ4] = () => ({
    async compress(encoder: { buffer: Buffer }) {
      return compressFrameSync(encoder.buffer);
    },
    async decompress(buffer: Buffer) {
      return decompressFrameSync(buffer);
    },
  });
}

export function compressionTypeOf(name: CompressionName): CompressionTypes {
  switch (name) {
    case 'gzip':
      return CompressionTypes.GZIP;
    case 'snappy':
      return CompressionTypes.Snappy;
    case 'lz4':
      return CompressionTypes.LZ4;
    default:
      return CompressionTypes.None;
  }
}

/** KafkaJS's acks: -1 all in-sync replicas, 1 the leader, 0 none. */
export function acksOf(acks: 'all' | 'leader' | 'none'): -1 | 0 | 1 {
  return acks === 'all' ? -1 : acks === 'leader' ? 1 : 0;
}
