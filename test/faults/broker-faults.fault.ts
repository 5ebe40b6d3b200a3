import { setTimeout as sleep } from 'node:timers/promises';
import type { ExportResult } from '../../core/job';
import { countMessages } from '../../core/kafka/topics';
import { kafkaBroker } from '../../devstack/kafka-broker';
import { runningPid } from '../../devstack/process';
import { bringUp } from '../../devstack/stack';
import { delivered, OrdersExportHarness } from '../support/orders-export';

/**
 * Fault drill: the Kafka broker fails in the middle of an export run by a real worker process.
 * Oracle for each case: the run succeeds; every source row is in the topic with the same value;
 * per partition the ids ascend apart from re-sent windows; duplicates stay within the in-flight
 * window of each retry (at-least-once).
 */

const ROWS = 60_000;
// Small sends keep the export running long enough for the fault to land mid-way.
const BATCH = 20;

/** Rows one attempt may re-send: those acknowledged after its last checkpoint (at most ~1 s of sends). */
const RESEND_WINDOW = 10_000;

const broker = kafkaBroker();

async function brokerUp(): Promise<void> {
  await bringUp(broker, () => undefined);
}

describe('fault drill: the Kafka broker fails mid-export', () => {
  const h = new OrdersExportHarness('pstt-fault-broker', ROWS);

  beforeAll(() => h.setUp());
  afterEach(async () => {
    await h.killWorkers();
    // Whatever a case did, the next one (and the next suite) finds the broker up.
    const pid = runningPid('kafka');
    if (pid) process.kill(pid, 'SIGCONT');
    await brokerUp();
  });
  afterAll(() => h.tearDown());

  /** Runs an export, applies `fault` once 10,000 rows are in the topic, then checks the oracle. */
  async function drill(fault: () => Promise<void>): Promise<{ result: ExportResult; duplicates: number }> {
    const { configFile, taskQueue } = h.config(h.dbFile, { send_timeout_ms: 10_000 });
    h.worker(configFile);
    const { topic, handle } = await h.startExport(taskQueue, { batch_size: BATCH, resume_key: ['order_id'] });
    await h.waitForOffsets(topic, 10_000);
    const atFault = await countMessages(h.kafka, topic);
    // The fault lands mid-way, not after the last row.
    expect(atFault).toBeLessThan(ROWS);
    await fault();
    const result = await handle.result();
    expect(result.rows).toBe(ROWS);

    const d = await delivered(h, topic);
    expect(d.wrongValues).toEqual([]);
    expect(d.distinct).toBe(ROWS);
    const duplicates = d.duplicates;
    // Each retried attempt re-sends at most what followed its last checkpoint: one checkpoint interval
    // (1 s) of sends, well under RESEND_WINDOW rows at this batch size.
    expect(duplicates).toBeLessThanOrEqual((result.attempts - 1) * RESEND_WINDOW);
    // Order: per partition, ids step back only where an attempt re-sent its window.
    expect(d.stepsBack).toBeLessThanOrEqual(result.attempts - 1);
    return { result, duplicates };
  }

  it('broker stopped for 5 s and started again: the run succeeds with every row, in order per partition', async () => {
    await drill(async () => {
      await broker.stop();
      await sleep(5_000);
      await brokerUp();
    });
  });

  it('broker stopped for 60 s (longer than a send deadline): the attempts that fail are retried from their checkpoint', async () => {
    const { result } = await drill(async () => {
      await broker.stop();
      await sleep(60_000);
      await brokerUp();
    });
    // A 60 s outage outlasts the 10 s send deadline: at least one attempt failed and was retried.
    expect(result.attempts).toBeGreaterThanOrEqual(2);
  });

  it('broker frozen with SIGSTOP for 70 s, then resumed: the run succeeds with every row', async () => {
    const { result } = await drill(async () => {
      const pid = runningPid('kafka');
      expect(pid).toBeDefined();
      process.kill(pid!, 'SIGSTOP');
      await sleep(70_000);
      process.kill(pid!, 'SIGCONT');
    });
    expect(result.attempts).toBeGreaterThanOrEqual(2);
  });
});
