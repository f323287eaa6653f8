/**
 * Jest's dependency extractor for the mutation run (jest.mutation.config.js).
 *
 * Stryker runs, for each mutant, only the test files that depend on the mutated file (jest's findRelatedTests).
 * The local runner loads the Lambda handlers, the cloud clients and the callback checks by path at run time,
 * which a reading of `require` and `import` cannot see; this extractor adds those edges, so that a test that runs
 * the workflow counts as depending on every handler the catalog names.
 */
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');
const LOADED_BY_PATH = ['functions/commons/clients.ts', 'functions/commons/callback-url.ts'];
/** Files that load project modules by a path computed at run time. */
const LOADERS = ['local/runner/lambdas.ts', 'local/runner/index.ts', 'test/workflow/catalog-calls.test.ts'];

let entries;
function catalogEntries() {
  if (!entries) {
    const catalog = fs.readFileSync(path.join(ROOT, 'functions/catalog.ts'), 'utf8');
    entries = [...catalog.matchAll(/entry:\s*'([^']+)'/g)].map((match) => match[1]);
  }
  return entries;
}

module.exports = {
  extract(code, filePath, defaultExtract) {
    const dependencies = defaultExtract(code, filePath);
    const relative = path.relative(ROOT, filePath).split(path.sep).join('/');
    if (LOADERS.includes(relative)) {
      for (const target of [...catalogEntries(), ...LOADED_BY_PATH]) {
        dependencies.add(`./${path.relative(path.dirname(filePath), path.join(ROOT, target)).split(path.sep).join('/')}`);
      }
    }
    return dependencies;
  },
  // Part of jest's haste cache key, so that a change here re-reads the dependencies.
  getCacheKey() {
    return `mutation-dependencies-${fs.statSync(__filename).mtimeMs}-${catalogEntries().join(',')}`;
  },
};
