import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { loadConfig } from '../../core/config';
import { ensureTopic } from '../../core/kafka/topics';
import { createExportHarness, type ExportHarness } from '../support/export-harness';
import { consumeMessages, deleteTopic, testKafka } from '../support/kafka';
import { uniqueName } from '../support/names';
import { makeScheduling } from '../support/scheduling';

const ROWS = 100_000;
const KEYS = 7;

/**
 * Per-partition order = query order: rows keyed by a 7-value column go to 3 partitions, and in
 * each partition the ids must strictly ascend, whatever `max_in_flight_sends` says (issue 10).
 */
describe('Kafka delivery order (real broker, real worker)', () => {
  const kafka = testKafka();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pstt-order-'));
  const dbFile = path.join(dir, 'events.db');
  const topics: string[] = [];

  beforeAll(() => {
    const db = new Database(dbFile);
    db.exec('CREATE TABLE events (id INTEGER PRIMARY KEY, entity TEXT NOT NULL, payload TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO events VALUES (?, ?, ?)');
    db.transaction(() => {
      for (let id = 1; id <= ROWS; id++) insert.run(id, `entity-${(id * 7919) % KEYS}`, `event ${id}`);
    })();
    db.close();
  });

  afterAll(async () => {
    for (const topic of topics) await deleteTopic(kafka, topic).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it.each([1, 4, 16])('keeps query order in every partition with max_in_flight_sends %i', async (inFlight) => {
    const base = loadConfig();
    const harness: ExportHarness = await createExportHarness({
      sources: { events: { url: `sqlite:${dbFile}` } },
      kafka: { ...base.kafka, max_in_flight_sends: inFlight },
    });
    try {
      const topic = uniqueName('pstt-order');
      topics.push(topic);
      await ensureTopic(kafka, topic, 3);
      const { result } = await harness.runExport(
        makeScheduling({
          name: uniqueName('order'),
          schedule: { every: '1h' },
          source: 'events',
          query: 'SELECT id, entity, payload FROM events ORDER BY id',
          export_format: 'kafka',
          retry: { max_attempts: 1 },
          kafka_config: { topic, message_key_field: 'entity', batch_size: 50 },
        }),
      );
      expect(result).toMatchObject({ rows: ROWS, messages: ROWS, attempts: 1 });

      const messages = await consumeMessages(kafka, topic, ROWS, 120_000);
      expect(messages).toHaveLength(ROWS);
      const idsByPartition = new Map<number, number[]>();
      for (const m of messages) {
        const ids = idsByPartition.get(m.partition) ?? [];
        ids.push((JSON.parse(m.value!.toString()) as { id: number }).id);
        idsByPartition.set(m.partition, ids);
      }
      expect(idsByPartition.size).toBeGreaterThan(1);
      for (const [partition, ids] of idsByPartition) {
        const inversions = ids.filter((id, i) => i > 0 && id <= ids[i - 1]!).length;
        expect({ partition, inversions }).toEqual({ partition, inversions: 0 });
      }
    } finally {
      await harness.close();
    }
  });
});
