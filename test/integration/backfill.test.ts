import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import request from 'supertest';
import type { RunView } from '../../api/contract';
import { ensureTopic } from '../../core/kafka/topics';
import { scheduleIdOf } from '../../core/temporal/naming';
import { startApiStack, type ApiStack } from '../support/api-stack';
import { deleteTopic, testKafka } from '../support/kafka';
import { uniqueName } from '../support/names';

const DAY_MS = 86_400_000;

/**
 * Backfill on real Temporal, a real worker and SQLite: a daily 06:00 UTC scheduling whose query reads
 * the day before its `:scheduled_time` is backfilled over three past days; each run must read its
 * own day's rows only, so a run bound to "now" or to another window fails the counts.
 */
describe('POST /api/scheduler/scheduling/:name/backfill', () => {
  const kafka = testKafka();
  const topic = uniqueName('bkf-topic');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bkf-'));
  const dbFile = path.join(dir, 'events.db');
  // Midnight UTC today; the backfilled runs are at 06:00 of D-5, D-4 and D-3.
  const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  const at6 = (daysAgo: number) => new Date(today - daysAgo * DAY_MS + 6 * 3_600_000);
  // Rows stamped at 05:00 of a day belong to that day's 06:00 run: 4 before the backfill, 1/2/3 in it, 5 after.
  const rowsPerDay: Record<number, number> = { 6: 4, 5: 1, 4: 2, 3: 3, 2: 5 };
  const name = uniqueName('bkf');
  let stack: ApiStack;

  beforeAll(async () => {
    const db = new Database(dbFile);
    db.exec('CREATE TABLE bkf_events (id INTEGER PRIMARY KEY, day TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO bkf_events (day) VALUES (?)');
    for (const [daysAgo, count] of Object.entries(rowsPerDay)) {
      const stamp = new Date(at6(Number(daysAgo)).getTime() - 3_600_000).toISOString();
      for (let i = 0; i < count; i++) insert.run(stamp);
    }
    db.close();
    await ensureTopic(kafka, topic, 1);
    stack = await startApiStack({ rows: 10, extraSources: { bkf_events: { url: `sqlite:${dbFile}` } } });
    const res = await request(stack.app)
      .post('/api/scheduler/scheduling')
      .set(stack.bearer('admin'))
      .send({
        name,
        schedule: { cron: '0 6 * * *', timezone: 'UTC' },
        // Paused: only the backfill runs it.
        enabled: false,
        // The default overlap, skip: the backfill must still run every time, one after another.
        source: 'bkf_events',
        query:
          "SELECT id, day FROM bkf_events WHERE day <= :scheduled_time AND day > strftime('%Y-%m-%dT%H:%M:%fZ', :scheduled_time, '-1 day') ORDER BY id",
        // The day column holds ISO `T...Z` text: times are bound in that form.
        time_format: 'iso',
        export_format: 'kafka',
        retry: { max_attempts: 1 },
        kafka_config: { topic, message_key_field: 'id' },
      });
    expect(res.status).toBe(201);
  });

  afterAll(async () => {
    await stack.client.schedule
      .getHandle(scheduleIdOf(name))
      .delete()
      .catch(() => undefined);
    await stack.close();
    await deleteTopic(kafka, topic);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const backfill = (body: unknown, scheduling = name, role: 'operate' | 'read' = 'operate') =>
    request(stack.app)
      .post(`/api/scheduler/scheduling/${scheduling}/backfill`)
      .set(stack.bearer(role))
      .send(body as object);

  async function runsOf(): Promise<RunView[]> {
    const res = await request(stack.app).get(`/api/scheduler/history?scheduling=${name}`).set(stack.bearer('read'));
    expect(res.status).toBe(200);
    return res.body as RunView[];
  }

  it('refuses bad windows with 400 naming the field, an unknown scheduling with 404, a read token with 403', async () => {
    const cases: Array<[unknown, string]> = [
      [{ from: at6(3).toISOString(), to: at6(5).toISOString() }, 'to'],
      [{ from: at6(3).toISOString(), to: at6(3).toISOString() }, 'to'],
      [{ from: new Date(today - 400 * DAY_MS).toISOString(), to: at6(1).toISOString() }, 'to'],
      [{ from: 'yesterday', to: at6(1).toISOString() }, 'from'],
      [{ from: at6(5).toISOString(), to: '2026-13-45' }, 'to'],
      [{ from: at6(5).toISOString(), to: new Date(Date.now() + 2 * DAY_MS).toISOString() }, 'to'],
      [{ to: at6(1).toISOString() }, 'from'],
    ];
    for (const [body, field] of cases) {
      const res = await backfill(body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect((res.body as { details: Array<{ path: string }> }).details.map((d) => d.path)).toContain(field);
    }
    const valid = { from: at6(5).toISOString(), to: at6(3).toISOString() };
    const unknown = await backfill(valid, 'bkf-no-such-scheduling');
    expect(unknown.status).toBe(404);
    expect((await backfill(valid, name, 'read')).status).toBe(403);
  });

  it('runs one run per past 06:00 in the window, each bound to its own scheduled time, marked as backfill in history', async () => {
    const scheduling = async () =>
      (await request(stack.app).get(`/api/scheduler/scheduling/${name}`).set(stack.bearer('read'))).body as Record<
        string,
        unknown
      >;
    const before = await scheduling();
    const res = await backfill({
      from: new Date(at6(5).getTime() - 3_600_000).toISOString(),
      to: new Date(at6(3).getTime() + 3_600_000).toISOString(),
    });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ scheduling: name, overlap: 'buffer_all' });
    // Recording the request in the action's memo leaves the scheduling as it was (still paused, same spec and
    // next times); only its last run may already be a backfilled one.
    expect({ ...(await scheduling()), last_run: null }).toEqual({ ...before, last_run: null });

    let runs: RunView[] = [];
    for (let i = 0; i < 600; i++) {
      runs = await runsOf();
      if (runs.length >= 3 && runs.every((r) => r.status !== 'running')) break;
      await sleep(250);
    }
    // Exactly three: none from the refused requests above (the 400-day one alone would have made hundreds),
    // none dropped by the scheduling's skip policy; one after another, so never two at once.
    expect(runs).toHaveLength(3);
    const spans = runs
      .map((r) => [Date.parse(r.start_time), Date.parse(r.end_time!)] as const)
      .sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
    const byTime = [...runs].sort((a, b) => (a.scheduled_time ?? '').localeCompare(b.scheduled_time ?? ''));
    expect(
      byTime.map((r) => ({ scheduled_time: r.scheduled_time, status: r.status, rows: r.rows, backfill: r.backfill })),
    ).toEqual(
      [5, 4, 3].map((daysAgo) => ({
        scheduled_time: at6(daysAgo).toISOString(),
        status: 'success',
        rows: rowsPerDay[daysAgo],
        backfill: true,
      })),
    );
  });
});
