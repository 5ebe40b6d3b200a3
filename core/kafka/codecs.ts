import { CompressionAlgorithms, ProduceAcks, type CompressionAlgorithmValue } from '@platformatic/kafka';
import type { Compression } from '../field-schemas';

export type CompressionName = Compression;

/**
 * The client's codec of each compression we offer. All are built in: gzip from node:zlib, Snappy
 * and LZ4 (frame format, as Kafka expects) from a bundled WebAssembly module, so nothing is
 * compiled at install time, on any platform.
 */
export function compressionOf(name: CompressionName): CompressionAlgorithmValue {
  switch (name) {
    case 'gzip':
      return CompressionAlgorithms.GZIP;
    case 'snappy':
      return CompressionAlgorithms.SNAPPY;
    case 'lz4':
      return CompressionAlgorithms.LZ4;
    default:
      return CompressionAlgorithms.NONE;
  }
}

/** Kafka's acks: -1 all in-sync replicas, 1 the leader, 0 none. */
export function acksOf(acks: 'all' | 'leader' | 'none'): -1 | 0 | 1 {
  return acks === 'all' ? ProduceAcks.ALL : acks === 'leader' ? ProduceAcks.LEADER : ProduceAcks.NO_RESPONSE;
}
