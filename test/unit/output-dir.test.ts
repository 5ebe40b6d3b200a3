import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkOutputDir, type ForbiddenPlaces } from '../../core/files/output-dir';

/** The output-folder rule on a real file system (temporary folders and links), without Temporal. */
describe('checkOutputDir', () => {
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'gate-outdir-')));
  const data = path.join(base, 'data');
  const ui = path.join(base, 'ui', 'dist');
  const forbidden: ForbiddenPlaces = { dataDir: data, uiDir: ui };
  const config = (...allowed_roots: string[]) => ({ baseDir: base, files: { allowed_roots } });

  beforeAll(() => {
    fs.mkdirSync(path.join(data, 'exports'), { recursive: true });
    fs.mkdirSync(ui, { recursive: true });
    fs.mkdirSync(path.join(base, 'elsewhere'));
    fs.symlinkSync(path.join(base, 'nowhere'), path.join(data, 'exports', 'dangling'));
    fs.symlinkSync(path.join(data, 'exports'), path.join(base, 'shortcut'));
  });

  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

  it('reads relative folders and roots from the config file folder, and allows folders still to be created', async () => {
    await expect(checkOutputDir('data/exports', config('data/exports'), forbidden)).resolves.toEqual({
      dir: path.join(data, 'exports'),
    });
    await expect(checkOutputDir('data/exports/a/b', config('data/exports'), forbidden)).resolves.toEqual({
      dir: path.join(data, 'exports', 'a', 'b'),
    });
    // A root that does not exist yet is still a root.
    await expect(checkOutputDir('later/x', config('later'), forbidden)).resolves.toEqual({
      dir: path.join(base, 'later', 'x'),
    });
  });

  it('follows a link that stays inside a root, and writes to where it leads', async () => {
    await expect(checkOutputDir('shortcut/daily', config('data/exports'), forbidden)).resolves.toEqual({
      dir: path.join(data, 'exports', 'daily'),
    });
  });

  it.each([
    ['a sibling of the root', 'elsewhere'],
    ['a ../ way out of the root', 'data/exports/../../elsewhere'],
    ['an absolute folder', '/'],
    ['a prefix that only looks like the root', 'data/exports-old'],
  ])('refuses %s', async (_case, outputDir) => {
    const check = await checkOutputDir(outputDir, config('data/exports'), forbidden);
    expect(check).toEqual({
      problem: expect.stringMatching(/^must lie under one of files\.allowed_roots \(.*data\/exports\)/),
    });
  });

  it('refuses a link inside the root whose target does not exist (mkdir would follow it)', async () => {
    const check = await checkOutputDir('data/exports/dangling/x', config('data/exports'), forbidden);
    expect(check).toEqual({
      problem: `${path.join(data, 'exports', 'dangling')} is a symbolic link to a missing target`,
    });
  });

  it('refuses the data folder and the UI folder even when a root holds them', async () => {
    await expect(checkOutputDir('data', config('.'), forbidden)).resolves.toEqual({
      problem: `must not be the data folder (${data})`,
    });
    for (const dir of ['ui/dist', 'ui/dist/assets', 'shortcut/../ui/dist']) {
      await expect(checkOutputDir(dir, config('.'), forbidden)).resolves.toEqual({
        problem: `must not be inside the UI's folder (${ui}), which the API serves without a token`,
      });
    }
  });

  it('refuses a folder below a file', async () => {
    fs.writeFileSync(path.join(data, 'exports', 'a-file'), '');
    const check = await checkOutputDir('data/exports/a-file/x', config('data/exports'), forbidden);
    expect(check).toEqual({ problem: expect.stringContaining('is not a folder') });
  });
});
