/**
 * The product carries no local-mode hook: local mode reaches the functions only through settings a deployment
 * also has (catalog-declared variables). Read from the sources with the TypeScript parser: no declaration under
 * functions/ is named as a switch for local mode or for tests, and no module exports a function that swaps a
 * module-level binding for the caller (the shape the old useLocalCallbackChecks had, whatever its name).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

const FUNCTIONS = path.join(__dirname, '..', '..', 'functions');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.ts$/.test(name) && !name.endsWith('.d.ts') ? [full] : [];
  });
}

/** Names that say "only for local mode or tests". */
const HOOK_NAME = /(^|[a-z_])(use|set|configure|enable|install|override|swap|with)Local[A-Z]|[Ll]ocal_?[Mm]ode|LOCAL_MODE|ForLocal|FOR_LOCAL|[Tt]estOnly|TEST_ONLY|For_?Tests?([A-Z_]|$)|FOR_TESTS?(_|$)|^__test/;

function declaredNames(source: ts.SourceFile): string[] {
  const names: string[] = [];
  const visit = (node: ts.Node) => {
    const name = (node as { name?: ts.Node }).name;
    if (name && (ts.isIdentifier(name) || ts.isStringLiteral(name))) {
      if (ts.isDeclarationStatement(node) || ts.isVariableDeclaration(node) || ts.isParameter(node) || ts.isPropertySignature(node) || ts.isPropertyDeclaration(node) || ts.isMethodDeclaration(node) || ts.isPropertyAssignment(node) || ts.isExportSpecifier(node)) {
        names.push(name.text);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return names;
}

/**
 * Exported functions whose body assigns a module-level `let` that is not only a cache of what it returns:
 * the caller swaps the module's behaviour for everyone (a hook). A memo assigned from the function's own
 * computation is allowed only when the function never takes that value from a parameter.
 */
function swappingExports(source: ts.SourceFile): string[] {
  const moduleLets = new Set<string>();
  for (const statement of source.statements) {
    if (ts.isVariableStatement(statement) && (statement.declarationList.flags & ts.NodeFlags.Let) !== 0) {
      for (const declaration of statement.declarationList.declarations) if (ts.isIdentifier(declaration.name)) moduleLets.add(declaration.name.text);
    }
  }
  const found: string[] = [];
  for (const statement of source.statements) {
    if (!ts.isFunctionDeclaration(statement) || !statement.name || !statement.body) continue;
    if (!statement.modifiers?.some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword)) continue;
    const parameters = new Set(statement.parameters.flatMap((parameter) => (ts.isIdentifier(parameter.name) ? [parameter.name.text] : [])));
    const visit = (node: ts.Node) => {
      if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(node.left) && moduleLets.has(node.left.text)) {
        // Assigned straight from what the caller passed: the caller decides what the module does from now on.
        if (ts.isIdentifier(node.right) && parameters.has(node.right.text)) found.push(`${statement.name!.text} sets ${node.left.text}`);
      }
      ts.forEachChild(node, visit);
    };
    visit(statement.body);
  }
  return found;
}

function problemsOf(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  return [
    ...declaredNames(source)
      .filter((name) => HOOK_NAME.test(name))
      .map((name) => `${file}: ${name} is named as a local-mode or test switch`),
    ...swappingExports(source).map((what) => `${file}: ${what} from its parameter (a process-wide hook)`),
  ];
}

test('no product module declares a local-mode or test switch, or exports a function that swaps module state', () => {
  const files = sourceFiles(FUNCTIONS);
  expect(files.length).toBeGreaterThan(40);
  expect(files.flatMap((file) => problemsOf(path.relative(FUNCTIONS, file), readFileSync(file, 'utf8')))).toEqual([]);
});

test('the check sees the hook shapes it is meant to refuse (so an empty answer above means something)', () => {
  const oldHook = [
    'let processChecks = { resolveHost: systemHostResolver };',
    'export function useLocalCallbackChecks(checks) { const previous = processChecks; processChecks = checks; return () => { processChecks = previous; }; }',
  ].join('\n');
  expect(problemsOf('old.ts', oldHook)).toEqual([
    'old.ts: useLocalCallbackChecks is named as a local-mode or test switch',
    'old.ts: useLocalCallbackChecks sets processChecks from its parameter (a process-wide hook)',
  ]);
  expect(problemsOf('renamed.ts', 'let clients;\nexport function installClients(given) { clients = given; }')).toEqual(['renamed.ts: installClients sets clients from its parameter (a process-wide hook)']);
  expect(problemsOf('flag.ts', 'export const SILENT_FOR_TESTS = 1;\nexport interface O { localMode?: boolean }')).toEqual([
    'flag.ts: SILENT_FOR_TESTS is named as a local-mode or test switch',
    'flag.ts: localMode is named as a local-mode or test switch',
  ]);
  // A memo built from the settings, and ordinary names that contain "local", are not hooks.
  expect(problemsOf('memo.ts', 'let kept;\nexport function checks(env) { if (!kept) kept = build(env); return kept; }\nconst localNetworkGateway = 1;\nfunction setLocale(x) {}')).toEqual([]);
});
