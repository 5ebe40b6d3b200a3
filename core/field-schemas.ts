import { z } from 'zod';
import { EXPORT_FORMATS } from './export-formats';

/**
 * Field schemas that several inputs share (temporal.yaml, the scheduling model, the API's routes,
 * `POST /api/kafka/test`): each enum and pattern is stated here once, with its message.
 */

export { EXPORT_FORMATS, type ExportFormat } from './export-formats';
export const exportFormatSchema = z.enum(EXPORT_FORMATS);

/** Compression codecs of a producer batch (core/kafka/codecs.ts has one for each). */
export const compressionSchema = z.enum(['none', 'gzip', 'snappy', 'lz4']);
export type Compression = z.infer<typeof compressionSchema>;

export const securityProtocolSchema = z.enum(['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']);
export const saslMechanismSchema = z.enum(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']);

/** A broker or server address: a host name or IPv4 address, then the port. */
export const hostPortSchema = z.string().regex(/^[A-Za-z0-9._-]+:\d{1,5}$/, 'expected host:port');

/** A Kafka topic name, as the broker accepts it. */
export const topicNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,249}$/, 'expected a Kafka topic name (letters, digits, . _ -)');

/** A scheduling's name: a slug, so that it fits in a URL path and a Temporal Schedule id. */
export const schedulingNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected a slug of lowercase letters, digits, - and _ (at most 63)');
