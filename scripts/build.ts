/**
 * `npm run build`: the application compiled to JavaScript in dist/ (esbuild, one .js per .ts, CommonJS;
 * types are checked by `npm test`), the workflows bundled once into dist/workflow-bundle.js (what the
 * compiled worker loads instead of webpacking them at every start), and the operator pages (ui/dist).
 * `--if-stale` builds only when a source changed since the last build (`npm start` runs it first).
 */
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { build, type BuildOptions } from 'esbuild';
import { DIST_DIR, PROJECT_ROOT, WORKFLOW_BUNDLE_FILE } from '../core/paths';
import { buildUi } from './build-ui';
import { compiledSources, sourceHash } from './build-sources';

/** Written last into dist/: the hash of the sources it was built from. */
const BUILD_INFO = 'build-info.json';
/** webpack's source map kind for the workflow bundle: inline (the worker requires it), lines of the TypeScript only. */
const WORKFLOW_SOURCE_MAP = 'inline-nosources-cheap-module-source-map';
/** The oldest Node the compiled code runs on (the engines field's lower bound). */
const NODE_TARGET = 'node20';

/** How each TypeScript file becomes JavaScript in dist/: also used by the benchmarks for their own entries. */
export const COMPILE_OPTIONS = {
  bundle: false,
  format: 'cjs',
  platform: 'node',
  target: NODE_TARGET,
  sourcemap: true,
  logLevel: 'warning',
} as const satisfies BuildOptions;

interface BuildInfo {
  sourceHash: string;
  builtAt: string;
}

/** What a complete build holds; a dist/ missing one of these is rebuilt whatever its hash says. */
const OUTPUTS = [
  path.join(DIST_DIR, 'worker', 'main.js'),
  WORKFLOW_BUNDLE_FILE,
  path.join(PROJECT_ROOT, 'ui', 'dist', 'index.html'),
];

function readBuildInfo(): BuildInfo | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(DIST_DIR, BUILD_INFO), 'utf8')) as BuildInfo;
  } catch {
    return null;
  }
}

/** Why dist/ must be rebuilt, or null when it was built from the current sources. */
export function staleReason(hash = sourceHash()): string | null {
  const info = readBuildInfo();
  if (!info) return 'no build yet';
  const missing = OUTPUTS.find((f) => !fs.existsSync(f));
  if (missing) return `${path.relative(PROJECT_ROOT, missing)} is missing`;
  return info.sourceHash === hash ? null : 'sources changed since the last build';
}

/** The bundler's webpack statistics are noise here; its warnings and errors are not. */
const bundlerLogger = {
  log: (level: string, message: string) => {
    if (level === 'WARN' || level === 'ERROR') process.stderr.write(`build: workflow bundle: ${message}\n`);
  },
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => process.stderr.write(`build: workflow bundle: ${message}\n`),
  error: (message: string) => process.stderr.write(`build: workflow bundle: ${message}\n`),
};

/** Puts `staging` in place of `target`, retrying when another build swaps its own in meanwhile. */
function swapIn(staging: string, target: string): void {
  const old = `${target}.old-${process.pid}`;
  for (let attempt = 1; ; attempt++) {
    fs.rmSync(old, { recursive: true, force: true });
    try {
      if (fs.existsSync(target)) fs.renameSync(target, old);
      fs.renameSync(staging, target);
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (attempt >= 5 || (code !== 'ENOENT' && code !== 'ENOTEMPTY' && code !== 'EEXIST')) throw err;
    }
  }
  fs.rmSync(old, { recursive: true, force: true });
}

/**
 * Builds everything into a staging folder, then swaps it in for dist/, so that a process starting
 * meanwhile never loads half a build. Returns what it did, one line per part.
 */
export async function buildApp(): Promise<string[]> {
  const hash = sourceHash();
  const staging = `${DIST_DIR}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  const lines: string[] = [];
  try {
    let started = performance.now();
    const sources = compiledSources();
    await build({
      entryPoints: sources.map((f) => path.join(PROJECT_ROOT, f)),
      outbase: PROJECT_ROOT,
      outdir: staging,
      ...COMPILE_OPTIONS,
    });
    lines.push(`compiled ${sources.length} files into dist/ in ${Math.round(performance.now() - started)} ms`);

    started = performance.now();
    const { code } = await bundleWorkflowCode({
      workflowsPath: path.join(PROJECT_ROOT, 'workflows'),
      logger: bundlerLogger,
      // The worker needs an inline source map (it maps workflow stack traces with it); without the
      // sources' text and columns it is a third of the default's size, and the worker ~15 MB smaller.
      webpackConfigHook: (config) => ({ ...config, devtool: WORKFLOW_SOURCE_MAP }),
    });
    fs.writeFileSync(path.join(staging, path.basename(WORKFLOW_BUNDLE_FILE)), code);
    lines.push(
      `bundled the workflows into dist/${path.basename(WORKFLOW_BUNDLE_FILE)} ` +
        `(${Math.round(code.length / 1024)} KiB) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );

    lines.push(`built ${path.relative(PROJECT_ROOT, await buildUi())} (the operator pages)`);
    const info: BuildInfo = { sourceHash: hash, builtAt: new Date().toISOString() };
    fs.writeFileSync(path.join(staging, BUILD_INFO), `${JSON.stringify(info, null, 2)}\n`);
    swapIn(staging, DIST_DIR);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return lines;
}

/** Builds when dist/ is missing or older than the sources; says which, on `say`. */
export async function ensureBuilt(say: (line: string) => void): Promise<void> {
  const reason = staleReason();
  if (!reason) {
    say('build: dist/ is up to date');
    return;
  }
  say(`build: ${reason}: building`);
  for (const line of await buildApp()) say(`build: ${line}`);
}

if (require.main === module) {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const ifStale = process.argv.includes('--if-stale');
  const done = ifStale ? ensureBuilt(say) : buildApp().then((lines) => lines.forEach((l) => say(`build: ${l}`)));
  done.catch((err: unknown) => {
    process.stderr.write(`build: failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
