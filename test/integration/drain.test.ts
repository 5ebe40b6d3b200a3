import { randomInt } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { loadConfig, type AppConfig } from '../../core/config';
import type { ExportResult } from '../../core/job';
import { ensureTopic } from '../../core/kafka/topics';
import { drain, isDrainNote, resumeAfterDrain, schedulingScheduleIds } from '../../cli/ops/drain';
import type { Scheduling } from '../../core/scheduling';
import { scheduleIdOf } from '../../core/temporal/naming';
import { connectTemporalClient } from '../../core/temporal/client';
import { runOf, runScheduleNow } from '../../core/temporal/run-now';
import type { RunningExport } from '../../core/temporal/running-exports';
import { applySchedulings } from '../../core/temporal/schedules';
import { devPostgresUrl } from '../../devstack/postgres-server';
import { deleteTopic, testKafka } from '../support/kafka';
import { uniqueName } from '../support/names';
import { pstt } from '../support/pstt-cli';
import { startQueueWorker, type QueueWorker } from '../support/export-harness';
import { makeScheduling } from '../support/scheduling';
import { eventually } from '../support/eventually';

const POSTGRES_URL = process.env.PSTT_TEST_POSTGRES_URL ?? devPostgresUrl('pstt_test');
const OPS_NOTE = 'paused by ops: source database maintenance';

/**
 * One PSTT deployment on its own task queue: a worker and three schedulings. `slow` blocks on a
 * PostgreSQL advisory lock that the test holds, so its run lasts exactly as long as the test wants;
 * `other` is a plain one; `opsPaused` was paused by an operator before any drain.
 */
interface Deployment {
  config: AppConfig;
  slow: Scheduling;
  other: Scheduling;
  opsPaused: Scheduling;
  lockKey: number;
}

describe('pstt drain / resume (real Temporal, Kafka and PostgreSQL)', () => {
  const kafka = testKafka();
  const topic = uniqueName('pstt-drain');
  const workers: QueueWorker[] = [];
  const scheduleIds: string[] = [];
  let client: Client;
  let locker: PgClient;
  let base: AppConfig;

  beforeAll(async () => {
    base = loadConfig();
    client = await connectTemporalClient(base.temporal);
    await ensureTopic(kafka, topic, 1);
    locker = new PgClient({ connectionString: POSTGRES_URL });
    await locker.connect();
  });

  afterAll(async () => {
    for (const id of scheduleIds)
      await client.schedule
        .getHandle(id)
        .delete()
        .catch(() => undefined);
    for (const w of workers) await w.stop();
    await locker.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
    await locker.end();
    await deleteTopic(kafka, topic);
    await client.connection.close();
  });

  async function deploy(): Promise<Deployment> {
    const lockKey = randomInt(1, 2 ** 31 - 1);
    const config: AppConfig = {
      ...base,
      temporal: { ...base.temporal, task_queue: uniqueName('pstt-drain-queue') },
      sources: { pg: { url: POSTGRES_URL } },
    };
    const scheduling = (prefix: string, query: string) =>
      makeScheduling({
        name: uniqueName(prefix),
        schedule: { cron: '0 3 * * *', timezone: 'UTC' },
        source: 'pg',
        query,
        export_format: 'kafka',
        retry: { max_attempts: 3 },
        kafka_config: { topic, message_key_field: 'id', batch_size: 10 },
      });
    const d: Deployment = {
      config,
      lockKey,
      // The transaction-scoped lock is taken before the first row and released when the query ends.
      slow: scheduling(
        'drain-slow',
        `WITH gate AS (SELECT pg_advisory_xact_lock(${lockKey})) SELECT g AS id FROM gate, generate_series(1, 50) g ORDER BY g`,
      ),
      other: scheduling('drain-other', 'SELECT g AS id FROM generate_series(1, 5) g ORDER BY g'),
      opsPaused: scheduling('drain-ops', 'SELECT g AS id FROM generate_series(1, 5) g ORDER BY g'),
    };
    const all = [d.slow, d.other, d.opsPaused];
    scheduleIds.push(...all.map((s) => scheduleIdOf(s.name)));
    const outcomes = await applySchedulings(client, { ...config, schedulings: all });
    expect(outcomes.map((o) => o.action)).toEqual(['created', 'created', 'created']);
    await client.schedule.getHandle(scheduleIdOf(d.opsPaused.name)).pause(OPS_NOTE);
    // Drain finds schedulings through Temporal's schedule list, which lags creation a little.
    await eventually('the three schedules listed', async () =>
      (await schedulingScheduleIds(client, config.temporal.task_queue)).length === 3 ? true : undefined,
    );
    workers.push(await startQueueWorker(config));
    return d;
  }

  const stateOf = async (s: Scheduling) => (await client.schedule.getHandle(scheduleIdOf(s.name)).describe()).state;

  it('pauses every scheduling, waits for the running export to finish, and resume unpauses only what drain paused', async () => {
    const d = await deploy();
    const taskQueue = d.config.temporal.task_queue;
    await locker.query('SELECT pg_advisory_lock($1)', [d.lockKey]);
    const workflowId = runOf(await runScheduleNow(client, scheduleIdOf(d.slow.name)));

    const progress: RunningExport[][] = [];
    const draining = drain(client, {
      taskQueue,
      timeoutMs: 180_000,
      pollMs: 200,
      onProgress: (running) => progress.push(running),
    });
    let finished = false;
    void draining.finally(() => (finished = true));

    // Drain sees the blocked export and waits for it.
    await eventually('drain waiting for the slow export', async () =>
      progress.some((running) => running.some((r) => r.workflowId === workflowId && r.scheduling === d.slow.name))
        ? true
        : undefined,
    );
    expect(finished).toBe(false);
    const slow = await stateOf(d.slow);
    const other = await stateOf(d.other);
    expect(slow.paused && isDrainNote(slow.note)).toBe(true);
    expect(other.paused && isDrainNote(other.note)).toBe(true);
    expect(await stateOf(d.opsPaused)).toMatchObject({ paused: true, note: OPS_NOTE });

    await locker.query('SELECT pg_advisory_unlock($1)', [d.lockKey]);
    const result = await draining;
    expect(result.stillRunning).toEqual([]);
    expect(Object.fromEntries(result.schedules.map((o) => [o.scheduleId, o.action]))).toEqual({
      [scheduleIdOf(d.slow.name)]: 'paused',
      [scheduleIdOf(d.other.name)]: 'paused',
      [scheduleIdOf(d.opsPaused.name)]: 'left-paused',
    });
    // The export drain waited for finished for real, every row delivered.
    const run = (await client.workflow.getHandle(workflowId).result()) as ExportResult;
    expect(run).toMatchObject({ rows: 50, messages: 50 });

    const resumed = await resumeAfterDrain(client, taskQueue);
    expect(Object.fromEntries(resumed.map((o) => [o.scheduleId, o.action]))).toEqual({
      [scheduleIdOf(d.slow.name)]: 'resumed',
      [scheduleIdOf(d.other.name)]: 'resumed',
      [scheduleIdOf(d.opsPaused.name)]: 'left-paused',
    });
    expect((await stateOf(d.slow)).paused).toBe(false);
    expect((await stateOf(d.other)).paused).toBe(false);
    expect(await stateOf(d.opsPaused)).toMatchObject({ paused: true, note: OPS_NOTE });
  });

  it('the CLI: drain reports what is still running at its deadline (exit 1), resume leaves the operator pause alone', async () => {
    const d = await deploy();
    const env = { TEMPORAL_TASK_QUEUE: d.config.temporal.task_queue };
    await locker.query('SELECT pg_advisory_lock($1)', [d.lockKey]);
    const workflowId = runOf(await runScheduleNow(client, scheduleIdOf(d.slow.name)));
    try {
      const drained = await pstt(['drain', '--timeout', '2s'], env);
      expect(drained.code).toBe(1);
      expect(drained.stdout).toContain(`paused       ${scheduleIdOf(d.slow.name)} (note: "pstt drain `);
      expect(drained.stdout).toContain(
        `left paused  ${scheduleIdOf(d.opsPaused.name)} (note: ${JSON.stringify(OPS_NOTE)})`,
      );
      expect(drained.stdout).toMatch(
        new RegExp(
          `still running after 2s.*\\n  ${workflowId} \\(scheduling ${d.slow.name}, \\d+ rows so far, attempt \\d+\\)`,
        ),
      );

      const resumed = await pstt(['resume'], env);
      expect(resumed.code).toBe(0);
      expect(resumed.stdout).toContain(`resumed      ${scheduleIdOf(d.slow.name)}`);
      expect(resumed.stdout).toContain(`resumed      ${scheduleIdOf(d.other.name)}`);
      expect(resumed.stdout).toContain(`left paused  ${scheduleIdOf(d.opsPaused.name)}`);
      expect(await stateOf(d.opsPaused)).toMatchObject({ paused: true, note: OPS_NOTE });
    } finally {
      await locker.query('SELECT pg_advisory_unlock($1)', [d.lockKey]);
    }
    expect(await client.workflow.getHandle(workflowId).result()).toMatchObject({ rows: 50 });

    // Nothing running now: a second drain returns at once with exit 0.
    const again = await pstt(['drain'], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing running');
    expect((await pstt(['resume'], env)).code).toBe(0);
  });

  it('a bad --timeout is refused before anything is paused', async () => {
    const result = await pstt(['drain', '--timeout', 'soon'], { TEMPORAL_TASK_QUEUE: uniqueName('pstt-drain-none') });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      '--timeout: expected a duration such as 600 (seconds), 90s, 10m or 1h, at most 24h, got "soon"',
    );
  });
});
