import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import type { ExportResult } from '../../core/job';
import { withAdmin } from '../../core/kafka/admin';
import { countMessages } from '../../core/kafka/topics';
import { createMetricsStore } from '../../core/metrics/create-metrics-store';
import { logsDir } from '../../core/paths';
import { bootstrapOf, kafkaBroker, nodeReady, startNode, type KafkaNode } from '../../devstack/kafka-broker';
import { devPostgresUrl } from '../../devstack/postgres-server';
import { runningPid } from '../../devstack/process';
import { bringUp } from '../../devstack/stack';
import { uniqueName } from '../support/names';
import { delivered, OrdersExportHarness } from '../support/orders-export';
import { TcpProxy } from '../support/tcp-proxy';

/**
 * Issue 13 item 2: past one machine. A three-node KRaft cluster of the drill's own (ports 19092-19097,
 * beside the suite's single broker; topics get replication factor 3 and min.insync.replicas 2 from
 * the nodes' defaults) and several real worker processes on one task queue.
 */

const ROWS = 60_000;
// Small sends keep the export running long enough for the fault to land mid-way.
const BATCH = 20;
/** Rows one attempt may re-send: those acknowledged after its last checkpoint (at most ~1 s of sends). */
const RESEND_WINDOW = 10_000;
const POSTGRES_URL = process.env.PSTT_TEST_POSTGRES_URL ?? devPostgresUrl('pstt_test');

// Each node also listens on broker port + 100 and advertises broker port + 200 there, where the
// partition case puts a proxy it can cut.
const cluster = kafkaBroker(3, 'kafka-drill', 19092, { listenOffset: 100, advertisedOffset: 200 });
const bootstrap = bootstrapOf(cluster.nodes);
/** How long the network partition between the worker and every broker lasts: past the send deadline. */
const PARTITION_MS = 30_000;

/** Starts a killed node again and waits until it answers. */
async function restart(node: KafkaNode): Promise<void> {
  if (runningPid(node.processName)) return;
  await startNode(node, cluster.nodes, path.join(logsDir(), `${node.processName}.log`));
  for (let i = 0; !(await nodeReady(node).catch(() => false)); i++) {
    if (i > 300) throw new Error(`${node.processName} did not come back; see its log`);
    await sleep(500);
  }
}

describe('fault drill: a three-broker cluster and two workers', () => {
  const h = new OrdersExportHarness('pstt-fault-cluster', ROWS, bootstrap);

  beforeAll(async () => {
    await bringUp(cluster, () => undefined);
    await h.setUp();
  }, 600_000);
  afterEach(async () => {
    await h.killWorkers();
    for (const node of cluster.nodes) await restart(node);
  });
  afterAll(async () => {
    await h.tearDown();
    // Three JVMs are not left running for the rest of the suite.
    await cluster.stop();
  });

  /** The oracle: every row with its value, per partition ascending apart from re-sent windows. */
  async function checkTopic(topic: string, result: ExportResult): Promise<number> {
    expect(result.rows).toBe(ROWS);
    const d = await delivered(h, topic);
    expect(d.wrongValues).toEqual([]);
    expect(d.distinct).toBe(ROWS);
    const duplicates = d.duplicates;
    expect(duplicates).toBeLessThanOrEqual(RESEND_WINDOW * result.attempts);
    // A re-sent window steps back once per partition per retry; none without one.
    expect(d.stepsBack).toBeLessThanOrEqual(result.attempts - 1);
    return duplicates;
  }

  /** The pid of the worker whose attempt runs the run's export now (Temporal's identity is pid@host). */
  async function exportingPid(handle: WorkflowHandle): Promise<number> {
    for (let i = 0; i < 600; i++) {
      const { raw } = await handle.describe();
      const identity = (raw.pendingActivities ?? []).find(
        (a) => a.activityType?.name === 'exportToKafka',
      )?.lastWorkerIdentity;
      if (identity) return Number(identity.split('@')[0]);
      await sleep(100);
    }
    throw new Error(`run ${handle.workflowId} never started its export`);
  }

  it('kill -9 of a partition leader mid-export (acks=all): the run succeeds with every row, in order, none lost', async () => {
    const { configFile, taskQueue } = h.config(h.dbFile, { send_timeout_ms: 10_000, acks: 'all' });
    h.worker(configFile);
    const { topic, handle } = await h.startExport(taskQueue, { batch_size: BATCH, resume_key: ['order_id'] });
    const placement = await withAdmin(h.kafka, (admin) => admin.metadata({ topics: [topic], forceUpdate: true }));
    const partitions = placement.topics.get(topic)!.partitions;
    // Replication factor 3 came from the nodes' defaults.
    expect(partitions.map((p) => p.replicas.length)).toEqual([3, 3, 3]);
    await h.waitForOffsets(topic, 10_000);
    expect(await countMessages(h.kafka, topic)).toBeLessThan(ROWS);
    const leader = cluster.nodes.find((n) => n.id === partitions[0]!.leader)!;
    process.kill(runningPid(leader.processName)!, 'SIGKILL');

    const result = await handle.result();
    await checkTopic(topic, result);
  });

  it('two workers on one task queue: SIGKILL the one running the export and the other finishes it from the checkpoint', async () => {
    const first = h.config(h.dbFile, { send_timeout_ms: 10_000 });
    const second = h.config(h.dbFile, { send_timeout_ms: 10_000 }, { taskQueue: first.taskQueue });
    const workers = [h.worker(first.configFile), h.worker(second.configFile)];
    const { topic, handle } = await h.startExport(first.taskQueue, { batch_size: BATCH, resume_key: ['order_id'] });
    const running = await exportingPid(handle);
    expect(workers.map((w) => w.pid)).toContain(running);
    await h.waitForOffsets(topic, 10_000);
    const atKill = await countMessages(h.kafka, topic);
    expect(atKill).toBeLessThan(ROWS);
    process.kill(running, 'SIGKILL');

    const result = await handle.result();
    expect(result.attempts).toBe(2);
    expect(result.startedOver).toBeFalsy();
    // The retry ran on the other worker and resumed after the checkpoint: it re-sent at most one window.
    const duplicates = await checkTopic(topic, result);
    expect(duplicates).toBeLessThanOrEqual(RESEND_WINDOW);
  });

  it('five exports across two workers: all succeed, neither runs more than its max_concurrent_exports, metrics add up in one PostgreSQL store', async () => {
    const locker = new PgClient({ connectionString: POSTGRES_URL });
    await locker.connect();
    const metricsDb = uniqueName('pstt_drill_metrics').replace(/-/g, '_');
    await locker.query(`CREATE DATABASE ${metricsDb}`);
    const metricsUrl = devPostgresUrl(metricsDb);
    const key = 2_000_000 + Math.floor(Math.random() * 1_000_000);
    try {
      const sections = { worker: { max_concurrent_exports: 2 }, metrics: { url: metricsUrl } };
      const sources = { pg: { url: POSTGRES_URL } };
      const first = h.config(h.dbFile, {}, { sources, sections });
      const second = h.config(h.dbFile, {}, { sources, sections, taskQueue: first.taskQueue });
      const workers = [h.worker(first.configFile), h.worker(second.configFile)];
      // Each export waits at its first row until the test lets go of the lock: the waiting sessions
      // are the exports running.
      await locker.query('SELECT pg_advisory_lock($1)', [key]);
      const query = `WITH gate AS (SELECT pg_advisory_xact_lock_shared(${key})) SELECT g AS order_id FROM gate, generate_series(1, 50) g ORDER BY g`;
      const runs = await Promise.all(
        Array.from({ length: 5 }, () => h.startExport(first.taskQueue, { batch_size: 10 }, { source: 'pg', query })),
      );
      const waiting = async () =>
        Number(
          (
            await locker.query<{ n: string }>(
              "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = $1 AND NOT granted",
              [key],
            )
          ).rows[0]!.n,
        );
      for (let i = 0; (await waiting()) < 4; i++) {
        if (i > 900) throw new Error(`only ${await waiting()} exports reached the source`);
        await sleep(100);
      }
      await sleep(2_000);
      // Two workers of two slots each: four exports read, the fifth waits for a slot.
      expect(await waiting()).toBe(4);
      const perWorker = new Map<number, number>();
      for (const { handle } of runs) {
        const { raw } = await handle.describe();
        const started = (raw.pendingActivities ?? []).find(
          (a) => a.activityType?.name === 'exportToKafka' && a.lastStartedTime,
        );
        const identity = started?.lastWorkerIdentity;
        if (identity)
          perWorker.set(Number(identity.split('@')[0]), (perWorker.get(Number(identity.split('@')[0])) ?? 0) + 1);
      }
      expect([...perWorker.keys()].sort()).toEqual(workers.map((w) => w.pid!).sort());
      expect([...perWorker.values()]).toEqual([2, 2]);

      await locker.query('SELECT pg_advisory_unlock($1)', [key]);
      const results = await Promise.all(runs.map((r) => r.handle.result()));
      expect(results.map((r) => r.rows)).toEqual([50, 50, 50, 50, 50]);
      for (const { topic } of runs) expect(await countMessages(h.kafka, topic)).toBe(50);

      // Both workers record their sends in the one store the API reads (each flushes its buffer in the
      // background, so the total is awaited, then compared).
      const store = createMetricsStore(metricsUrl);
      const sent = results.reduce((n, r) => n + r.messages, 0);
      try {
        let total = 0;
        for (let i = 0; i < 120 && total < sent; i++) {
          total = (await store.summary('24h')).total_messages;
          if (total < sent) await sleep(500);
        }
        expect(total).toBe(sent);
      } finally {
        await store.close();
      }
    } finally {
      await locker.query('SELECT pg_advisory_unlock_all()');
      await h.killWorkers();
      await locker.query(`DROP DATABASE IF EXISTS ${metricsDb} WITH (FORCE)`);
      await locker.end();
    }
  });

  it('a network partition between the worker and every broker: the export retries and completes once it heals, nothing lost', async () => {
    const proxies = cluster.nodes.map(
      (n) => new TcpProxy(n.proxied!.advertisedPort, { host: '127.0.0.1', port: n.proxied!.listenPort }),
    );
    for (const p of proxies) await p.open();
    try {
      // The worker knows the cluster only through the proxies; the test's own client goes direct.
      const throughProxies = proxies.map((p) => `127.0.0.1:${p.port}`);
      const { configFile, taskQueue } = h.config(h.dbFile, {
        bootstrap_servers: throughProxies,
        send_timeout_ms: 10_000,
      });
      h.worker(configFile);
      const { topic, handle } = await h.startExport(taskQueue, { batch_size: BATCH, resume_key: ['order_id'] });
      await h.waitForOffsets(topic, 10_000);
      for (const p of proxies) p.cut();
      // A send already past the proxy when it was cut may still land: count once it has.
      await sleep(2_000);
      const atCut = await countMessages(h.kafka, topic);
      expect(atCut).toBeLessThan(ROWS);
      await sleep(PARTITION_MS);
      // Nothing crossed the partition while it lasted.
      expect(await countMessages(h.kafka, topic)).toBe(atCut);
      for (const p of proxies) p.heal();

      const result = await handle.result();
      expect(result.attempts).toBeGreaterThan(1);
      await checkTopic(topic, result);
    } finally {
      for (const p of proxies) await p.close();
    }
  });
});
