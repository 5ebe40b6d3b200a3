import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkedSchedulingSchema, type SchedulingInput } from '../../core/scheduling';
import { manifestKeyColumns } from '../../core/sinks/key-columns';
import { fileDigest, ManifestBuilder, manifestKeyOf, writeManifestBeside } from '../../core/sinks/manifest';
import { previewedForm, sinkField } from '../../core/sinks/previewed-sink';
import { sinksOf } from '../../core/sinks/sinks';
import { bodyOf, formOf } from '../../ui/src/scheduler/form-model';

const base: SchedulingInput = {
  name: 'sink-unit',
  schedule: { every: '1h' },
  source: 'orders',
  query: 'SELECT id FROM t ORDER BY id',
  export_format: 'kafka',
};

function pathsOf(input: unknown): string[] {
  const parsed = checkedSchedulingSchema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((i) => i.path.join('.'));
}

describe('sinks on a scheduling: the model', () => {
  it('accepts a Kafka and a CSV sink, and both forms normalise to one list', () => {
    const multi = checkedSchedulingSchema.parse({
      ...base,
      sinks: [
        { kafka_config: { topic: 'sink-t', message_key_field: 'id' } },
        { format: 'csv', file_config: { output_dir: 'out' } },
      ],
    });
    const list = sinksOf(multi);
    expect(list.map((s) => [s.index, s.format])).toEqual([
      [0, 'kafka'],
      [1, 'csv'],
    ]);
    expect(list[0]).toMatchObject({ kafka: { topic: 'sink-t', batch_size: 500, acks: 'all' } });
    expect(list[1]).toMatchObject({ file: { output_dir: 'out', delimiter: ',' } });

    const single = checkedSchedulingSchema.parse({ ...base, export_format: 'csv', file_config: { output_dir: 'out' } });
    expect(sinksOf(single)).toEqual([{ index: 0, format: 'csv', file: single.file_config }]);
    const kafka = checkedSchedulingSchema.parse({ ...base, kafka_config: { topic: 'sink-t' } });
    expect(sinksOf(kafka)).toEqual([{ index: 0, format: 'kafka', kafka: kafka.kafka_config }]);
  });

  it.each([
    ['a file sink without its folder', [{ format: 'csv', file_config: {} }], ['sinks.0.file_config.output_dir']],
    ['a Kafka sink without a topic', [{ kafka_config: {} }], ['sinks.0.kafka_config.topic']],
    ['a csv sink with no file_config', [{ kafka_config: { topic: 'a' } }, { format: 'csv' }], ['sinks.1.file_config']],
    [
      'a Kafka sink with a file_config',
      [{ kafka_config: { topic: 'a' }, file_config: { output_dir: 'o' } }],
      ['sinks.0.file_config'],
    ],
    [
      'an exactly-once sink',
      [{ kafka_config: { topic: 'a', delivery: 'exactly_once', resume_key: ['id'] } }],
      ['sinks.0.kafka_config.delivery'],
    ],
    ['an unknown field', [{ kafka_config: { topic: 'a' }, topic: 'b' }], ['sinks.0']],
    ['no sink', [], ['sinks']],
  ])('refuses %s, naming the field', (_case, sinks, paths) => {
    expect(pathsOf({ ...base, sinks })).toEqual(paths);
  });

  it("the UI form, which edits one destination, keeps a scheduling's sinks as they are", () => {
    const scheduling = checkedSchedulingSchema.parse({
      ...base,
      sinks: [{ kafka_config: { topic: 'sink-t' } }, { format: 'csv', file_config: { output_dir: 'out' } }],
    });
    const view = { ...scheduling, next_run_times: [], last_run: null, pause_note: null };
    const body = bodyOf({ ...formOf(view), description: 'edited' }, view);
    expect(body).toMatchObject({
      description: 'edited',
      sinks: JSON.parse(JSON.stringify(scheduling.sinks)) as unknown,
    });
    expect(body).not.toHaveProperty('kafka_config');
    expect(checkedSchedulingSchema.safeParse(body).success).toBe(true);
  });

  it('refuses the one-sink fields beside sinks, and an export_format none of the sinks has', () => {
    const sinks = [{ kafka_config: { topic: 'a' } }];
    expect(pathsOf({ ...base, sinks, kafka_config: { topic: 'a' } })).toEqual(['kafka_config']);
    expect(pathsOf({ ...base, export_format: 'csv', sinks })).toEqual(['export_format']);
  });
});

describe('the preview of a scheduling with sinks', () => {
  it('previews the sink export_format names, and places its problems under it', () => {
    const s = checkedSchedulingSchema.parse({
      ...base,
      export_format: 'csv',
      sinks: [{ kafka_config: { topic: 'sink-t' } }, { format: 'csv', file_config: { output_dir: 'out' } }],
    });
    const { scheduling, prefix } = previewedForm(s);
    expect(prefix).toBe('sinks.1.');
    expect(scheduling).toMatchObject({ export_format: 'csv', file_config: { output_dir: 'out' }, sinks: undefined });
    expect(scheduling.kafka_config).toBeUndefined();
    expect(sinkField('file_config.output_dir', prefix)).toBe('sinks.1.file_config.output_dir');
    expect(sinkField('query', prefix)).toBe('query');
    const single = checkedSchedulingSchema.parse({ ...base, kafka_config: { topic: 'a' } });
    expect(previewedForm(single)).toEqual({ scheduling: single, prefix: '' });
    expect(sinkField('kafka_config.topic', '')).toBe('kafka_config.topic');
  });
});

describe('manifests', () => {
  it('counts rows and bytes, hashes the values in order, and keeps the first and last key', () => {
    const m = new ManifestBuilder([0]);
    const values = ['{"id":1}', '{"id":2}', '{"id":3,"é":"ü"}'];
    [1, 2, 3].forEach((id, i) => {
      m.row([id, 'x']);
      m.data(values[i] ?? '');
    });
    const got = m.finish({ sink: 0, format: 'kafka', target: 'sink-t', key_columns: ['id'] });
    const joined = Buffer.from(values.join(''));
    expect(got).toEqual({
      sink: 0,
      format: 'kafka',
      target: 'sink-t',
      key_columns: ['id'],
      rows: 3,
      bytes: joined.length,
      sha256: createHash('sha256').update(joined).digest('hex'),
      first_key: [1],
      last_key: [3],
    });
  });

  it('an empty stream has the empty hash and no keys; keys go through the JSON value policy', () => {
    const got = new ManifestBuilder([]).finish({ sink: 1, format: 'csv', target: 'f', key_columns: [] });
    expect(got).toMatchObject({
      rows: 0,
      bytes: 0,
      sha256: createHash('sha256').digest('hex'),
      first_key: null,
      last_key: null,
    });
    expect(manifestKeyOf([10n, new Date('2026-01-02T03:04:05Z')], [1, 0])).toEqual(['2026-01-02T03:04:05.000Z', 10]);
  });

  it('the manifest key columns: the first resume_key, else the first message_key_field, else none', () => {
    const parse = (sinks: unknown[]) => sinksOf(checkedSchedulingSchema.parse({ ...base, sinks }));
    expect(
      manifestKeyColumns(
        parse([
          { kafka_config: { topic: 'a', message_key_field: 'k' } },
          { kafka_config: { topic: 'b', resume_key: ['id', 'n'] } },
        ]),
      ),
    ).toEqual(['id', 'n']);
    expect(manifestKeyColumns(parse([{ kafka_config: { topic: 'a', message_key_field: 'k' } }]))).toEqual(['k']);
    expect(manifestKeyColumns(parse([{ kafka_config: { topic: 'a' } }]))).toEqual([]);
  });

  it('digests a file as sha256sum does, and writes the manifest beside it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sink-manifest-'));
    const file = path.join(dir, 'a.csv');
    fs.writeFileSync(file, 'id\n1\n2\n');
    expect(await fileDigest(file)).toEqual({
      sha256: createHash('sha256').update('id\n1\n2\n').digest('hex'),
      bytes: 7,
    });
    const manifest = {
      sink: 1,
      format: 'csv' as const,
      target: file,
      rows: 2,
      bytes: 7,
      sha256: 'x',
      key_columns: [],
      first_key: null,
      last_key: null,
    };
    const written = await writeManifestBeside(file, manifest);
    expect(written).toBe(`${file}.manifest.json`);
    expect(JSON.parse(fs.readFileSync(written, 'utf8'))).toEqual(manifest);
    expect(fs.readdirSync(dir).sort()).toEqual(['a.csv', 'a.csv.manifest.json']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
