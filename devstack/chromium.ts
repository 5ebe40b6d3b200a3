import fs from 'node:fs';
import path from 'node:path';
import { logsDir } from '../core/paths';
import { onPath, runLogged } from './process';
import { ServiceError } from './service-error';

const NAME = 'chromium';
const FIX = 'apt-get install chromium, or set CHROMIUM_PATH to a Chromium or Chrome binary';

/**
 * The browser of the UI tests: Debian's Chromium, installed from the Debian packages on first use
 * (Playwright's own browser download cannot work on a machine that reaches only package registries).
 * CHROMIUM_PATH points at another binary.
 */
export async function ensureChromium(say: (line: string) => void = () => undefined): Promise<string> {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) {
    if (!fs.existsSync(configured))
      throw new ServiceError(NAME, `CHROMIUM_PATH ${configured} does not exist`, undefined, FIX);
    return configured;
  }
  const found = (await onPath('chromium')) ?? (await onPath('chromium-browser'));
  if (found) return found;
  if (process.getuid?.() !== 0 || !(await onPath('apt-get'))) {
    throw new ServiceError(NAME, 'Chromium is not installed', undefined, FIX);
  }
  say('chromium: installing Debian chromium for the browser tests');
  const log = path.join(logsDir(), 'chromium-install.log');
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  await runLogged(NAME, 'apt-get', ['update'], log, 'check that the Debian mirror is reachable', {
    timeoutMs: 10 * 60_000,
    env,
  });
  await runLogged(
    NAME,
    'apt-get',
    ['install', '-y', '--no-install-recommends', 'chromium', 'fonts-dejavu-core', 'fonts-noto-color-emoji'],
    log,
    FIX,
    {
      timeoutMs: 20 * 60_000,
      env,
    },
  );
  const installed = await onPath('chromium');
  if (!installed) throw new ServiceError(NAME, 'chromium is still not on PATH after apt-get install', log, FIX);
  return installed;
}
