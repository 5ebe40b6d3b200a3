import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tokensOf } from '../../api/api-deps';
import { generatedTokenNotice } from '../../api/auth';

/** What `work` writes to stdout (where `npm start`, a Windows service or Docker keep it in logs). */
function stdoutOf(work: () => void): string {
  const written: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    work();
  } finally {
    spy.mockRestore();
  }
  return written.join('');
}

describe('the generated admin token', () => {
  const previous = process.env.PSTT_DATA_DIR;
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pstt-token-'));
    process.env.PSTT_DATA_DIR = dir;
  });

  afterEach(() => {
    if (previous === undefined) delete process.env.PSTT_DATA_DIR;
    else process.env.PSTT_DATA_DIR = previous;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('goes only to its 0600 file: the console gets the path, never the token', () => {
    let tokens: ReturnType<typeof tokensOf> = [];
    const output = stdoutOf(() => {
      tokens = tokensOf([]);
    });
    const file = path.join(dir, 'api-admin-token');
    const token = tokens[0]?.token ?? '';
    expect(tokens).toEqual([
      { name: 'generated-admin', role: 'admin', token: expect.stringMatching(/^[A-Za-z0-9_-]{40,}$/) },
    ]);
    expect(fs.readFileSync(file, 'utf8').trim()).toBe(token);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(output).toBe(`${generatedTokenNotice(file)}\n`);
    expect(output).toContain(file);
    expect(output).not.toContain(token);

    // Later starts read the same file and say nothing.
    expect(stdoutOf(() => expect(tokensOf([])[0]?.token).toBe(token))).toBe('');
  });

  it('the notice that npm start prints names the file and holds no token', () => {
    const file = path.join(dir, 'api-admin-token');
    fs.writeFileSync(file, 'a-secret-token-value\n', { mode: 0o600 });
    expect(generatedTokenNotice(file)).toContain(file);
    expect(generatedTokenNotice(file)).not.toContain('a-secret-token-value');
  });
});
