import fs from 'node:fs';
import path from 'node:path';
import { logsDir, toolsDir } from '../core/paths';
import { onPath, runLogged } from './process';
import { ServiceError } from './service-error';

const NAME = 'schemathesis';
/** Pinned: the fuzz test's options and report format are this version's. */
export const SCHEMATHESIS_VERSION = '4.32.5';
const FIX = `python3 -m venv .tools/schemathesis && .tools/schemathesis/bin/pip install schemathesis==${SCHEMATHESIS_VERSION}, or set SCHEMATHESIS_PATH to an st binary`;

/**
 * The API fuzzer of the OpenAPI test: schemathesis from PyPI, installed on first use into a virtual
 * environment in the tools folder (the machine's Python, no system packages touched).
 * SCHEMATHESIS_PATH points at another `st` binary.
 */
export async function ensureSchemathesis(say: (line: string) => void = () => undefined): Promise<string> {
  const configured = process.env.SCHEMATHESIS_PATH;
  if (configured) {
    if (!fs.existsSync(configured))
      throw new ServiceError(NAME, `SCHEMATHESIS_PATH ${configured} does not exist`, undefined, FIX);
    return configured;
  }
  const venv = path.join(toolsDir(), 'schemathesis');
  const st = path.join(venv, 'bin', 'st');
  const marker = path.join(venv, `.installed-${SCHEMATHESIS_VERSION}`);
  if (fs.existsSync(marker)) return st;
  const python = (await onPath('python3')) ?? (await onPath('python'));
  if (!python)
    throw new ServiceError(
      NAME,
      'python3 not found',
      undefined,
      'install Python 3.9+ (apt-get install python3 python3-venv)',
    );
  say(`schemathesis: installing ${SCHEMATHESIS_VERSION} from PyPI into the tools folder (first time only)`);
  const log = path.join(logsDir(), 'schemathesis-install.log');
  fs.rmSync(venv, { recursive: true, force: true });
  await runLogged(NAME, python, ['-m', 'venv', venv], log, 'install python3-venv (apt-get install python3-venv)', {
    timeoutMs: 5 * 60_000,
  });
  await runLogged(
    NAME,
    path.join(venv, 'bin', 'pip'),
    ['install', '--quiet', `schemathesis==${SCHEMATHESIS_VERSION}`],
    log,
    'check that PyPI is reachable',
    { timeoutMs: 15 * 60_000 },
  );
  // Written last: an interrupted install is installed again next time.
  fs.writeFileSync(marker, '');
  return st;
}
