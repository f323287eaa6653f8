/** Jest runs the TypeScript sources through esbuild (fast, no type check); `tsc --noEmit` type-checks in `npm test`. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': '<rootDir>/test/support/esbuild-transform.js' },
  setupFiles: ['<rootDir>/local/polyfills.js'],
  testTimeout: 60000,
  maxWorkers: 2,
};
