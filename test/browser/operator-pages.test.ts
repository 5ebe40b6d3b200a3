/**
 * The operator pages in a real browser (Debian's Chromium driven by playwright-core) against the
 * real stack: Temporal, Kafka and a worker. Screenshots go to test-artifacts/screenshots.
 */
import { ScheduleNotFoundError } from '@temporalio/client';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ensureTopic } from '../../core/kafka/topics';
import { scheduleIdOf } from '../../core/temporal/naming';
import { kafkaBroker } from '../../devstack/kafka-broker';
import { devPostgresUrl } from '../../devstack/postgres-server';
import { statusOf, up } from '../../devstack/stack';
import { buildUi } from '../../scripts/build-ui';
import { startApiStack, type ApiStack } from '../support/api-stack';
import { DESKTOP, launchBrowser, MOBILE, SCREENSHOT_DIR } from '../support/browser';
import { deleteTopic, testKafka } from '../support/kafka';
import { uniqueName } from '../support/names';

/** The page's document as a waitForFunction predicate uses it (the tests compile without the DOM lib). */
declare const document: { querySelector(selector: string): { getAttribute(name: string): string | null } | null };

const ROWS = 3_000;
/** Longest wait for a page to show a change: a few 5 s refreshes, and a whole export for Run now. */
const PAGE_DEADLINE_MS = 90_000;

describe('the operator pages in a real browser', () => {
  const kafka = testKafka();
  const topic = uniqueName('pstt-ui');
  const names: string[] = [];
  let stack: ApiStack;
  let baseUrl: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    await buildUi();
    await ensureTopic(kafka, topic, 1);
    // The health answer is cached 5 s, as in production: the badge must still turn within one refresh or two.
    stack = await startApiStack({
      rows: ROWS,
      health: {},
      extraSources: { slow: { url: devPostgresUrl('pstt_test') } },
    });
    baseUrl = await stack.listen();
    browser = await launchBrowser();
    const specs = [
      {
        description: 'nightly orders to Kafka',
        query: 'SELECT order_id, customer, amount FROM orders ORDER BY order_id',
      },
      { description: 'second feed', query: 'SELECT order_id, customer, amount FROM orders ORDER BY order_id' },
      { description: 'reads a table that does not exist', query: 'SELECT * FROM missing_orders ORDER BY 1' },
    ];
    for (const { description, query } of specs) {
      const name = uniqueName('ui');
      names.push(name);
      const res = await adminApi('POST', '/api/scheduler/scheduling', schedulingBody(name, { description, query }));
      expect(res.status).toBe(201);
    }
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    for (const name of names)
      await stack.client.schedule
        .getHandle(scheduleIdOf(name))
        .delete()
        .catch(() => undefined);
    await stack?.close();
    await deleteTopic(kafka, topic).catch(() => undefined);
  });

  function schedulingBody(name: string, fields: Record<string, unknown>) {
    return {
      name,
      schedule: { cron: '0 3 * * *', timezone: 'Europe/Rome' },
      source: 'orders',
      export_format: 'kafka',
      retry: { max_attempts: 1 },
      kafka_config: { topic, message_key_field: 'order_id', batch_size: 500 },
      ...fields,
    };
  }

  /** The API as a script would call it, for setting the scene. */
  function adminApi(method: string, pathname: string, body?: unknown): Promise<Response> {
    return fetch(`${baseUrl}${pathname}`, {
      method,
      headers: { ...stack.bearer('admin'), 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  async function finishedRun(workflowId: string): Promise<void> {
    await stack.client.workflow.getHandle(workflowId).result();
  }

  /** What the browser refused under the API's Content-Security-Policy: must stay empty. */
  const cspViolations: string[] = [];

  afterEach(() => {
    expect(cspViolations.splice(0)).toEqual([]);
  });

  async function newPage(viewport = DESKTOP): Promise<Page> {
    const context = await browser.newContext({ viewport });
    contexts.push(context);
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/i.test(message.text()))
        cspViolations.push(message.text());
    });
    page.setDefaultTimeout(PAGE_DEADLINE_MS);
    return page;
  }

  /** Opens a page and signs in with a role's token (typed, then Enter: the keyboard path). */
  async function signedIn(pathname: string, role: 'read' | 'operate' | 'admin', viewport = DESKTOP): Promise<Page> {
    const page = await newPage(viewport);
    await page.goto(`${baseUrl}${pathname}`);
    await page.getByLabel('API token').fill(stack.tokens[role]);
    await page.getByLabel('API token').press('Enter');
    await page.getByTestId('role').filter({ hasText: role }).waitFor();
    return page;
  }

  const row = (page: Page, name: string) => page.locator(`tr[data-scheduling="${name}"]`);
  /** Presses a scheduling's "Run now" and reads the started run's workflow id from the message. */
  async function runNow(page: Page, name: string): Promise<string> {
    await row(page, name)
      .getByRole('button', { name: /Run now/ })
      .click();
    const toast = await page.getByTestId('toast').filter({ hasText: 'started' }).textContent();
    const workflowId = /\(([^)]+)\)/.exec(toast ?? '')?.[1];
    if (!workflowId) throw new Error(`no workflow id in "${toast}"`);
    return workflowId;
  }

  const screenshot = (page: Page, file: string) =>
    page.screenshot({ path: path.join(SCREENSHOT_DIR, file), fullPage: true });

  it('asks for a token, refuses a wrong one and keeps a good one for the browser session', async () => {
    const page = await newPage();
    await page.goto(`${baseUrl}/`);
    await page.getByLabel('API token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('This token is not valid.').waitFor();

    await page.getByLabel('API token').fill(stack.tokens.admin);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('kafka-badge').waitFor();
    // Another page of the same tab needs no new sign-in; the token travels as a bearer header only.
    await page.getByRole('link', { name: 'Scheduler' }).click();
    await page.getByTestId('schedulings').waitFor();
    expect(await page.evaluate<string>('document.cookie')).toBe('');
    expect(await page.evaluate<number>('sessionStorage.length')).toBe(1);
  });

  it('shows a read-only token the pages with every changing button disabled', async () => {
    const page = await signedIn('/scheduler', 'read');
    await row(page, names[0]!).waitFor();
    expect(await page.getByRole('note').textContent()).toContain('read-only');
    expect(
      await row(page, names[0]!)
        .getByRole('button', { name: /Run now/ })
        .isDisabled(),
    ).toBe(true);
    expect(
      await row(page, names[0]!)
        .getByRole('button', { name: /Backfill/ })
        .isDisabled(),
    ).toBe(true);
    expect(
      await row(page, names[0]!)
        .getByRole('button', { name: /Delete/ })
        .isDisabled(),
    ).toBe(true);
    expect(await row(page, names[0]!).getByRole('switch').isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'New scheduling' }).isDisabled()).toBe(true);
  });

  it('disables a scheduling with a note, which pauses its Temporal Schedule, and enables it again', async () => {
    const page = await signedIn('/scheduler', 'operate');
    const name = names[0]!;
    const handle = stack.client.schedule.getHandle(scheduleIdOf(name));
    await row(page, name).getByRole('switch').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Note (optional)').fill('database maintenance until 14:00');
    await dialog.getByLabel('Note (optional)').press('Enter');
    await page.getByTestId('toast').filter({ hasText: 'Temporal Schedule is paused' }).waitFor();

    const paused = await handle.describe();
    expect(paused.state.paused).toBe(true);
    expect(paused.state.note).toBe('database maintenance until 14:00');
    await row(page, name).getByText('database maintenance until 14:00').waitFor();
    expect(await row(page, name).getByRole('switch').isChecked()).toBe(false);

    // Back on from the keyboard alone: focus the switch, press Space.
    await row(page, name).getByRole('switch').focus();
    await page.keyboard.press('Space');
    await page
      .getByTestId('toast')
      .filter({ hasText: `${name} enabled` })
      .waitFor();
    expect((await handle.describe()).state.paused).toBe(false);
  });

  it('starts a run with "Run now" and shows it in the history until it succeeds, linked to the Temporal Web UI', async () => {
    const page = await signedIn('/scheduler', 'operate');
    const name = names[0]!;
    const workflowId = await runNow(page, name);
    const finished = page.locator(`tr[data-workflow-id="${workflowId}"][data-status="success"]`);
    await finished.waitFor();
    expect(await finished.locator('td[data-label="Rows"]').textContent()).toBe(ROWS.toLocaleString('en-US'));
    const link = await finished.getByRole('link').getAttribute('href');
    expect(link).toContain(
      `${stack.config.temporal.web_ui}/namespaces/${stack.config.temporal.namespace}/workflows/${encodeURIComponent(workflowId)}/`,
    );
    await row(page, name).getByText('success').waitFor();

    // Filters narrow the history: this scheduling's successful Kafka runs hold the run; CSV runs do not.
    await page.getByTestId('filter-scheduling').selectOption(name);
    await page.getByTestId('filter-status').selectOption('success');
    await finished.waitFor();
    await page.getByTestId('filter-format').selectOption('csv');
    await page.getByText('No run matches.').waitFor();
    expect(await finished.count()).toBe(0);
  });

  it("shows a failed run's error in the history and among the dashboard's last failed runs", async () => {
    const page = await signedIn('/scheduler', 'operate');
    const broken = names[2]!;
    const workflowId = await runNow(page, broken);
    const failed = page.locator(`tr[data-workflow-id="${workflowId}"][data-status="error"]`);
    await failed.waitFor();
    expect(await failed.locator('td[data-label="Error"]').textContent()).toContain('missing_orders');

    await page.getByRole('link', { name: 'Dashboard' }).click();
    const listed = page.getByTestId('failed-runs').locator('li', { hasText: broken });
    await listed.waitFor();
    expect(await listed.textContent()).toContain('missing_orders');
  });

  it('shows a running run on the dashboard with a live progress bar against the last successful run', async () => {
    const name = uniqueName('ui-slow');
    names.push(name);
    // One row every 20 ms when :pause is 0.02, streamed by the cursor (no sort to wait for).
    const body = schedulingBody(name, {
      source: 'slow',
      query: 'SELECT n AS order_id, pg_sleep(:pause) AS pause FROM generate_series(1, 1000) AS n',
      params: { pause: 0 },
      kafka_config: { topic, message_key_field: 'order_id', batch_size: 50 },
    });
    expect((await adminApi('POST', '/api/scheduler/scheduling', body)).status).toBe(201);
    const fast = (await (await adminApi('POST', `/api/scheduler/scheduling/${name}/run`)).json()) as {
      workflow_id: string;
    };
    await finishedRun(fast.workflow_id);
    expect(
      (await adminApi('PUT', `/api/scheduler/scheduling/${name}`, { ...body, params: { pause: 0.02 } })).status,
    ).toBe(200);

    const page = await signedIn('/', 'read');
    const slow = (await (await adminApi('POST', `/api/scheduler/scheduling/${name}/run`)).json()) as {
      workflow_id: string;
    };
    const item = page.getByTestId('running-runs').locator('li', { hasText: name });
    await item.waitFor();
    expect(await item.textContent()).toMatch(/of ~1,000.*rows\/s.*attempt 1/);
    const bar = item.getByRole('progressbar');
    // The page refreshes by itself: the bar moves on without a reload.
    const first = Number(await bar.getAttribute('value'));
    const selector = `[data-testid="running-runs"] li[data-workflow-id="${slow.workflow_id}"] progress`;
    // A function, not a string: the pages' CSP (script-src 'self') forbids evaluating strings.
    await page.waitForFunction(([sel, min]) => Number(document.querySelector(sel)?.getAttribute('value')) > min, [
      selector,
      first,
    ] as const);
    expect(Number(await bar.getAttribute('value'))).toBeLessThan(1);
    await screenshot(page, 'dashboard-running.png');
    await finishedRun(slow.workflow_id);
    await page.getByTestId('running-empty').waitFor();
  });

  it("backfills a past day from the scheduling's Backfill action: a wrong window is refused under its field, the right one shows a backfill run in the history", async () => {
    const page = await signedIn('/scheduler', 'operate');
    const name = names[1]!;
    // datetime-local values in the browser's time zone (the machine's, as this process's).
    const local = (daysAgo: number) => {
      const d = new Date(Date.now() - daysAgo * 86_400_000);
      const two = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T00:00`;
    };
    await row(page, name)
      .getByRole('button', { name: /Backfill/ })
      .click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('From').fill(local(2));
    await dialog.getByLabel('To').fill(local(3));
    await dialog.getByRole('button', { name: 'Backfill' }).click();
    expect(await page.getByTestId('error-backfill-to').textContent()).toContain('must be after from');

    // One day: the daily 03:00 (Europe/Rome) matches once in it.
    await dialog.getByLabel('From').fill(local(3));
    await dialog.getByLabel('To').fill(local(2));
    await dialog.getByRole('button', { name: 'Backfill' }).click();
    await page
      .getByTestId('toast')
      .filter({ hasText: `Backfill of ${name}` })
      .waitFor();
    await page.getByTestId('filter-scheduling').selectOption(name);
    const backfilled = page.locator('tr[data-status="success"]').filter({ has: page.getByTestId('backfill-tag') });
    await backfilled.waitFor();
    expect(await backfilled.locator('td[data-label="Rows"]').textContent()).toBe(ROWS.toLocaleString('en-US'));
  });

  it('shows a suspect run (reconcile: count) with its badge, its three numbers and the mismatch', async () => {
    const name = uniqueName('ui-recon');
    names.push(name);
    // Not repeatable: 100 rows at the count, 200 at the read (see test/integration/reconcile.test.ts).
    const query = `SELECT g AS id FROM generate_series(1, 100 * (SELECT set_config('recon.pass',
      (COALESCE(NULLIF(current_setting('recon.pass', true), ''), '0')::int + 1)::text, true)::int)) g`;
    const created = await adminApi(
      'POST',
      '/api/scheduler/scheduling',
      schedulingBody(name, {
        source: 'slow',
        query,
        reconcile: 'count',
        kafka_config: { topic, message_key_field: 'id' },
      }),
    );
    expect(created.status).toBe(201);
    const page = await signedIn('/scheduler', 'operate');
    const workflowId = await runNow(page, name);
    const suspect = page.locator(`tr[data-workflow-id="${workflowId}"][data-status="suspect"]`);
    await suspect.waitFor();
    expect(await suspect.locator('td[data-label="Status"]').textContent()).toContain('suspect');
    expect(await suspect.getByTestId('query-count').textContent()).toBe('100');
    expect(await suspect.getByTestId('rows-read').textContent()).toBe('200');
    expect(await suspect.getByTestId('rows-delivered').textContent()).toBe('200');
    expect(await suspect.locator('td[data-label="Error"]').textContent()).toContain(
      'counted 100 rows but the export read 200',
    );
    await page.getByTestId('filter-status').selectOption('suspect');
    await suspect.waitFor();
    await screenshot(page, 'scheduler-suspect-run.png');
  });

  it("shows the server's validation error next to the cron field and creates nothing", async () => {
    const page = await signedIn('/scheduler', 'admin');
    const name = uniqueName('ui-bad');
    await page.getByRole('button', { name: 'New scheduling' }).click();
    const form = page.getByTestId('scheduling-form');
    await form.getByLabel('Name').fill(name);
    await form.getByLabel('Cron expression').fill('61 * * * *');
    await form.getByLabel('SQL query').fill('SELECT * FROM orders ORDER BY order_id');
    await form.getByLabel('Topic').fill(topic);
    await form.getByRole('button', { name: 'Create scheduling' }).click();

    const error = page.getByTestId('error-f-cron');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/cron expression.*61.*0-59/);
    expect(await form.getByLabel('Cron expression').getAttribute('aria-invalid')).toBe('true');
    // The keyboard is taken to the field in error.
    expect(await page.evaluate<string | undefined>('document.activeElement?.id')).toBe('f-cron');
    await expect(stack.client.schedule.getHandle(scheduleIdOf(name)).describe()).rejects.toThrow(ScheduleNotFoundError);
  });

  it('edits a scheduling through the form and deletes one after confirmation', async () => {
    const page = await signedIn('/scheduler', 'admin');
    const [kept, removed] = [names[0]!, names[1]!];
    await row(page, kept).getByRole('button', { name: /Edit/ }).click();
    const form = page.getByTestId('scheduling-form');
    await form.getByLabel('Description').fill('edited in the browser');
    await form.getByLabel('Batch size (rows per send)').fill('250');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await page
      .getByTestId('toast')
      .filter({ hasText: `${kept} saved` })
      .waitFor();
    const edited = (await stack.client.schedule.getHandle(scheduleIdOf(kept)).describe()).action;
    expect(edited.type === 'startWorkflow' && edited.args?.[0]).toMatchObject({
      scheduling: {
        description: 'edited in the browser',
        kafka_config: { batch_size: 250, topic, message_key_field: 'order_id' },
      },
    });

    await row(page, removed)
      .getByRole('button', { name: /Delete/ })
      .click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page
      .getByTestId('toast')
      .filter({ hasText: `${removed} deleted` })
      .waitFor();
    await row(page, removed).waitFor({ state: 'detached' });
    await expect(stack.client.schedule.getHandle(scheduleIdOf(removed)).describe()).rejects.toThrow(
      ScheduleNotFoundError,
    );
  });

  it('lays both pages out at 1280 px and at 390 px without sideways scrolling, and saves screenshots', async () => {
    for (const [label, viewport] of [
      ['desktop', DESKTOP],
      ['mobile', MOBILE],
    ] as const) {
      const dashboard = await signedIn('/', 'admin', viewport);
      // The earlier runs' messages, recorded by the worker's producer, are counted today.
      await dashboard.getByTestId('stat-messages').locator('.stat-value').filter({ hasText: /[1-9]/ }).waitFor();
      await dashboard.getByTestId('kafka-badge').filter({ hasText: 'Connected' }).waitFor();
      expect(await dashboard.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
        viewport.width,
      );
      await screenshot(dashboard, `dashboard-${label}.png`);

      const scheduler = await signedIn('/scheduler', 'admin', viewport);
      await scheduler.getByTestId('history').waitFor();
      expect(await scheduler.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
        viewport.width,
      );
      await screenshot(scheduler, `scheduler-${label}.png`);
    }
  });

  const broker = kafkaBroker();
  const maybe = broker.externalReason ? it.skip : it;
  maybe(
    'shows Kafka Disconnected after the broker stops and Connected again after it restarts',
    async () => {
      const page = await signedIn('/', 'read');
      const badge = page.getByTestId('kafka-badge');
      await page.locator('[data-testid="kafka-badge"][data-status="healthy"]').waitFor();
      expect(await badge.textContent()).toContain('🟢 Connected');
      try {
        // Only a broker this checkout started (its pid file in this data folder) can be stopped here: say so, not time out.
        expect({ stopped: await broker.stop(), status: await statusOf(broker) }).toEqual({
          stopped: true,
          status: 'stopped',
        });
        await page.locator('[data-testid="kafka-badge"][data-status="unhealthy"]').waitFor();
        expect(await badge.textContent()).toContain('🔴 Disconnected');
        expect(await page.getByTestId('kafka-last-error').textContent()).not.toBe('');
        await screenshot(page, 'dashboard-kafka-disconnected.png');
      } finally {
        await up([broker], () => undefined);
      }
      await page.locator('[data-testid="kafka-badge"][data-status="healthy"]').waitFor();
      expect(await badge.textContent()).toContain('🟢 Connected');
    },
    300_000,
  );
});
