import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { ensureChromium } from '../../devstack/chromium';
import { PROJECT_ROOT } from '../../core/paths';

/** Screenshots of the browser tests, kept as CI artifacts. */
export const SCREENSHOT_DIR = path.join(PROJECT_ROOT, 'test-artifacts', 'screenshots');

export const DESKTOP = { width: 1280, height: 900 };
export const MOBILE = { width: 390, height: 844 };

/**
 * Debian's Chromium, headless, driven by playwright-core. The flags keep it off the network it
 * cannot reach here (background services, updates, QUIC) and let it run as root in CI; Playwright
 * gives it a new empty profile.
 */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = await ensureChromium((line) => process.stdout.write(`${line}\n`));
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}
