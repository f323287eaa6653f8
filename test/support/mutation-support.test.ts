/**
 * The pieces that make the mutation run (`npm run mutation`) run each mutant against only the tests that reach it.
 * If one of them breaks, the run still passes but grows slow or, worse, skips tests that would kill a mutant.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
type Ordered = { path: string; duration?: number };
const { testNamesIn, quickestKillFirst } = require('./mutation-sequencer') as {
  testNamesIn: (pattern: string) => string[];
  quickestKillFirst: (tests: Ordered[], hasFailed: (test: Ordered) => boolean) => Ordered[];
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dependencies = require('./mutation-dependencies') as { extract(code: string, file: string, base: (code: string, file: string) => Set<string>): Set<string> };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const MutationEnvironment = require('./mutation-environment') as new (config: unknown, context: unknown) => {
  global: Record<string, unknown>;
  handleTestEvent(event: unknown, state: unknown): Promise<void>;
};

const ROOT = path.join(__dirname, '..', '..');

/** How Stryker's jest runner escapes each test name into the pattern (@stryker-mutator/util escapeRegExp). */
const escapeLikeStryker = (name: string) => name.replace(/[.*+\-?^${}()|[\]\\]/g, '\\$&');

test('the sequencer runs the file that killed the last mutant first, then the quickest, unknown durations last', () => {
  const tests: Ordered[] = [
    { path: '/t/slow.test.ts', duration: 9000 },
    { path: '/t/unknown.test.ts' },
    { path: '/t/quick.test.ts', duration: 200 },
    { path: '/t/killer.test.ts', duration: 5000 },
    { path: '/t/middle.test.ts', duration: 1000 },
  ];
  const order = quickestKillFirst(tests, (test) => test.path === '/t/killer.test.ts').map((test) => test.path);
  expect(order).toEqual([
    '/t/killer.test.ts',
    '/t/quick.test.ts',
    '/t/middle.test.ts',
    '/t/slow.test.ts',
    '/t/unknown.test.ts',
  ]);
});

test('the sequencer reads back the test names Stryker writes into the pattern, special characters included', () => {
  const names = ['plain name', 'a (parenthesised) name', 'dots. stars* plus+ ? ^ $ {1} [x] | back\\slash - dash', 'nested ((deep)) one'];
  const pattern = names.map((name) => `(${escapeLikeStryker(name)})`).join('|');
  expect(testNamesIn(pattern)).toEqual(names);
});

test('the dependency extractor links the local runner to every handler the catalog names, and nothing else to them', () => {
  const base = () => new Set<string>(['./already']);
  const lambdas = path.join(ROOT, 'local/runner/lambdas.ts');
  const found = dependencies.extract('', lambdas, base);
  const catalog = fs.readFileSync(path.join(ROOT, 'functions/catalog.ts'), 'utf8');
  const entries = [...catalog.matchAll(/entry:\s*'([^']+)'/g)].map((match) => match[1]);
  expect(entries.length).toBeGreaterThan(5);
  for (const entry of entries) expect(found).toContain(`./${path.relative(path.dirname(lambdas), path.join(ROOT, entry))}`);
  expect(found).toContain('./already');
  expect([...dependencies.extract('', path.join(ROOT, 'local/aws/server.ts'), base)]).toEqual(['./already']);
});

describe('the mutation environment', () => {
  const previousCwd = process.cwd();
  let sandbox: string;
  beforeEach(() => {
    sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'mutation-env-'));
    process.chdir(sandbox);
  });
  afterEach(() => {
    process.chdir(previousCwd);
    fs.rmSync(sandbox, { recursive: true, force: true });
  });

  function blockTree() {
    const root: any = { name: 'ROOT_DESCRIBE_BLOCK', children: [] };
    const outer: any = { name: 'outer', parent: root, children: [] };
    const inner: any = { name: 'inner', parent: outer, children: [] };
    outer.children.push({ type: 'test', name: 'first', parent: outer }, inner);
    inner.children.push({ type: 'test', name: 'second', parent: inner });
    root.children.push(outer, { type: 'test', name: 'elsewhere', parent: root });
    return { root, outer };
  }

  test("gives what a beforeAll hook reaches to every test of the hook's block, and to no other", async () => {
    const environment = new MutationEnvironment({ projectConfig: { testEnvironmentOptions: {} }, globalConfig: {} }, { testPath: '/x.test.ts', console, docblockPragmas: {} });
    const stryker = { mutantCoverage: { static: {}, perTest: {} as Record<string, Record<string, number>> }, currentTestId: undefined as string | undefined };
    environment.global.__stryker__ = stryker;
    const { root, outer } = blockTree();
    await environment.handleTestEvent({ name: 'hook_start', hook: { type: 'beforeAll', parent: outer } }, {});
    // What the instrumented code does while the hook runs: counts under the current test id.
    stryker.mutantCoverage.perTest[stryker.currentTestId!] = { '7': 2 };
    await environment.handleTestEvent({ name: 'hook_success', hook: { type: 'beforeAll', parent: outer } }, {});
    expect(stryker.currentTestId).toBeUndefined();
    expect(stryker.mutantCoverage.perTest).toEqual({ 'outer first': { '7': 2 }, 'outer inner second': { '7': 2 } });
    expect(stryker.mutantCoverage.static).toEqual({});

    // The first run also records which file holds which test, for the sequencer.
    await environment.handleTestEvent({ name: 'run_finish' }, { rootDescribeBlock: root });
    const record = JSON.parse(fs.readFileSync(path.join(sandbox, '.mutation-test-files.json'), 'utf8'));
    expect(record).toEqual({ 'outer first': ['/x.test.ts'], 'outer inner second': ['/x.test.ts'], elsewhere: ['/x.test.ts'] });
  });
});
