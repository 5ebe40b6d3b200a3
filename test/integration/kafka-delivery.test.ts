import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WorkflowFailedError } from '@temporalio/client';
import Database from 'better-sqlite3';
import { countMessages, ensureTopic } from '../../core/kafka/topics';
import { devPostgresUrl } from '../../devstack/postgres-server';
import type { SchedulingInput } from '../../core/scheduling';
import { createExportHarness, type ExportHarness } from '../support/export-harness';
import { consumeMessages, deleteTopic, testKafka } from '../support/kafka';
import { uniqueName } from '../support/names';
import { makeScheduling } from '../support/scheduling';

type Failure = Error & { type?: string; nonRetryable?: boolean };
const rootCause = (error: unknown) => (error as WorkflowFailedError).cause?.cause as Failure;

describe('Kafka delivery options (real broker, real worker)', () => {
  const kafka = testKafka();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pstt-delivery-'));
  const dbFile = path.join(dir, 'items.db');
  const topics: string[] = [];
  let harness: ExportHarness;

  beforeAll(async () => {
    const db = new Database(dbFile);
    db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT, created_at TEXT, big TEXT)');
    const insert = db.prepare('INSERT INTO items VALUES (?, ?, ?, ?)');
    for (let i = 1; i <= 300; i++)
      insert.run(
        i,
        `item-${i}`,
        `2026-01-01T00:${String(i % 60).padStart(2, '0')}:00Z`,
        i === 250 ? 'z'.repeat(20_000) : 'small',
      );
    db.close();
    harness = await createExportHarness({ sources: { items: { url: `sqlite:${dbFile}` } } });
  });

  afterAll(async () => {
    await harness.close();
    for (const topic of topics) await deleteTopic(kafka, topic).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function newTopic(configs: Record<string, string> = {}): Promise<string> {
    const topic = uniqueName('pstt-delivery');
    topics.push(topic);
    await ensureTopic(kafka, topic, 2, configs);
    return topic;
  }

  function scheduling(topic: string, overrides: Partial<SchedulingInput> = {}, kafkaOverrides = {}) {
    return makeScheduling({
      name: uniqueName('items'),
      schedule: { every: '1h' },
      source: 'items',
      query: 'SELECT id, label, created_at FROM items WHERE id <= 200 ORDER BY id',
      export_format: 'kafka',
      retry: { max_attempts: 2, initial_backoff: '1s' },
      ...overrides,
      kafka_config: { topic, message_key_field: 'id', batch_size: 50, ...kafkaOverrides },
    });
  }

  it.each(['gzip', 'snappy', 'lz4', 'none'] as const)(
    'delivers %s-compressed batches that consumers read back',
    async (compression) => {
      const topic = await newTopic();
      const { result } = await harness.runExport(scheduling(topic, {}, { compression }));
      expect(result).toMatchObject({ rows: 200, messages: 200, batches: 4 });
      const messages = await consumeMessages(kafka, topic, 200);
      expect(new Set(messages.map((m) => m.key?.toString())).size).toBe(200);
      expect(JSON.parse(messages.find((m) => m.key?.toString() === '7')!.value!.toString())).toEqual({
        id: 7,
        label: 'item-7',
        created_at: '2026-01-01T00:07:00Z',
      });
    },
  );

  it('adds the static headers and honours acks=leader', async () => {
    const topic = await newTopic();
    await harness.runExport(scheduling(topic, {}, { acks: 'leader', headers: { source: 'pstt', env: 'test' } }));
    const [message] = await consumeMessages(kafka, topic, 200);
    expect(message?.headers?.source?.toString()).toBe('pstt');
    expect(message?.headers?.env?.toString()).toBe('test');
  });

  it('fails for good, naming the topic, when the topic does not exist and auto-create is off', async () => {
    const error = await harness.runExportExpectingFailure(scheduling(uniqueName('pstt-absent')));
    expect(rootCause(error).type).toBe('TopicNotFoundError');
    expect(rootCause(error).nonRetryable).toBe(true);
    expect(rootCause(error).message).toMatch(
      /^topic "pstt-absent-[\w-]+" does not exist and the cluster does not auto-create topics/,
    );
  });

  it('fails with the row key and size when a row is over the topic size limit, sending nothing after it', async () => {
    const topic = await newTopic({ 'max.message.bytes': '10000' });
    const s = scheduling(topic, { query: 'SELECT id, big FROM items ORDER BY id' });
    const error = await harness.runExportExpectingFailure(s);
    expect(rootCause(error).type).toBe('MessageTooLargeError');
    expect(rootCause(error).message).toMatch(
      /^row with key "250" makes a 200\d\d-byte message, over the 10000-byte limit/,
    );
    expect(await countMessages(kafka, topic)).toBeLessThan(250);
  });

  it('binds :scheduled_time and :last_success_time for incremental windows', async () => {
    const topic = await newTopic();
    const s = scheduling(topic, {
      query:
        'SELECT id, label FROM items WHERE id <= 20 AND (:last_success_time IS NULL OR created_at > :last_success_time) ' +
        'AND :scheduled_time IS NOT NULL ORDER BY id',
    });
    const first = await harness.runExport(s);
    expect(first.result.rows).toBe(20);
    // Every row's created_at is before the first run: the second run's window is empty.
    const second = await harness.runExport(s);
    expect(second.result.rows).toBe(0);
  });

  it('retries with backoff when the database is unreachable, each attempt visible, then fails', async () => {
    const topic = await newTopic();
    const unreachable = await createExportHarness({ sources: { down: { url: 'postgres://pstt@127.0.0.1:1/none' } } });
    try {
      const s = makeScheduling({
        ...scheduling(topic),
        source: 'down',
        retry: { max_attempts: 2, initial_backoff: '1s', max_backoff: '1s' },
      });
      const error = await unreachable.runExportExpectingFailure(s);
      const activityFailure = (error as WorkflowFailedError).cause as Error & { retryState?: string };
      // The failure was retried until the attempts ran out, not given up at once.
      expect(activityFailure.retryState).toBe('MAXIMUM_ATTEMPTS_REACHED');
      expect(rootCause(error).nonRetryable).toBeFalsy();
      expect(rootCause(error).message).toMatch(/ECONNREFUSED|connect/);
    } finally {
      await unreachable.close();
    }
  });

  it('keeps a query that returns its first row after the heartbeat timeout alive, without a retry', async () => {
    const topic = await newTopic();
    const slow = await createExportHarness({ sources: { pg: { url: devPostgresUrl('pstt_test') } } });
    try {
      // 25 s before the first row, past the export's 20 s heartbeat timeout: only the keep-alive heartbeat carries it.
      const s = makeScheduling({
        ...scheduling(topic),
        source: 'pg',
        query: 'SELECT n AS id FROM generate_series(1, 10) AS n, (SELECT pg_sleep(25)) AS wait ORDER BY n',
      });
      const { result } = await slow.runExport(s);
      expect(result).toMatchObject({ rows: 10, messages: 10, attempts: 1 });
    } finally {
      await slow.close();
    }
  }, 120_000);

  it('fails for good with the database message and the scheduling name on invalid SQL', async () => {
    const topic = await newTopic();
    const s = scheduling(topic, { query: 'SELEC id FROM items' });
    const error = await harness.runExportExpectingFailure(s);
    expect(rootCause(error).nonRetryable).toBe(true);
    expect(rootCause(error).message).toMatch(/syntax error/);
  });

  it('fails for good, sending nothing, when resume_key is not a column of the query or not unique', async () => {
    const topic = await newTopic();
    const missing = scheduling(topic, {}, { resume_key: ['nope'] });
    const notAColumn = rootCause(await harness.runExportExpectingFailure(missing));
    expect(notAColumn).toMatchObject({ type: 'ResumeKeyError', nonRetryable: true });
    expect(notAColumn.message).toBe(
      `scheduling "${missing.name}": resume_key (nope) names "nope", not a column of the query; columns: id, label, created_at`,
    );
    const byDay = scheduling(
      topic,
      { query: 'SELECT id, substr(created_at, 1, 10) AS day FROM items' },
      { resume_key: ['day'] },
    );
    const notUnique = rootCause(await harness.runExportExpectingFailure(byDay));
    expect(notUnique).toMatchObject({ type: 'ResumeKeyError', nonRetryable: true });
    expect(notUnique.message).toBe(
      `scheduling "${byDay.name}": resume_key (day) is not unique: two rows have ("2026-01-01")`,
    );
    expect(await countMessages(kafka, topic)).toBe(0);
  });
});
