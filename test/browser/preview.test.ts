/**
 * The scheduling form's "Preview" button in a real browser (Debian's Chromium driven by
 * playwright-core) against the real stack: the unsaved scheduling's sample messages and problems
 * are shown, and nothing is saved.
 */
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ensureTopic } from '../../core/kafka/topics';
import { buildUi } from '../../scripts/build-ui';
import { startApiStack, type ApiStack } from '../support/api-stack';
import { DESKTOP, launchBrowser, SCREENSHOT_DIR } from '../support/browser';
import { deleteTopic, testKafka } from '../support/kafka';
import { uniqueName } from '../support/names';

const PAGE_DEADLINE_MS = 60_000;

describe('the scheduling form previews before saving (real browser)', () => {
  const kafka = testKafka();
  const topic = uniqueName('prev-ui');
  let stack: ApiStack;
  let baseUrl: string;
  let browser: Browser;
  let context: BrowserContext | undefined;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    await buildUi();
    await ensureTopic(kafka, topic, 3);
    stack = await startApiStack({ rows: 50 });
    baseUrl = await stack.listen();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close();
    await stack?.close();
    await deleteTopic(kafka, topic).catch(() => undefined);
  });

  async function signedInAdmin(): Promise<Page> {
    context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/i.test(message.text()))
        cspViolations.push(message.text());
    });
    page.setDefaultTimeout(PAGE_DEADLINE_MS);
    await page.goto(`${baseUrl}/scheduler`);
    await page.getByLabel('API token').fill(stack.tokens.admin);
    await page.getByLabel('API token').press('Enter');
    await page.getByTestId('role').filter({ hasText: 'admin' }).waitFor();
    return page;
  }

  it('shows the sample messages of an unsaved scheduling, then its problems after a change, and saves nothing', async () => {
    const page = await signedInAdmin();
    const name = uniqueName('prev-ui');
    await page.getByRole('button', { name: 'New scheduling' }).click();
    const form = page.getByTestId('scheduling-form');
    await form.getByLabel('Name').fill(name);
    await form.getByLabel('SQL query').fill('SELECT order_id, customer, amount FROM orders ORDER BY order_id');
    await form.getByLabel('Topic').fill(topic);
    await form.getByLabel('Message key field').fill('order_id');
    await form.getByRole('button', { name: 'Preview' }).click();

    const panel = page.getByTestId('preview');
    await panel.getByTestId('preview-ok').waitFor();
    const messages = panel.getByTestId('preview-message');
    expect(await messages.count()).toBe(10);
    const first = messages.first();
    expect(await first.locator('td[data-label="Key"]').textContent()).toBe('1');
    expect(['0', '1', '2']).toContain(await first.locator('td[data-label="Partition"]').textContent());
    expect(JSON.parse((await first.locator('td[data-label="Value"]').textContent()) ?? '')).toMatchObject({
      order_id: 1,
    });
    expect(await panel.getByTestId('preview-columns').textContent()).toContain('order_id integer');
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'scheduling-preview.png'), fullPage: true });

    // A key field the query lacks: the preview says so, on its field.
    await form.getByLabel('Message key field').fill('order_no');
    await form.getByRole('button', { name: 'Preview' }).click();
    const problems = page.getByTestId('preview-problems');
    await problems.waitFor();
    expect(await problems.textContent()).toContain(
      'kafka_config.message_key_field: "order_no" is not among the query\'s columns',
    );

    const listed = await fetch(`${baseUrl}/api/scheduler/scheduling/${name}`, { headers: stack.bearer('read') });
    expect(listed.status).toBe(404);
    expect(cspViolations).toEqual([]);
  });
});
