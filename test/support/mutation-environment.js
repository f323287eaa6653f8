/**
 * The Jest environment of the mutation run (jest.mutation.config.js).
 *
 * Stryker gives the code a test reaches to that test, so that a mutant runs only the tests that reach it. Code a
 * `beforeAll` or `afterAll` hook runs (here, often a whole workflow run that a block's tests then read) reaches no
 * test in its eyes: Stryker counts it as static and runs every suite for each such mutant. This environment gives
 * a hook's coverage to every test of the hook's block instead, which is what running one of those tests runs.
 * In that first run it also records which file holds which test, for mutation-sequencer.js.
 */
const { TestEnvironment } = require('jest-environment-node');
const { recordTestFile } = require('./mutation-test-files');

function blockName(block) {
  return block.parent ? `${blockName(block.parent)} ${block.name}`.trimStart() : '';
}

/** Full test names as Stryker's jest runner spells them: the describe names, then the test's, space-separated. */
function testNamesUnder(block) {
  return block.children.flatMap((child) => (child.type === 'test' ? [`${blockName(block)} ${child.name}`.trimStart()] : testNamesUnder(child)));
}

class MutationEnvironment extends TestEnvironment {
  #openHook;
  #hooksSeen = 0;
  #testPath;

  constructor(config, context) {
    super(config, context);
    this.#testPath = context.testPath;
  }

  strykerContext() {
    return this.global[this.global.__strykerGlobalNamespace__ ?? '__stryker__'];
  }

  async handleTestEvent(event, state) {
    const context = this.strykerContext();
    if (!context) return;
    // Stryker names the mutant under test in this variable; without one, this is its first run.
    if (event.name === 'run_finish' && !process.env.__STRYKER_ACTIVE_MUTANT__) {
      recordTestFile(this.#testPath, testNamesUnder(state.rootDescribeBlock));
    }
    if (event.name === 'hook_start' && (event.hook.type === 'beforeAll' || event.hook.type === 'afterAll')) {
      this.#openHook = { id: `stryker hook ${++this.#hooksSeen}`, block: event.hook.parent };
      context.currentTestId = this.#openHook.id;
    } else if ((event.name === 'hook_success' || event.name === 'hook_failure') && this.#openHook) {
      const { id, block } = this.#openHook;
      this.#openHook = undefined;
      context.currentTestId = undefined;
      const perTest = context.mutantCoverage?.perTest;
      const reached = perTest?.[id];
      if (!reached) return;
      delete perTest[id];
      for (const name of testNamesUnder(block)) {
        const into = (perTest[name] ??= {});
        for (const [mutant, hits] of Object.entries(reached)) into[mutant] = (into[mutant] ?? 0) + hits;
      }
    }
  }
}

module.exports = MutationEnvironment;
