/** Jest runs the TypeScript sources directly: ts-jest only transpiles (isolatedModules),
 * the type check is `npm run typecheck`, which keeps each test file's start-up short. */
module.exports = {
  roots: ['<rootDir>/test'],
  testEnvironment: 'node',
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
  },
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 30000,
};
