/**
 * The test sequencer of the mutation run (jest.mutation.config.js).
 *
 * For each mutant Stryker names the tests that reach it (as jest's testNamePattern) but jest still loads every
 * related test file to find them, and loading a file costs more than most of its tests. The mutation environment
 * records, during Stryker's first run, which file each test is in; this sequencer then runs only the files that
 * hold a named test. Without a pattern (the first run, or a mutant every test must face) it runs them all.
 */
const Sequencer = require('@jest/test-sequencer').default;
const { filesOfTests } = require('./mutation-test-files');

/** Stryker writes the pattern as `(name)|(name)|…`, each name regex-escaped. */
function testNamesIn(pattern) {
  const names = [];
  let depth = 0;
  let current = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '\\') {
      current += pattern[i + 1] ?? '';
      i++;
    } else if (char === '(') {
      if (depth++ > 0) current += char;
    } else if (char === ')') {
      if (--depth > 0) current += char;
      else names.push(current), (current = '');
    } else if (depth > 0) current += char;
  }
  return names;
}

/**
 * Jest runs the slowest files first, to keep its workers busy; a mutant run stops at the first failing file, so
 * here the file that killed the last mutant goes first (neighbouring mutants fall to the same tests), then the
 * quickest ones. Files without a recorded duration go last.
 */
function quickestKillFirst(tests, hasFailed) {
  const order = (test) => test.duration ?? Number.POSITIVE_INFINITY;
  return [...tests].sort((a, b) => {
    const failedA = hasFailed(a);
    if (failedA !== hasFailed(b)) return failedA ? -1 : 1;
    return order(a) - order(b) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  });
}

class MutationSequencer extends Sequencer {
  constructor(options) {
    super(options);
    this.pattern = options?.globalConfig?.testNamePattern;
  }

  sort(tests) {
    const sorted = super.sort(tests);
    if (!this.pattern) return sorted;
    const files = filesOfTests(testNamesIn(this.pattern));
    if (!files) return sorted;
    return quickestKillFirst(
      sorted.filter((test) => files.has(test.path)),
      (test) => this.hasFailed(test),
    );
  }
}

module.exports = MutationSequencer;
module.exports.testNamesIn = testNamesIn;
module.exports.quickestKillFirst = quickestKillFirst;
