// @ts-check
import eslint from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import prettierOff from 'eslint-config-prettier';
import importPlugin from 'eslint-plugin-import';
import { builtinModules } from 'node:module';

/**
 * Every Node builtin, bare and `node:`-prefixed, as the Temporal `expense` sample computes it: none is
 * allowed in the deterministic workflow sandbox, and a builtin added by a newer Node is banned too.
 */
const sandboxBanned = builtinModules.flatMap((m) => (m.startsWith('node:') ? [m] : [m, `node:${m}`]));

/**
 * The layer table of docs/ARCHITECTURE.md: each folder and the folders it must not import from.
 * Data flows one way (config → schedule → workflow → activities → stores → API/UI); the shared core imports none of them.
 */
const appFolders = ['workflows', 'activities', 'worker', 'api', 'ui', 'cli', 'scripts', 'devstack', 'bench', 'test'];
const layers = {
  core: appFolders,
  workflows: ['worker', 'api', 'ui', 'cli', 'scripts', 'devstack', 'bench', 'test'],
  activities: ['workflows', 'worker', 'api', 'ui', 'cli', 'scripts', 'devstack', 'bench', 'test'],
  worker: ['api', 'ui', 'cli', 'scripts', 'devstack', 'bench', 'test'],
  api: ['workflows', 'activities', 'worker', 'ui', 'cli', 'scripts', 'devstack', 'bench', 'test'],
  devstack: ['workflows', 'activities', 'worker', 'api', 'ui', 'cli', 'scripts', 'bench', 'test'],
  // The operator pages talk to the API over HTTP; of the server they import api/contract.ts alone (zone below).
  ui: ['core', 'workflows', 'activities', 'worker', 'cli', 'scripts', 'devstack', 'bench', 'test'],
  // The pstt command reaches a running PSTT over its HTTP API (api/contract.ts for the shapes, zone below).
  cli: ['workflows', 'activities', 'worker', 'ui', 'scripts', 'devstack', 'bench', 'test'],
};
const layerZones = [
  ...Object.entries(layers).flatMap(([target, banned]) =>
    banned.map((from) => ({
      target: `./${target}`,
      from: `./${from}`,
      message: `${target}/ may not import from ${from}/ (layer table in docs/ARCHITECTURE.md).`,
    })),
  ),
  ...['ui', 'cli'].map((target) => ({
    target: `./${target}`,
    from: './api',
    except: ['./contract.ts'],
    message: `${target}/ may import only api/contract.ts of the API (layer table in docs/ARCHITECTURE.md).`,
  })),
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'ui/dist/', '.tools/', 'data/', 'coverage/', 'test-artifacts/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', '*.mjs', 'test/support/*.js', 'bin/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['*.js', '*.mjs', 'test/support/*.js', 'bin/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The operator pages run in the browser.
    files: ['ui/src/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
  },
  {
    // HTTP response bodies in tests are untyped JSON; the assertions are what checks them.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  {
    // CommonJS entry points and configs.
    files: ['*.js', 'test/support/*.js', 'bin/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no I/O, clocks or randomness.
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: sandboxBanned,
          patterns: [
            {
              group: ['@platformatic/kafka', 'pg', 'pg-*', 'mssql', 'better-sqlite3', 'nodemailer', 'express', 'pino'],
              message: 'I/O belongs in activities/.',
            },
            {
              group: ['@temporalio/activity', '@temporalio/client', '@temporalio/worker'],
              message: 'Workflows import @temporalio/workflow only.',
            },
            {
              group: ['../activities', '../activities/*'],
              message: 'Import activities as types only.',
              allowTypeImports: true,
            },
          ],
        },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports' }],
    },
  },
  {
    // The layer rule: imports resolved to files, checked against the table above.
    plugins: { import: importPlugin },
    settings: { 'import/resolver': { node: { extensions: ['.ts', '.tsx', '.js', '.mjs'] } } },
    rules: { 'import/no-restricted-paths': ['error', { zones: layerZones }] },
  },
  // Formatting is prettier's job (npm run lint runs both); this turns off the rules that would fight it.
  prettierOff,
);
