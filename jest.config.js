// Application logs stay quiet in test output unless LOG_LEVEL asks for them.
process.env.LOG_LEVEL ??= 'silent';

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest'],
    '/node_modules/@platformatic/.+\\.js$': '<rootDir>/test/support/esm-transform.js',
  },
  // The Kafka client ships as ES modules only; see test/support/esm-transform.js.
  transformIgnorePatterns: ['/node_modules/(?!@platformatic/)'],
  // Starts PostgreSQL, Kafka and Temporal when they are not running (reuses them when they are).
  globalSetup: '<rootDir>/test/global-setup.ts',
  testTimeout: 180_000,
  // A leaked handle must not hang CI after the results are in; jest still names the leak in its output.
  forceExit: true,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
