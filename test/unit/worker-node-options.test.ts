import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { workerNodeOptions } from '../../worker/node-options';

const root = path.join(__dirname, '..', '..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

/** The node options before the entry point of a worker command line. */
function optionsOf(argv: string[]): string[] {
  return argv.slice(argv.indexOf('node') + 1, argv.indexOf('dist/worker/main.js'));
}

describe('worker node options', () => {
  it('are the same wherever a worker is started: npm start and the bench, npm run worker, the image, compose', () => {
    const expected = workerNodeOptions({});
    expect(expected).toEqual(['--max-old-space-size=256', '--max-semi-space-size=8']);
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(optionsOf(pkg.scripts.worker!.split(' '))).toEqual(expected);
    const cmd = /^CMD (\[.*\])$/m.exec(read('docker/Dockerfile'))?.[1];
    expect(optionsOf(JSON.parse(cmd!) as string[])).toEqual(expected);
    const compose = parse(read('docker/compose.yaml')) as { services: Record<string, { command?: string[] }> };
    const workers = Object.values(compose.services).filter((s) => s.command?.includes('dist/worker/main.js'));
    expect(workers.length).toBeGreaterThan(0);
    for (const w of workers) expect(optionsOf(w.command!)).toEqual(expected);
  });

  it('keep the heap bound an operator sets', () => {
    expect(workerNodeOptions({ PSTT_WORKER_HEAP_MB: '512' })).toContain('--max-old-space-size=512');
  });
});
