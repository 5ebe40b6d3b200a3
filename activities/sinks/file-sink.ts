import fs from 'node:fs/promises';
import path from 'node:path';
import type { FileWriter } from '../../core/files/file-writer';
import { renderFileName, timeZoneOf } from '../../core/files/file-name';
import { publishFile, temporaryPathFor } from '../../core/files/publish';
import type { ExportActivityInput } from '../../core/job';
import type { Row } from '../../core/row-serializer';
import type { RowValues } from '../../core/row-values';
import { fileDigest, ManifestBuilder, writeManifestBeside, type SinkManifest } from '../../core/sinks/manifest';
import { sinkLabel, type Sink } from '../../core/sinks/sinks';
import { discard, openWriter } from '../export-to-file';
import type { SinkWriter } from './sink-writer';

type FileSink = Extract<Sink, { file: unknown }>;

/**
 * A CSV or XLSX sink: written from the first row by every attempt into a hidden temporary file, published
 * under its final name (publish.ts) only once every sink of the run has finished, then its manifest beside it.
 */
export async function openFileSink(
  sink: FileSink,
  input: ExportActivityInput,
  baseDir: string,
  columns: readonly string[],
  keyColumns: readonly string[],
  maxRowsPerSheet: number,
): Promise<SinkWriter> {
  const { scheduling } = input;
  const label = sinkLabel(sink);
  const fileName = renderFileName(sink.file.file_name, {
    name: scheduling.name,
    scheduledTime: new Date(input.scheduledTime),
    timeZone: timeZoneOf(scheduling.schedule),
    format: sink.format,
  });
  const dir = path.resolve(baseDir, sink.file.output_dir);
  await fs.mkdir(dir, { recursive: true });
  const finalPath = path.join(dir, fileName);
  const tempPath = temporaryPathFor(finalPath);
  let writer: FileWriter | undefined;
  try {
    writer = await openWriter(sink.format, tempPath, columns, sink.file, maxRowsPerSheet);
  } catch (err) {
    await discard(writer, tempPath);
    throw err;
  }
  const open = writer;
  const manifest = new ManifestBuilder(keyColumns.map((c) => columns.lastIndexOf(c)));
  return {
    label,
    async write(values: readonly RowValues[], rows: readonly Row[]) {
      for (const v of values) manifest.row(v);
      await open.writeRows(rows as Row[]);
    },
    async finish() {
      await open.finish();
    },
    async publish(): Promise<SinkManifest> {
      // The digest of the synced temporary file is the published file's: publishing links, never copies.
      const digest = await fileDigest(tempPath);
      const file = await publishFile(tempPath, finalPath);
      const result: SinkManifest = {
        ...manifest.finish({ sink: sink.index, format: sink.format, target: file, key_columns: [...keyColumns] }),
        ...digest,
      };
      await writeManifestBeside(file, result);
      return result;
    },
    async abort() {
      await discard(open, tempPath);
    },
  };
}
