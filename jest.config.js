/** Jest runs the TypeScript sources through esbuild (fast, no type check); `tsc --noEmit` type-checks in `npm test`. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': '<rootDir>/test/support/esbuild-transform.js' },
  // The network guard fails any test that tries to reach a non-loopback address, before a packet leaves.
  setupFiles: ['<rootDir>/local/polyfills.js', '<rootDir>/test/support/network-guard.js'],
  testTimeout: 60000,
  maxWorkers: 2,
};
