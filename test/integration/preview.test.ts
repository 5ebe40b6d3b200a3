import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import request from 'supertest';
import { stringify } from 'yaml';
import { devPostgresUrl } from '../../devstack/postgres-server';
import { loadConfig } from '../../core/config';
import { ensureTopic } from '../../core/kafka/topics';
import type { SchedulingPreview } from '../../core/preview/scheduling-preview';
import { startApiStack, type ApiStack } from '../support/api-stack';
import { deleteTopic, testKafka } from '../support/kafka';
import { uniqueName } from '../support/names';
import { pstt } from '../support/pstt-cli';

/**
 * Preview on real services: a SQLite and a PostgreSQL source, a Kafka topic of 3 partitions and one
 * whose max.message.bytes is small. The sample messages are produced for real afterwards, so a
 * partition the preview computes differently from the producer fails the test.
 */
describe('POST /api/scheduler/scheduling/preview and pstt preview', () => {
  const kafka = testKafka();
  const topic = uniqueName('prev-topic');
  const smallTopic = uniqueName('prev-small');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prev-'));
  const dbFile = path.join(dir, 'items.db');
  const exportsDir = path.join(dir, 'exports');
  const pgUrl = process.env.PSTT_TEST_POSTGRES_URL ?? devPostgresUrl('pstt_test');
  const pgTable = uniqueName('prev_t').replace(/-/g, '_');
  let pg: Client;
  let stack: ApiStack;

  beforeAll(async () => {
    const db = new Database(dbFile);
    db.exec('CREATE TABLE prev_items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, payload TEXT)');
    const insert = db.prepare('INSERT INTO prev_items (id, name, payload) VALUES (?, ?, ?)');
    for (let id = 1; id <= 30; id++) insert.run(id, `item ${id}`, id === 7 ? 'x'.repeat(3000) : 'small');
    db.close();
    fs.mkdirSync(exportsDir);
    pg = new Client({ connectionString: pgUrl });
    await pg.connect();
    await pg.query(`CREATE TABLE ${pgTable} (id int PRIMARY KEY, amount numeric(12,2))`);
    await pg.query(`INSERT INTO ${pgTable} SELECT g, g * 1.5 FROM generate_series(1, 50) g`);
    await ensureTopic(kafka, topic, 3);
    await ensureTopic(kafka, smallTopic, 1, { 'max.message.bytes': '2048' });
    stack = await startApiStack({
      rows: 10,
      extraSources: { prev_items: { url: `sqlite:${dbFile}` }, prev_pg: { url: pgUrl } },
      files: { allowed_roots: [dir] },
    });
  });

  afterAll(async () => {
    await stack?.close();
    await pg.query(`DROP TABLE IF EXISTS ${pgTable}`);
    await pg.end();
    await deleteTopic(kafka, topic).catch(() => undefined);
    await deleteTopic(kafka, smallTopic).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const scheduling = (overrides: Record<string, unknown> = {}) => ({
    name: 'prev-orders',
    schedule: { every: '1h' },
    source: 'prev_items',
    query: 'SELECT id, name, payload FROM prev_items WHERE id <= 5 ORDER BY id',
    export_format: 'kafka',
    kafka_config: { topic, message_key_field: 'id', headers: { origin: 'pstt' } },
    ...overrides,
  });

  const preview = (body: unknown, query = '') =>
    request(stack.app)
      .post(`/api/scheduler/scheduling/preview${query}`)
      .set(stack.bearer('admin'))
      .send(body as object);

  const fieldsOf = (p: SchedulingPreview) => p.problems.map((x) => x.field);

  it('shows columns, the messages a run would produce with their real partitions, and no problem', async () => {
    const res = await preview(scheduling(), '?limit=3');
    expect(res.status).toBe(200);
    const p = res.body as SchedulingPreview;
    expect(p.problems).toEqual([]);
    expect(p.columns).toEqual([
      { name: 'id', type: 'integer' },
      { name: 'name', type: 'text' },
      { name: 'payload', type: 'text' },
    ]);
    expect(p.rows_sampled).toBe(3);
    expect(p.topic).toEqual({ name: topic, exists: true, partitions: 3, max_message_bytes: expect.any(Number) });
    expect(p.fields.message_key_field).toEqual({ name: 'id', present: true });
    expect(p.messages!.map((m) => [m.key, JSON.parse(m.value) as unknown, m.headers])).toEqual([
      ['1', { id: 1, name: 'item 1', payload: 'small' }, { origin: 'pstt' }],
      ['2', { id: 2, name: 'item 2', payload: 'small' }, { origin: 'pstt' }],
      ['3', { id: 3, name: 'item 3', payload: 'small' }, { origin: 'pstt' }],
    ]);
    expect(p.largest_message?.fits).toBe(true);
    // The real producer puts each message where the preview said.
    for (const m of p.messages!) {
      const [ack] = await stack.producer.send(topic, [{ key: m.key, value: m.value, headers: m.headers }]);
      expect({ key: m.key, partition: ack?.partition }).toEqual({ key: m.key, partition: m.partition });
    }
  });

  it('reports a missing key field, a message over the topic limit and a missing table on their fields', async () => {
    const missingKey = (
      await preview(scheduling({ kafka_config: { topic, message_key_field: 'order_id', resume_key: ['id', 'seq'] } }))
    ).body as SchedulingPreview;
    expect(fieldsOf(missingKey)).toEqual(['kafka_config.message_key_field', 'kafka_config.resume_key']);
    expect(missingKey.problems[0]!.message).toContain(
      '"order_id" is not among the query\'s columns (id, name, payload)',
    );
    expect(missingKey.fields.resume_key).toEqual([
      { name: 'id', present: true },
      { name: 'seq', present: false },
    ]);

    const tooLarge = (
      await preview(
        scheduling({
          query: 'SELECT * FROM prev_items ORDER BY id',
          kafka_config: { topic: smallTopic, message_key_field: 'id' },
        }),
      )
    ).body as SchedulingPreview;
    expect(fieldsOf(tooLarge)).toEqual(['kafka_config.topic']);
    expect(tooLarge.problems[0]!.message).toMatch(/key "7" is \d+ bytes, over the topic's max.message.bytes \(2048\)/);
    expect(tooLarge.largest_message).toMatchObject({ key: '7', max_message_bytes: 2048, fits: false });

    const res = await preview(scheduling({ query: 'SELECT id FROM prev_no_such_table' }));
    expect(res.status).toBe(200);
    const noTable = res.body as SchedulingPreview;
    expect(fieldsOf(noTable)).toEqual(['query']);
    expect(noTable.problems[0]!.message).toContain('no such table: prev_no_such_table');
    expect(noTable.messages).toBeNull();
    expect(noTable.fields.message_key_field).toEqual({ name: 'id', present: null });
  });

  it('never writes: a deleting CTE on PostgreSQL is refused as read-only and the table keeps its rows', async () => {
    const res = await preview(
      scheduling({
        source: 'prev_pg',
        query: `WITH d AS (DELETE FROM ${pgTable} RETURNING *) SELECT * FROM d`,
        kafka_config: { topic },
      }),
    );
    expect(res.status).toBe(200);
    const p = res.body as SchedulingPreview;
    expect(fieldsOf(p)).toEqual(['query']);
    expect(p.problems[0]!.message).toMatch(/read-only/);
    const { rows } = await pg.query(`SELECT count(*)::int AS n FROM ${pgTable}`);
    expect(rows[0]).toEqual({ n: 50 });
  });

  it('estimates the row count on PostgreSQL and previews a CSV file as the writer would write it', async () => {
    const onPg = (
      await preview(
        scheduling({
          source: 'prev_pg',
          query: `SELECT id, amount FROM ${pgTable} ORDER BY id`,
          kafka_config: { topic },
        }),
      )
    ).body as SchedulingPreview;
    expect(onPg.problems).toEqual([]);
    expect(onPg.dialect).toBe('postgres');
    expect(onPg.estimated_rows).toEqual(expect.any(Number));
    expect(onPg.estimated_rows).toBeGreaterThan(0);
    expect(onPg.columns).toEqual([
      // int4 arrives as a JS number; NUMERIC as exact text, as the messages carry it.
      { name: 'id', type: 'number' },
      { name: 'amount', type: 'text' },
    ]);

    const csv = (
      await preview(
        scheduling({
          export_format: 'csv',
          kafka_config: undefined,
          file_config: { output_dir: exportsDir, delimiter: ';' },
        }),
        '?limit=2',
      )
    ).body as SchedulingPreview;
    expect(csv.problems).toEqual([]);
    expect(csv.messages).toBeNull();
    expect(csv.file).toEqual({ format: 'csv', text: 'id;name;payload\n1;item 1;small\n2;item 2;small\n' });
    expect(fs.readdirSync(exportsDir)).toEqual([]);
  });

  it('refuses what create refuses (400 naming the field), a read token (403) and a limit over 100 (400)', async () => {
    const unknown = await preview(scheduling({ source: 'prev_nowhere' }));
    expect(unknown.status).toBe(400);
    expect((unknown.body as { details: Array<{ path: string }> }).details.map((d) => d.path)).toEqual(['source']);
    const badTopic = await preview(scheduling({ kafka_config: { topic: 'no spaces' } }));
    expect(badTopic.status).toBe(400);
    expect((badTopic.body as { details: Array<{ path: string }> }).details.map((d) => d.path)).toEqual([
      'kafka_config.topic',
    ]);
    expect((await preview(scheduling(), '?limit=101')).status).toBe(400);
    const read = await request(stack.app)
      .post('/api/scheduler/scheduling/preview')
      .set(stack.bearer('read'))
      .send(scheduling());
    expect(read.status).toBe(403);
    // The path is the preview's, not a scheduling's: the name is reserved, and only POST is allowed.
    const named = await request(stack.app)
      .post('/api/scheduler/scheduling')
      .set(stack.bearer('admin'))
      .send(scheduling({ name: 'preview' }));
    expect(named.status).toBe(400);
    expect((named.body as { details: Array<{ path: string }> }).details.map((d) => d.path)).toEqual(['name']);
    const get = await request(stack.app).get('/api/scheduler/scheduling/preview').set(stack.bearer('admin'));
    expect([get.status, get.headers.allow]).toEqual([405, 'POST']);
    const options = await request(stack.app).options('/api/scheduler/scheduling/preview');
    expect([options.status, options.headers.allow]).toEqual([204, 'POST']);
  });

  it('pstt preview NAME prints the sample messages and the problems of a scheduling of the config file', async () => {
    const file = path.join(dir, 'temporal.yaml');
    const base = loadConfig();
    const good = scheduling({ name: 'prev-cli' });
    const bad = scheduling({ name: 'prev-cli-bad', kafka_config: { topic, message_key_field: 'order_id' } });
    fs.writeFileSync(
      file,
      stringify({
        temporal: base.temporal,
        sources: { prev_items: { url: `sqlite:${dbFile}` } },
        schedulings: [good, bad],
      }),
    );

    const ok = await pstt(['preview', 'prev-cli', file, '--rows', '2']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('columns: id integer, name text, payload text');
    expect(ok.stdout).toMatch(
      /message 1: key "1", partition \d, \d+ bytes\n {2}headers \{"origin":"pstt"\}\n {2}\{"id":1,"name":"item 1","payload":"small"\}/,
    );
    expect(ok.stdout).toContain('message 2: key "2"');
    expect(ok.stdout).not.toContain('message 3');
    expect(ok.stdout).toContain('no problems found');

    const problems = await pstt(['preview', 'prev-cli-bad', file]);
    expect(problems.code).toBe(1);
    expect(problems.stdout).toContain('kafka_config.message_key_field: "order_id" is not among the query\'s columns');

    const json = await pstt(['preview', 'prev-cli', file, '--json', '--rows', '1']);
    expect((JSON.parse(json.stdout) as SchedulingPreview).messages).toHaveLength(1);

    const unknown = await pstt(['preview', 'prev-nope', file]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('NAME: expected a scheduling of the config file or saved in Temporal');
  });
});
