import fs from 'node:fs';
import { loadConfig } from '../../core/config';
import { countMessages } from '../../core/kafka/topics';
import { devPostgresUrl } from '../../devstack/postgres-server';
import { OrdersExportHarness } from '../support/orders-export';
import { TcpProxy } from '../support/tcp-proxy';
import { freePort } from '../support/ports';

const ROWS = 200_000;
/** Rows paced by the database (about 1 ms of sleep every 4th row): the export outlasts the heartbeat timeout. */
const PACED_QUERY = `SELECT g AS order_id, md5(g::text) AS label FROM generate_series(1, ${ROWS}) AS g WHERE g % 4 <> 0 OR pg_sleep(0.0005) IS NOT NULL`;

/**
 * The zombie rule: a worker cut off from Temporal but not from Kafka cannot learn that its attempt
 * timed out and was retried elsewhere, so it must stop on its own once its checkpoints have not reached
 * the server for a heartbeat timeout. Worker A reaches Temporal through a proxy the test closes; worker
 * B, on the same task queue, reaches it directly and takes the retry.
 */
describe('zombie rule: a worker cut off from Temporal, not from Kafka', () => {
  const h = new OrdersExportHarness('pstt-zombie', 1);
  const temporal = loadConfig().temporal.address.split(':');
  let proxy: TcpProxy;

  beforeAll(async () => {
    await h.setUp();
    proxy = new TcpProxy(await freePort(), { host: temporal[0]!, port: Number(temporal[1]) });
    await proxy.open();
  });
  afterEach(() => h.killWorkers());
  afterAll(async () => {
    await proxy.close();
    await h.tearDown();
  });

  it('stops sending after its heartbeat timeout (CheckpointLostError) while its retry runs on another worker', async () => {
    const sources = { paced: { url: process.env.PSTT_TEST_POSTGRES_URL ?? devPostgresUrl('pstt_test') } };
    const cutOff = h.config(h.dbFile, {}, { sources, temporalAddress: `127.0.0.1:${proxy.port}` });
    const direct = h.config(h.dbFile, {}, { sources, taskQueue: cutOff.taskQueue });
    h.worker(cutOff.configFile);
    const { topic, handle } = await h.startExport(
      cutOff.taskQueue,
      { batch_size: 100 },
      { source: 'paced', query: PACED_QUERY },
    );
    await h.waitForOffsets(topic, 5_000);
    await proxy.close();
    const atCut = await countMessages(h.kafka, topic);
    h.worker(direct.configFile);
    const result = await handle.result();
    expect(result.attempts).toBeGreaterThanOrEqual(2);
    expect(result.rows).toBe(ROWS);
    expect(fs.readFileSync(h.logFile, 'utf8')).toContain('CheckpointLostError');
    // A cut-off worker that kept going would send every remaining row a second time.
    const duplicates = (await countMessages(h.kafka, topic)) - ROWS;
    expect(duplicates).toBeLessThan((ROWS - atCut) / 2);
  }, 300_000);
});
