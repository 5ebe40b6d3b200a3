import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { toJsonValue } from '../row-serializer';
import type { RowValues } from '../row-values';

/** Suffix of the manifest written beside a file sink's file. */
export const MANIFEST_SUFFIX = '.manifest.json';

/**
 * What one sink of a run received, so that its consumer can prove it: the rows, the bytes, the SHA-256
 * (hex) of the file or of the message values concatenated in the query's order, and the run's key of
 * the first and last row (`key_columns`' values; null without key columns or rows).
 */
export interface SinkManifest {
  sink: number;
  format: 'kafka' | 'csv' | 'excel';
  /** The topic, or the published file's path. */
  target: string;
  rows: number;
  /** Of the file, or of the message values (keys and headers not counted). */
  bytes: number;
  sha256: string;
  key_columns: string[];
  first_key: unknown[] | null;
  last_key: unknown[] | null;
}

/** The key tuple of a row as a manifest shows it: its key columns' values as JSON values. */
export function manifestKeyOf(row: RowValues, keyIndexes: readonly number[]): unknown[] | null {
  return keyIndexes.length ? keyIndexes.map((i) => toJsonValue(row[i])) : null;
}

/** Counts and hashes one sink's stream as it is produced; pure but for the hash state. */
export class ManifestBuilder {
  private readonly hash: Hash = createHash('sha256');
  private rows = 0;
  private bytes = 0;
  private first: unknown[] | null = null;
  private last: unknown[] | null = null;

  constructor(private readonly keyIndexes: readonly number[]) {}

  /** A row's key, counted once per row (the file's bytes are hashed from the file itself). */
  row(values: RowValues): void {
    const key = manifestKeyOf(values, this.keyIndexes);
    if (this.rows === 0) this.first = key;
    this.last = key;
    this.rows += 1;
  }

  /** Bytes of the sink's stream, in order: a message value. */
  data(chunk: string | Buffer): void {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.hash.update(buffer);
    this.bytes += buffer.length;
  }

  finish(head: Pick<SinkManifest, 'sink' | 'format' | 'target' | 'key_columns'>): SinkManifest {
    return {
      ...head,
      rows: this.rows,
      bytes: this.bytes,
      sha256: this.hash.digest('hex'),
      first_key: this.first,
      last_key: this.last,
    };
  }
}

/** SHA-256 (hex) and size of a file, read as a stream. */
export async function fileDigest(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/**
 * Writes `<file>.manifest.json` beside a published file: through a hidden temporary name and a rename, so a
 * reader never sees half a manifest. The published file's name is the run's own (publish.ts never reuses
 * one), so no earlier manifest is replaced.
 */
export async function writeManifestBeside(file: string, manifest: SinkManifest): Promise<string> {
  const target = `${file}${MANIFEST_SUFFIX}`;
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.partial`);
  await fs.writeFile(temp, `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'w' });
  await fs.rename(temp, target);
  return target;
}
