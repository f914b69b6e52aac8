/** Tests run TypeScript through SWC; type-checking is `npm run typecheck`. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/test/e2e/'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  maxWorkers: 2,
  testTimeout: 30000,
};
module.exports.globalSetup = '<rootDir>/test/support/global-setup.ts';
module.exports.globalTeardown = '<rootDir>/test/support/global-teardown.ts';
