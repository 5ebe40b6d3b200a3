// The fault drill (`npm run test:faults`): the same set-up as jest.config.js, for the suites that
// stop, freeze or kill the real services. Run it on its own, never beside other tests.
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/faults'],
  testMatch: ['**/*.fault.ts'],
  testTimeout: 600_000,
};
