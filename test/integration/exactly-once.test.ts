import { setTimeout as sleep } from 'node:timers/promises';
import { countMessages } from '../../core/kafka/topics';
import { runningExports } from '../../core/temporal/running-exports';
import { uniqueName } from '../support/names';
import { consumeCommitted } from '../support/committed-reader';
import type { ConsumedMessage } from '../support/kafka';
import { idsByPartition, OrdersExportHarness, stepsBack } from '../support/orders-export';
import { exited } from '../support/child-process';

const ROWS = 200_000;

/**
 * Exactly-once delivery under real faults, in the manner of Kafka's own
 * connect_distributed_test.py::test_exactly_once_source: worker processes are killed or frozen during
 * an export, and a read_committed consumer (Kafka's Java one) must see every row once, in order per
 * partition, with no gap.
 */
describe('exactly-once delivery: transactions, fencing and committed checkpoints', () => {
  const h = new OrdersExportHarness('pstt-eos', ROWS);
  const { kafka } = h;

  beforeAll(() => h.setUp());
  afterEach(() => h.killWorkers());
  afterAll(() => h.tearDown());

  /** Each test's own task queue and checkpoint topic. */
  const testConfig = () => h.config(h.dbFile, { checkpoint_topic: uniqueName('pstt-eos-checkpoints') });

  // Sends of 20 rows: one round trip to the broker each, so the export is bound by round trips rather than
  // by CPU, and runs long enough (~10k-20k rows/s) for three kills at 40k, 80k and 120k rows. With 100-row
  // sends a fast export committed past 150k rows before the second kill and finished before the third.
  const startExport = (taskQueue: string) =>
    h.startExport(taskQueue, { batch_size: 20, resume_key: ['order_id'], delivery: 'exactly_once' });

  /** Waits until the run's checkpoint (heartbeated after each commit) passes `rows`; the new figure. */
  async function waitForCommittedRows(taskQueue: string, workflowId: string, rows: number): Promise<number> {
    for (let i = 0; i < 3_000; i++) {
      const [run] = await runningExports(h.client, taskQueue, [{ workflowId }]);
      if (run && run.rows > rows) return run.rows;
      if (!run && (await h.client.workflow.getHandle(workflowId).describe()).status.name !== 'RUNNING')
        throw new Error(`the run ended before it committed past ${rows} rows: too fast for this test's kills`);
      await sleep(100);
    }
    throw new Error(`the run never committed past ${rows} rows; see ${h.logFile}`);
  }

  /** Asks Kafka's Java consumer (read_committed) for more than ROWS messages: a duplicate would show as one too many. */
  async function committed(topic: string): Promise<ConsumedMessage[]> {
    return consumeCommitted(kafka, topic, ROWS + 1, 20_000, false);
  }

  function assertExactlyOnceInOrder(messages: ConsumedMessage[]): void {
    expect(messages.length).toBe(ROWS);
    expect(new Set(messages.map((m) => m.key!.toString())).size).toBe(ROWS);
    for (const ids of idsByPartition(messages).values()) expect(stepsBack(ids)).toBe(0);
  }

  it('SIGKILL three times during a 200,000-row export: read_committed sees every row once, in order, no gap', async () => {
    // Three heartbeat timeouts (20 s each) before the retries, and worker starts.
    const { configFile, taskQueue } = testConfig();
    let current = h.worker(configFile);
    const { topic, handle } = await startExport(taskQueue);
    let committedRows = 0;
    for (let kill = 1; kill <= 3; kill++) {
      // Kill once this attempt has committed transactions (its checkpoint reaches Temporal after each
      // commit) and has more under way: a resume that ignored the committed checkpoint would duplicate.
      committedRows = await waitForCommittedRows(
        taskQueue,
        handle.workflowId,
        Math.max(committedRows, (kill * ROWS) / 5),
      );
      await h.waitForOffsets(topic, (await countMessages(kafka, topic)) + 1_000);
      current.kill('SIGKILL');
      await exited(current);
      current = h.worker(configFile);
    }
    const result = await handle.result();
    expect(result.attempts).toBeGreaterThanOrEqual(4);
    expect(result.rows).toBe(ROWS);
    // Aborted transactions did reach the log: the kills cut transactions short.
    expect(await countMessages(kafka, topic)).toBeGreaterThan(ROWS);
    assertExactlyOnceInOrder(await committed(topic));
  }, 360_000);

  it('zombie: a worker frozen past the heartbeat timeout is fenced when it wakes; no duplicate is committed', async () => {
    const { configFile, taskQueue } = testConfig();
    const frozen = h.worker(configFile);
    const { topic, handle } = await startExport(taskQueue);
    await h.waitForOffsets(topic, 20_000);
    frozen.kill('SIGSTOP');
    h.worker(configFile);
    const result = await handle.result();
    expect(result.attempts).toBeGreaterThanOrEqual(2);
    frozen.kill('SIGCONT');
    await sleep(5_000);
    assertExactlyOnceInOrder(await committed(topic));
  });
});
