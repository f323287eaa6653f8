/**
 * The suites the mutation run uses: every suite but those that run whole workflows many times over, which
 * would make each surviving mutant cost minutes. Those suites can only kill more mutants, so the score this
 * run gives is a lower bound on the whole suite's.
 */
const path = require('node:path');
const base = require('./jest.config');

const WHOLE_WORKFLOW_SUITES = [
  'test/workflow/e2e.test.ts',
  'test/intake/reruns.test.ts',
  'test/local-azure/async-fail-workflow.test.ts',
  'test/workflow/probe-recovery.test.ts',
  'test/workflow/tunnels-diagnosis.test.ts',
  'test/iam/simulate.test.ts',
  'test/cli/serve.test.ts',
  'test/cdk/bundling.test.ts',
  'test/arm-models/round-trip.test.ts',
  'test/local-azure/arm.test.ts',
  // Each of these runs the local workflow, or synthesizes the stack, in a hook that many tests share; the fast
  // suites beside them call the same functions directly.
  'test/workflow/resolver-rerun.test.ts',
  'test/workflow/retries-and-permissions.test.ts',
  'test/workflow/request-safety.test.ts',
  'test/local-azure/faults.test.ts',
  'test/local-aws/faults.test.ts',
  'test/cli/end-to-end.test.ts',
  'test/intake/notify.test.ts',
  'test/local-runner/runner.test.ts',
  'test/local-runner/clouds.test.ts',
];

module.exports = {
  ...base,
  // findRelatedTests follows imports only through the roots jest maps.
  roots: ['test', 'functions', 'local', 'cdk', 'cli'].map((dir) => `<rootDir>/${dir}`),
  // Gives what a beforeAll hook reaches to the tests of its block (see the file).
  testEnvironment: path.join(__dirname, 'test/support/mutation-environment.js'),
  // Runs, for each mutant, only the files that hold the tests Stryker names (see the file).
  testSequencer: path.join(__dirname, 'test/support/mutation-sequencer.js'),
  // Makes the handlers the local runner loads by path visible to findRelatedTests (see the file).
  dependencyExtractor: path.join(__dirname, 'test/support/mutation-dependencies.js'),
  testPathIgnorePatterns: ['/node_modules/', ...WHOLE_WORKFLOW_SUITES.map((suite) => `<rootDir>/${suite}`)],
};
