#!/usr/bin/env node
// The `pstt` command. In a source checkout it runs the TypeScript through tsx (always the code as it
// is); an installation without the sources (the Docker image) runs the compiled dist/cli/pstt.js.
const fs = require('node:fs');
const path = require('node:path');

const source = path.join(__dirname, '..', 'cli', 'pstt.ts');
if (fs.existsSync(source)) {
  require('tsx/cjs');
  require(source);
} else {
  require(path.join(__dirname, '..', 'dist', 'cli', 'pstt.js'));
}
