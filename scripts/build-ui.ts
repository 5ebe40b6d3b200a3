/**
 * `npm run build`: bundles the operator pages from ui/ into ui/dist (not committed), which the API
 * serves at `/` and `/scheduler`. esbuild compiles the TSX (Preact) and bundles uPlot and its CSS.
 */
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { PROJECT_ROOT } from '../core/paths';

const UI = path.join(PROJECT_ROOT, 'ui');
const OUT = path.join(UI, 'dist');

/** The pages: file, bundle and title. The dashboard also has the CSS its bundle imports (uPlot's). */
const PAGES = [
  { file: 'index.html', entry: 'dashboard', title: 'Dashboard', css: true },
  { file: 'scheduler.html', entry: 'scheduler', title: 'Scheduler', css: false },
] as const;

function pageHtml(page: (typeof PAGES)[number]): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>PSTT · ${page.title}</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="/styles.css" />${page.css ? `\n    <link rel="stylesheet" href="/${page.entry}.css" />` : ''}
    <script type="module" src="/${page.entry}.js"></script>
  </head>
  <body>
    <a class="skip" href="#main">Skip to content</a>
    <div id="app"><noscript>The PSTT pages need JavaScript.</noscript></div>
  </body>
</html>
`;
}

export async function buildUi(): Promise<string> {
  // Written beside, then swapped in: a running API never serves a half-built page.
  const staging = `${OUT}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  await build({
    entryPoints: Object.fromEntries(PAGES.map((p) => [p.entry, path.join(UI, 'src', `${p.entry}.tsx`)])),
    outdir: staging,
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    logLevel: 'warning',
    legalComments: 'linked',
  });
  for (const page of PAGES) fs.writeFileSync(path.join(staging, page.file), pageHtml(page));
  fs.copyFileSync(path.join(UI, 'styles.css'), path.join(staging, 'styles.css'));
  const old = `${OUT}.old-${process.pid}`;
  if (fs.existsSync(OUT)) fs.renameSync(OUT, old);
  fs.renameSync(staging, OUT);
  fs.rmSync(old, { recursive: true, force: true });
  return OUT;
}

if (require.main === module) {
  buildUi().then(
    (out) => process.stdout.write(`ui: built ${path.relative(PROJECT_ROOT, out)}\n`),
    (err: unknown) => {
      process.stderr.write(`ui: build failed: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
