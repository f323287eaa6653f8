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
    return sorted.filter((test) => files.has(test.path));
  }
}

module.exports = MutationSequencer;
module.exports.testNamesIn = testNamesIn;
