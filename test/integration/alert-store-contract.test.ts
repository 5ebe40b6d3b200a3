import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { devPostgresUrl, dropPostgresTable } from '../../devstack/postgres-server';
import type { RuleState } from '../../core/alerts/alert-rules';
import type { AlertStore, NewAlert } from '../../core/alerts/alert-store';
import { createAlertStore } from '../../core/alerts/create-alert-store';
import { PostgresAlertStore } from '../../core/alerts/postgres-alert-store';
import { SqliteAlertStore } from '../../core/alerts/sqlite-alert-store';
import { storesPerTest, tempMetricsFile, type StoreLocation } from '../support/store-contract';

/** One contract, both alert stores: SQLite (a temp metrics file) and PostgreSQL (tables with a prefix per test). */

const POSTGRES_URL = process.env.PSTT_TEST_POSTGRES_URL ?? devPostgresUrl('pstt_test');
const T0 = new Date(Date.UTC(2026, 2, 15, 10, 0));
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

function state(over: Partial<RuleState> = {}): RuleState {
  return {
    rule: 'success_rate',
    state: 'ok',
    since: T0,
    value: 99.5,
    warning_threshold: 98,
    critical_threshold: 95,
    message: 'fine',
    evaluated_at: T0,
    condition_since: null,
    ...over,
  };
}

function alert(over: Partial<NewAlert> = {}): NewAlert {
  return {
    rule: 'success_rate',
    previous_state: 'ok',
    state: 'warning',
    value: 97,
    threshold: 98,
    message: 'below the warning threshold',
    at: at(5),
    delivery_error: null,
    ...over,
  };
}

const backends: Array<{ name: string; create(): StoreLocation<[], AlertStore> }> = [
  {
    name: 'sqlite',
    create() {
      const { file, drop } = tempMetricsFile('pstt-alerts-');
      return { open: () => new SqliteAlertStore({ file }), drop };
    },
  },
  {
    name: 'postgres',
    create() {
      const prefix = `pstt_test_${randomBytes(4).toString('hex')}_`;
      return {
        open: () => new PostgresAlertStore({ url: POSTGRES_URL, tablePrefix: prefix }),
        async drop() {
          await dropPostgresTable(POSTGRES_URL, `${prefix}alert_log`);
          await dropPostgresTable(POSTGRES_URL, `${prefix}alert_state`);
        },
      };
    },
  },
];

describe.each(backends)('alert store contract: $name', (backend) => {
  const open = storesPerTest(() => backend.create());

  it('keeps each rule state between store instances (the next evaluation, another process)', async () => {
    const writer = open();
    expect(await writer.states()).toEqual([]);
    const kafka = state({ rule: 'kafka_connection', value: 3.5, condition_since: at(-3.5), message: 'disconnected' });
    expect(await writer.save(kafka, null, null)).toBe(true);
    expect(await writer.save(state(), null, null)).toBe(true);
    const reader = open();
    const stored = await reader.states();
    expect(stored.sort((a, b) => a.rule.localeCompare(b.rule))).toEqual([kafka, state()]);
  });

  it('logs a transition with its new state in one step, and only over the state that was read', async () => {
    const store = open();
    const first = state();
    await store.save(first, null, null);
    const warning = state({ state: 'warning', since: at(5), value: 97, evaluated_at: at(5) });
    expect(await store.save(warning, first, alert())).toBe(true);
    // A second evaluation that read the same old state loses: no second transition is logged.
    expect(await store.save(warning, first, alert())).toBe(false);
    expect(await store.save(state({ evaluated_at: at(6) }), null, null)).toBe(false);
    expect((await store.states())[0]).toEqual(warning);
    const log = await store.recent(10);
    expect(log).toHaveLength(1);
    expect(log[0]).toEqual({
      id: expect.any(Number) as number,
      rule: 'success_rate',
      previous_state: 'ok',
      state: 'warning',
      value: 97,
      threshold: 98,
      message: 'below the warning threshold',
      at: at(5),
      delivered: false,
      delivery_attempts: 0,
      last_delivery_error: null,
      delivered_at: null,
    });
  });

  it("deletes the transitions older than the retention and keeps the rules' states", async () => {
    const store = open();
    let previous = state();
    await store.save(previous, null, null);
    for (const [i, level] of (['warning', 'ok'] as const).entries()) {
      const next = state({ state: level, since: at(i * 60), evaluated_at: at(i * 60) });
      await store.save(
        next,
        previous,
        alert({ previous_state: previous.state, state: level, at: at(i * 60), message: level }),
      );
      previous = next;
    }
    expect(await store.deleteBefore(at(30))).toBe(1);
    expect((await store.recent(10)).map((a) => a.message)).toEqual(['ok']);
    expect((await store.states())[0]).toMatchObject({ state: 'ok' });
    expect(await store.deleteBefore(at(30))).toBe(0);
  });

  it('lists undelivered alerts oldest first and records each attempt until delivery', async () => {
    const store = open();
    let previous = state();
    await store.save(previous, null, null);
    const levels = ['warning', 'critical', 'ok'] as const;
    for (const [i, level] of levels.entries()) {
      const next = state({ state: level, since: at(i + 1), evaluated_at: at(i + 1) });
      await store.save(
        next,
        previous,
        alert({ previous_state: previous.state, state: level, at: at(i + 1), message: level }),
      );
      previous = next;
    }
    const pending = await store.undelivered(10);
    expect(pending.map((a) => a.message)).toEqual(['warning', 'critical', 'ok']);
    expect((await store.recent(2)).map((a) => a.message)).toEqual(['ok', 'critical']);

    await store.recordDelivery(pending[0]!.id, { delivered: false, error: 'connect ECONNREFUSED 127.0.0.1:25' });
    await store.recordDelivery(pending[0]!.id, { delivered: false, error: 'still down' });
    expect((await store.undelivered(1))[0]).toMatchObject({
      delivery_attempts: 2,
      last_delivery_error: 'still down',
      delivered: false,
    });
    await store.recordDelivery(pending[0]!.id, { delivered: true, at: at(10) });
    await store.recordDelivery(pending[1]!.id, { delivered: true, at: at(10) });
    expect((await store.undelivered(10)).map((a) => a.message)).toEqual(['ok']);
    const delivered = (await store.recent(10)).find((a) => a.id === pending[0]!.id);
    expect(delivered).toMatchObject({
      delivered: true,
      delivered_at: at(10),
      delivery_attempts: 3,
      last_delivery_error: null,
    });
  });

  it('keeps why no e-mail could be tried (e-mail off) on a new alert', async () => {
    const store = open();
    const first = state();
    await store.save(first, null, null);
    await store.save(state({ state: 'critical', since: at(1) }), first, alert({ delivery_error: 'e-mail is off' }));
    expect((await store.undelivered(10))[0]).toMatchObject({
      delivery_attempts: 0,
      last_delivery_error: 'e-mail is off',
    });
  });
});

describe('createAlertStore', () => {
  it('opens the store of the metrics URL, and rejects a URL with a password before connecting', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pstt-alerts-url-'));
    try {
      const store = createAlertStore('sqlite:m.db', { baseDir: dir });
      expect(store).toBeInstanceOf(SqliteAlertStore);
      expect((store as SqliteAlertStore).file).toBe(path.join(dir, 'm.db'));
      await store.close();
      const pg = createAlertStore('postgres://pstt@127.0.0.1:1/x');
      expect(pg).toBeInstanceOf(PostgresAlertStore);
      await pg.close();
      expect(() => createAlertStore('postgres://u:hunter2@h/db')).toThrow(/password_env/);
      expect(() => createAlertStore('sqlite:m.db', { baseDir: dir, tablePrefix: 'Bad-' })).toThrow(
        /lowercase SQL name/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
