/**
 * The product's import graph: function folders share code only through functions/commons/ (or the top-level
 * declarations beside them, such as the catalog), and nothing under functions/ reaches local mode, the
 * command line, the CDK app or the tests. Read from the sources with the TypeScript pre-processor, so
 * `import`, `export ... from`, `require()` and `import()` types all count.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

const ROOT = path.join(__dirname, '..', '..');
const FUNCTIONS = path.join(ROOT, 'functions');
const COMMONS = path.join(FUNCTIONS, 'commons');
const OUTSIDE_THE_PRODUCT = ['local', 'cli', 'cdk', 'test', 'bin', 'scripts', 'statemachine'].map((dir) => path.join(ROOT, dir));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.(ts|js|mjs|cjs)$/.test(name) && !name.endsWith('.d.ts') ? [full] : [];
  });
}

/** Every module specifier a file names. */
function importsOf(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

/** The function folder a file belongs to (undefined for commons/ and the top-level files of functions/). */
function functionFolder(file: string): string | undefined {
  const [first, ...rest] = path.relative(FUNCTIONS, file).split(path.sep);
  if (rest.length === 0 || first === 'commons') return undefined;
  return first;
}

const within = (file: string, dir: string) => file === dir || file.startsWith(dir + path.sep);

/** What is wrong with one import of one product file: undefined when it is allowed. */
function importProblem(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined; // a package or a node: built-in
  const target = path.resolve(path.dirname(file), specifier);
  const from = path.relative(ROOT, file);
  const outside = OUTSIDE_THE_PRODUCT.find((dir) => within(target, dir));
  if (outside) return `${from} imports ${specifier}: functions/ never imports ${path.relative(ROOT, outside)}/`;
  if (!within(target, FUNCTIONS)) return `${from} imports ${specifier}, outside functions/`;
  const own = functionFolder(file);
  const theirs = functionFolder(target + (path.extname(target) ? '' : '.ts'));
  if (theirs !== undefined && theirs !== own) return `${from} imports ${specifier}: function folders share code only through functions/commons/`;
  if (own === undefined && within(file, COMMONS) && theirs !== undefined) return `${from} imports ${specifier}: commons/ never depends on a function folder`;
  return undefined;
}

function problemsIn(files: string[], read: (file: string) => string): string[] {
  return files.flatMap((file) => importsOf(read(file)).map((specifier) => importProblem(file, specifier)).filter((p): p is string => p !== undefined));
}

test('no function folder imports another function folder, commons/ none, and nothing under functions/ imports local/, cli/, cdk/ or test/', () => {
  const files = sourceFiles(FUNCTIONS);
  expect(files.length).toBeGreaterThan(40);
  expect(problemsIn(files, (file) => readFileSync(file, 'utf8'))).toEqual([]);
});

test('the check sees each kind of import it forbids', () => {
  const file = path.join(FUNCTIONS, 'notify-ticket', 'notify.ts');
  const commons = path.join(COMMONS, 'arm.ts');
  const forbidden: [string, string][] = [
    [file, "import { startRequest } from '../intake/intake';"],
    [file, "export { handleStatus } from '../environment-status/status';"],
    [file, "const runner = require('../../local/runner');"],
    [file, "type Options = import('../../cli/local').LocalOptions;"],
    [file, "import { synth } from '../../cdk/stack';"],
    [file, "import { FACTS } from '../../test/workflow/vpn-support';"],
    [commons, "import { ProbeCode } from '../probe-runner/probe-runner';"],
  ];
  for (const [from, text] of forbidden) expect([text, problemsIn([from], () => text)]).toEqual([text, [expect.any(String)]]);
  const allowed = "import { redact } from '../commons/redact';\nimport { notifyTicket } from './notify';\nimport { LAMBDAS } from '../catalog';\nimport { SFNClient } from '@aws-sdk/client-sfn';";
  expect(problemsIn([file], () => allowed)).toEqual([]);
});

test('local mode never imports the command line: the CLI drives local mode, not the other way round', () => {
  const LOCAL = path.join(ROOT, 'local');
  const CLI = path.join(ROOT, 'cli');
  const problems = sourceFiles(LOCAL).flatMap((file) =>
    importsOf(readFileSync(file, 'utf8'))
      .filter((specifier) => specifier.startsWith('.') && within(path.resolve(path.dirname(file), specifier), CLI))
      .map((specifier) => `${path.relative(ROOT, file)} imports ${specifier}`),
  );
  expect(problems).toEqual([]);
});
