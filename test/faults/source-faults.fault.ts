import { setTimeout as sleep } from 'node:timers/promises';
import { countMessages } from '../../core/kafka/topics';
import { postgresServer } from '../../devstack/postgres-server';
import { bringUp } from '../../devstack/stack';
import { consumeMessages } from '../support/kafka';
import { idsByPartition, OrdersExportHarness, stepsBack } from '../support/orders-export';

/**
 * Fault drill: the source database (PostgreSQL) stops in the middle of an export run by a real worker
 * process, and starts again 10 s later. Oracle: the run succeeds; every row of the query is in the
 * topic with its value; per partition the ids ascend apart from one re-sent window per retry.
 */

const ROWS = 20_000;
const POSTGRES_URL = 'postgres://pstt@127.0.0.1:5432/pstt_test';
// Rows paced by pg_sleep (0.5 ms each, ~10 s in all) so the stop lands mid-export; every value is a
// function of the row number, so a retry's rows equal the first attempt's.
const QUERY = `SELECT g AS order_id, 'customer-' || (g % 97) AS customer, (g * 7 % 1000) / 10.0 AS amount, pg_sleep(0.0005)::text AS pause
  FROM generate_series(1, ${ROWS}) g ORDER BY g`;
/** Rows one attempt may re-send: those acknowledged after its last checkpoint (at most ~1 s of sends). */
const RESEND_WINDOW = 10_000;

const postgres = postgresServer();

describe('fault drill: the source database stops mid-export', () => {
  const h = new OrdersExportHarness('pstt-fault-source', 10);

  beforeAll(() => h.setUp());
  afterEach(async () => {
    await h.killWorkers();
    await bringUp(postgres, () => undefined);
  });
  afterAll(() => h.tearDown());

  it('PostgreSQL stopped for 10 s mid-export: the attempt fails, the retry resumes after the last key; every row arrives', async () => {
    const { configFile, taskQueue } = h.config(h.dbFile, {}, { sources: { pg: { url: POSTGRES_URL } } });
    h.worker(configFile);
    const { topic, handle } = await h.startExport(
      taskQueue,
      { batch_size: 50, resume_key: ['order_id'] },
      { source: 'pg', query: QUERY },
    );
    await h.waitForOffsets(topic, 2_000);
    expect(await countMessages(h.kafka, topic)).toBeLessThan(ROWS);
    await postgres.stop();
    await sleep(10_000);
    await bringUp(postgres, () => undefined);
    const result = await handle.result();
    expect(result.rows).toBe(ROWS);
    // The stop broke the running attempt's connection: at least one retry.
    expect(result.attempts).toBeGreaterThanOrEqual(2);

    const messages = await consumeMessages(h.kafka, topic, await countMessages(h.kafka, topic), 120_000);
    const seen = new Set<number>();
    for (const m of messages) {
      const value = JSON.parse(m.value!.toString()) as { order_id: number; customer: string; amount: string | number };
      seen.add(value.order_id);
      expect(value.customer).toBe(`customer-${value.order_id % 97}`);
      expect(Number(value.amount)).toBeCloseTo(((value.order_id * 7) % 1000) / 10, 5);
    }
    expect(seen.size).toBe(ROWS);
    expect(messages.length - ROWS).toBeLessThanOrEqual((result.attempts - 1) * RESEND_WINDOW);
    for (const ids of idsByPartition(messages).values())
      expect(stepsBack(ids)).toBeLessThanOrEqual(result.attempts - 1);
  });
});
