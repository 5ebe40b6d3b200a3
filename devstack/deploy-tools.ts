import fs from 'node:fs';
import path from 'node:path';
import { logsDir } from '../core/paths';
import { onPath, runLogged } from './process';
import { ServiceError } from './service-error';

const NAME = 'deploy-tools';
/** Debian package of each command the deploy tests run (none of them needs a Docker engine). */
const PACKAGES = { 'docker-compose': 'docker-compose', prometheus: 'prometheus', promtool: 'prometheus' } as const;
export type DeployTool = keyof typeof PACKAGES;
const FIX = `apt-get install --no-install-recommends ${[...new Set(Object.values(PACKAGES))].join(' ')}`;

export interface DeployTools {
  paths: Record<DeployTool, string>;
  /** Wall time of the apt-get run, in milliseconds; 0 when every tool was already installed. */
  installMs: number;
}

/**
 * The tools that check docker/ without a Docker engine: Debian's `docker-compose` (compose v1, whose
 * `config` only parses) and `prometheus` (the server and promtool), installed from the Debian packages on
 * first use, as devstack/chromium.ts installs Chromium. apt-get's run time is returned: CI has a budget.
 */
export async function ensureDeployTools(say: (line: string) => void = () => undefined): Promise<DeployTools> {
  const find = async () => {
    const found: Partial<Record<DeployTool, string>> = {};
    for (const tool of Object.keys(PACKAGES) as DeployTool[]) found[tool] = await onPath(tool);
    return found;
  };
  let found = await find();
  const missing = (Object.keys(PACKAGES) as DeployTool[]).filter((t) => !found[t]);
  let installMs = 0;
  if (missing.length) {
    if (process.getuid?.() !== 0 || !(await onPath('apt-get'))) {
      throw new ServiceError(NAME, `${missing.join(', ')} not installed`, undefined, FIX);
    }
    const packages = [...new Set(missing.map((t) => PACKAGES[t]))];
    say(`deploy tools: installing Debian ${packages.join(', ')} for the docker/ and deploy/ checks`);
    const log = path.join(logsDir(), 'deploy-tools-install.log');
    const env = { DEBIAN_FRONTEND: 'noninteractive' };
    // Another apt-get on the machine holds dpkg's lock for a while: wait for it rather than fail.
    const lock = ['-o', 'DPkg::Lock::Timeout=600'];
    const started = Date.now();
    await runLogged(NAME, 'apt-get', [...lock, 'update'], log, 'check that the Debian mirror is reachable', {
      timeoutMs: 10 * 60_000,
      env,
    });
    await runLogged(NAME, 'apt-get', [...lock, 'install', '-y', '--no-install-recommends', ...packages], log, FIX, {
      timeoutMs: 15 * 60_000,
      env,
    });
    installMs = Date.now() - started;
    fs.appendFileSync(log, `installed ${packages.join(' ')} in ${installMs} ms\n`);
    say(`deploy tools: installed in ${(installMs / 1000).toFixed(1)} s`);
    found = await find();
  }
  const still = (Object.keys(PACKAGES) as DeployTool[]).filter((t) => !found[t]);
  if (still.length)
    throw new ServiceError(NAME, `${still.join(', ')} still not on PATH after apt-get install`, undefined, FIX);
  return { paths: found as Record<DeployTool, string>, installMs };
}
