import { ensureChromium } from '../devstack/chromium';
import { ensureDeployTools } from '../devstack/deploy-tools';
import { ensureSchemathesis } from '../devstack/schemathesis';
import { allServices, up } from '../devstack/stack';

/** `npm test` brings the real services up itself; already running ones are reused. */
export default async function globalSetup(): Promise<void> {
  const say = (line: string) => process.stdout.write(`  [services] ${line}\n`);
  await up(allServices(), say);
  // The browser tests' Chromium comes from the Debian packages; installing it can outlast a test hook's timeout.
  await ensureChromium(say);
  // The API fuzz test's schemathesis comes from PyPI, installed once into the tools folder.
  await ensureSchemathesis(say);
  // The docker/ and deploy/ checks' docker-compose and prometheus come from the Debian packages (its install time is printed).
  await ensureDeployTools(say);
}
