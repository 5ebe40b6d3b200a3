#!/usr/bin/env node
// The `pstt` command: runs the TypeScript entry point through tsx.
require('tsx/cjs');
require('../scripts/pstt.ts');
