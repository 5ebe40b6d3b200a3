import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { countMessages } from '../../core/kafka/topics';
import { runningExports } from '../../core/temporal/running-exports';
import { consumeMessages } from '../support/kafka';
import { idsByPartition, OrdersExportHarness, stepsBack } from '../support/orders-export';
import { exited } from '../support/child-process';

const ROWS = 100_000;
const BATCH = 100;

describe('crash-safe resume: a worker process dies in the middle of a 100,000-row export', () => {
  const h = new OrdersExportHarness('pstt-crash', ROWS);
  const { kafka } = h;

  beforeAll(() => h.setUp());
  afterEach(() => h.killWorkers());
  afterAll(() => h.tearDown());

  const startExport = (taskQueue: string, resumeKey?: string[]) =>
    h.startExport(taskQueue, { batch_size: BATCH, resume_key: resumeKey });

  /** Every message of the topic (duplicates included), read back. */
  async function keysIn(topic: string) {
    const messages = await consumeMessages(kafka, topic, await countMessages(kafka, topic), 120_000);
    const keys = messages.map((m) => Number(m.key!.toString()));
    return { total: messages.length, unique: new Set(keys), messages };
  }

  /** Starts an export, SIGKILLs its worker once 20,000 rows are in the topic; what was sent and checkpointed. */
  async function exportAndKill(db: string, resumeKey?: string[]) {
    const { configFile, taskQueue } = h.config(db);
    const first = h.worker(configFile);
    const { topic, handle } = await startExport(taskQueue, resumeKey);
    await h.waitForOffsets(topic, 20_000);
    first.kill('SIGKILL');
    await exited(first);
    const atKill = await countMessages(kafka, topic);
    // The checkpoint the retry resumes from (recorded off the send path).
    const [run] = await runningExports(h.client, taskQueue, [{ workflowId: handle.workflowId }]);
    expect(run!.rows).toBeGreaterThan(0);
    expect(run!.rows).toBeLessThanOrEqual(atKill);
    expect(atKill).toBeLessThan(ROWS - 20_000);
    return { configFile, topic, handle, atKill, checkpointed: run!.rows };
  }

  /** Deletes and updates rows while no worker runs; the ids left in the table. */
  function changeRows(db: string, statements: string[]): number[] {
    const conn = new Database(db);
    try {
      for (const sql of statements) conn.exec(sql);
      return (conn.prepare('SELECT order_id FROM orders ORDER BY order_id').pluck().all() as number[]).map(Number);
    } finally {
      conn.close();
    }
  }

  it('SIGKILL: a new worker resumes from the last checkpoint; every row arrives, only what followed it twice', async () => {
    const { configFile, topic, handle, atKill, checkpointed } = await exportAndKill(h.dbFile);
    h.worker(configFile);
    const result = await handle.result();
    expect(result.attempts).toBeGreaterThanOrEqual(2);
    expect(result.rows).toBe(ROWS);

    const { total, unique } = await keysIn(topic);
    expect(unique.size).toBe(ROWS);
    for (let id = 1; id <= ROWS; id += 997) expect(unique.has(id)).toBe(true);
    // Exactly the sends acknowledged after the last checkpoint are sent twice: nothing before it.
    expect(total - ROWS).toBe(atKill - checkpointed);
  });

  it('resume_key: rows deleted and updated between attempts; the retry resumes after the last key, nothing missing', async () => {
    const db = h.ownDatabase();
    const { configFile, topic, handle, atKill, checkpointed } = await exportAndKill(db, ['order_id']);
    // order_id runs 1..ROWS: the checkpoint's key is its row count. Delete rows on both sides of it
    // (a count-based resume could not skip exactly) and update sent ones.
    const left = changeRows(db, [
      `DELETE FROM orders WHERE order_id <= ${Math.ceil(checkpointed / 2)}`,
      `DELETE FROM orders WHERE order_id BETWEEN ${atKill + 10_001} AND ${atKill + 15_000}`,
      "UPDATE orders SET status = 'changed' WHERE order_id <= 1000",
    ]);
    h.worker(configFile);
    const result = await handle.result();
    expect(result.attempts).toBeGreaterThanOrEqual(2);
    expect(result.startedOver).toBeUndefined();
    const { total, unique, messages } = await keysIn(topic);
    // Every row still in the table arrived.
    expect(left.filter((id) => !unique.has(id))).toEqual([]);
    // After the kill, exactly the rows past the checkpointed key: nothing missing, nothing earlier again.
    const afterKey = left.filter((id) => id > checkpointed);
    expect(total - atKill).toBe(afterKey.length);
    expect(result.rows).toBe(checkpointed + afterKey.length);
    // Per partition the ids ascend, apart from the one step back where the re-sent window begins.
    for (const ids of idsByPartition(messages).values()) expect(stepsBack(ids)).toBeLessThanOrEqual(1);
  });

  it('no resume_key: sent rows deleted between attempts; the retry sees the shifted prefix and starts over', async () => {
    const db = h.ownDatabase();
    const { configFile, topic, handle, atKill, checkpointed } = await exportAndKill(db);
    // Rows inside the checkpointed prefix: skipping the checkpointed count would now skip unsent rows.
    const left = changeRows(db, [`DELETE FROM orders WHERE order_id <= ${Math.ceil(checkpointed / 2)}`]);
    h.worker(configFile);
    const result = await handle.result();
    expect(result.startedOver).toBe(true);
    expect(result.rows).toBe(left.length);
    const { total, unique } = await keysIn(topic);
    expect(left.filter((id) => !unique.has(id))).toEqual([]);
    expect(total - atKill).toBe(left.length);
  });

  it('zombie: a worker frozen past the heartbeat timeout stops sending when it wakes; its retry ran elsewhere', async () => {
    const { configFile, taskQueue } = h.config();
    const frozen = h.worker(configFile);
    const { topic, handle } = await startExport(taskQueue);
    await h.waitForOffsets(topic, 10_000);
    frozen.kill('SIGSTOP');
    const atStop = await countMessages(kafka, topic);
    const [run] = await runningExports(h.client, taskQueue, [{ workflowId: handle.workflowId }]);
    // A second worker takes the retry once the frozen attempt's heartbeat timeout (20 s) has passed.
    h.worker(configFile);
    const result = await handle.result();
    expect(result.attempts).toBeGreaterThanOrEqual(2);
    frozen.kill('SIGCONT');
    // Give the woken attempt time to do whatever it would do (assertions below are on counts, not time).
    await sleep(5_000);
    const { total, unique } = await keysIn(topic);
    expect(unique.size).toBe(ROWS);
    // Re-sent: what followed the checkpoint before the freeze, the send on the wire at the freeze (the
    // broker may append it after `atStop` was read), and what the woken attempt had in flight or in
    // hand: a few sends (one run here: 3). A zombie that kept going would re-send the rest, ~90,000.
    expect(total - ROWS).toBeLessThanOrEqual(atStop - run!.rows + 5 * BATCH);
  });

  it('SIGTERM: the worker lets the running export finish; nothing is sent twice', async () => {
    const { configFile, taskQueue } = h.config();
    const first = h.worker(configFile);
    const { topic, handle } = await startExport(taskQueue);
    // The only worker on this task queue: the export under way is running in it.
    await h.waitForOffsets(topic, 5_000);
    first.kill('SIGTERM');
    // Another worker takes the workflow's remaining tasks while the first one drains.
    h.worker(configFile);
    const result = await handle.result();
    await exited(first);
    expect(first.exitCode).toBe(0);
    expect(result).toMatchObject({ rows: ROWS, attempts: 1 });
    const { total, unique } = await keysIn(topic);
    expect(unique.size).toBe(ROWS);
    expect(total).toBe(ROWS);
  });
});
