/**
 * The ASL's data flow and the types of functions/commons/workflow-data.ts agree, read with the TypeScript
 * compiler from the real sources (no hand copy to drift):
 *
 * - every Task that names an `action` reaches a function whose handler has that action;
 * - the fields its Parameters pass are exactly the fields the action's input type declares (a required field
 *   always passed, nothing passed that the type does not declare), and each value (a state path, the context
 *   object, a literal) has a type the field accepts;
 * - what a Task keeps at its ResultPath is assignable to that state field's type, and a Parallel's
 *   ResultSelector builds the type its ResultPath declares from what its branches wrote.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { LAMBDAS } from '../../functions/catalog';

const ROOT = path.join(__dirname, '..', '..');
const WORKFLOW_DATA = path.join(ROOT, 'functions', 'commons', 'workflow-data.ts');
const TEARDOWN_DATA = path.join(ROOT, 'functions', 'commons', 'teardown-data.ts');
/** Each state machine with the module and interface that declare its state's fields. */
const MACHINES = [
  { file: 'provision.asl.json', data: WORKFLOW_DATA, fields: 'WorkflowStateFields' },
  { file: 'teardown.asl.json', data: TEARDOWN_DATA, fields: 'TeardownStateFields' },
].map((machine) => ({ ...machine, definition: JSON.parse(readFileSync(path.join(ROOT, 'statemachine', machine.file), 'utf8')) }));
/** What the shell reads from every task event, beside the action's own input. */
const ENVELOPE = new Set(['action', 'executionName']);

interface TaskState {
  name: string;
  /** The machine's state-fields interface name. */
  fields: string;
  Resource: string;
  Parameters?: Record<string, unknown>;
  ResultPath?: string | null;
}
interface ParallelState {
  name: string;
  fields: string;
  ResultPath?: string | null;
  ResultSelector?: Record<string, unknown>;
}

function collectStates(states: Record<string, any>, fields: string, tasks: TaskState[], parallels: ParallelState[]): void {
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === 'Task') tasks.push({ name, fields, ...state });
    if (state.Type === 'Parallel') {
      parallels.push({ name, fields, ...state });
      for (const branch of state.Branches) collectStates(branch.States, fields, tasks, parallels);
    }
  }
}

/** The compiler's view of the handlers and the contract. */
class Types {
  readonly checker: ts.TypeChecker;
  private readonly program: ts.Program;

  constructor(files: string[]) {
    const config = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile);
    const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
    this.program = ts.createProgram(files, { ...options, noEmit: true });
    this.checker = this.program.getTypeChecker();
  }

  source(file: string): ts.SourceFile {
    const source = this.program.getSourceFile(file);
    if (!source) throw new Error(`not in the program: ${file}`);
    return source;
  }

  /** An exported interface's type. */
  interfaceType(file: string, name: string): ts.Type {
    const declaration = this.source(file).statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name);
    if (!declaration) throw new Error(`${name} is not declared in ${file}`);
    return this.checker.getTypeAtLocation(declaration.name);
  }

  /** Each action of the `actionHandler(service, makeClients, { ... })` call in a handler file: its input and output. */
  actions(file: string): Map<string, { input: ts.Type; output: ts.Type }> {
    const found = new Map<string, { input: ts.Type; output: ts.Type }>();
    const visit = (node: ts.Node) => {
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'actionHandler') {
        const map = node.arguments[2];
        if (!map || !ts.isObjectLiteralExpression(map)) throw new Error(`${file}: the action map is not an object literal`);
        for (const property of map.properties) {
          const name = property.name && ts.isIdentifier(property.name) ? property.name.text : undefined;
          if (!name) throw new Error(`${file}: an action without a plain name`);
          const signature = this.checker.getTypeAtLocation(property).getCallSignatures()[0];
          if (!signature) throw new Error(`${file}: action ${name} is not a function`);
          const [inputParameter] = signature.getParameters();
          const input = this.checker.getTypeOfSymbolAtLocation(inputParameter, property);
          const output = this.checker.getAwaitedType(signature.getReturnType()) ?? signature.getReturnType();
          found.set(name, { input, output });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(this.source(file));
    return found;
  }

  properties(type: ts.Type): Map<string, { type: ts.Type; optional: boolean }> {
    return new Map(
      this.checker.getPropertiesOfType(type).map((symbol) => [
        symbol.name,
        { type: this.checker.getNonNullableType(this.checker.getTypeOfSymbol(symbol)), optional: (symbol.flags & ts.SymbolFlags.Optional) !== 0 },
      ]),
    );
  }

  /** The type a JSONPath reads from the state (`$.a.b`), or from a branch's output (`$[1].a.b`). */
  pathType(fields: ts.Type, jsonPath: string): ts.Type | string {
    const steps = jsonPath.replace(/^\$(\[\d+\])?\.?/, '').split('.').filter(Boolean);
    let type = fields;
    for (const step of steps) {
      const property = this.checker.getPropertyOfType(type, step);
      if (!property) return `${jsonPath}: no field "${step}" in ${this.checker.typeToString(type)}`;
      type = this.checker.getNonNullableType(this.checker.getTypeOfSymbol(property));
    }
    return type;
  }

  assignable(source: ts.Type, target: ts.Type): boolean {
    return this.checker.isTypeAssignableTo(source, target);
  }

  show(type: ts.Type): string {
    return this.checker.typeToString(type);
  }
}

const tasks: TaskState[] = [];
const parallels: ParallelState[] = [];
for (const machine of MACHINES) collectStates(machine.definition.States, machine.fields, tasks, parallels);
const actionTasks = tasks.filter((t) => t.Parameters && 'action' in t.Parameters);

const entryOf = (resource: string) => {
  const definition = LAMBDAS.find((l) => resource === `\${${l.substitution}}`);
  if (!definition) throw new Error(`no catalog entry for ${resource}`);
  return path.join(ROOT, definition.entry);
};

let types: Types;
/** Each machine's state fields, by interface name. */
const stateFieldsOf = new Map<string, ts.Type>();
const actionsByEntry = new Map<string, Map<string, { input: ts.Type; output: ts.Type }>>();

beforeAll(() => {
  const entries = [...new Set(actionTasks.map((t) => entryOf(t.Resource)))];
  types = new Types([WORKFLOW_DATA, TEARDOWN_DATA, ...entries]);
  for (const machine of MACHINES) stateFieldsOf.set(machine.fields, types.interfaceType(machine.data, machine.fields));
  for (const entry of entries) actionsByEntry.set(entry, types.actions(entry));
}, 120_000);

/** The type of one Parameters value: a path into the state, the context object, or a literal. */
function valueType(key: string, value: unknown, stateFields: ts.Type): ts.Type | string {
  if (!key.endsWith('.$')) {
    if (typeof value === 'number') return types.checker.getNumberLiteralType(value);
    if (typeof value === 'string') return types.checker.getStringLiteralType(value);
    if (typeof value === 'boolean') return types.checker.getBooleanType();
    return `${key}: a literal of a kind this test does not read`;
  }
  const jsonPath = String(value);
  if (jsonPath === '$$.Execution.Name') return types.checker.getStringType();
  if (jsonPath === '$$.Execution.RedriveCount') return types.checker.getNumberType();
  if (jsonPath.startsWith('$$.')) return `${jsonPath}: a context field this test does not know`;
  return types.pathType(stateFields, jsonPath);
}

/** What is wrong with one Task's Parameters and ResultPath against its action's types. */
function taskProblems(task: TaskState): string[] {
  const actions = actionsByEntry.get(entryOf(task.Resource))!;
  const stateFields = stateFieldsOf.get(task.fields)!;
  const action = String(task.Parameters!.action);
  const contract = actions.get(action);
  if (!contract) return [`${task.name}: ${path.relative(ROOT, entryOf(task.Resource))} has no action "${action}" (it has ${[...actions.keys()].join(', ')})`];
  const problems: string[] = [];
  const declared = types.properties(contract.input);
  const passed = new Map(Object.entries(task.Parameters!).map(([key, value]) => [key.replace(/\.\$$/, ''), { key, value }]));
  for (const [field, { optional }] of declared) {
    if (!optional && !passed.has(field)) problems.push(`${task.name}: ${action} needs "${field}", which its Parameters do not pass`);
  }
  for (const [field, { key, value }] of passed) {
    if (ENVELOPE.has(field)) continue;
    const target = declared.get(field);
    if (!target) {
      problems.push(`${task.name}: its Parameters pass "${field}", which the input of ${action} does not declare`);
      continue;
    }
    const source = valueType(key, value, stateFields);
    if (typeof source === 'string') problems.push(`${task.name}: ${source}`);
    else if (!types.assignable(source, target.type)) {
      problems.push(`${task.name}: "${field}" gets ${types.show(source)} from ${String(value)}, but ${action} wants ${types.show(target.type)}`);
    }
  }
  if (typeof task.ResultPath === 'string') {
    const target = types.pathType(stateFields, task.ResultPath);
    if (typeof target === 'string') problems.push(`${task.name}: ResultPath ${target}`);
    else if (!types.assignable(contract.output, target)) {
      problems.push(`${task.name}: keeps ${types.show(contract.output)} at ${task.ResultPath}, which is declared ${types.show(target)}`);
    }
  }
  return problems;
}

/** What is wrong with a ResultSelector's fields against the type its ResultPath declares. */
function selectorProblems(where: string, selector: Record<string, unknown>, target: ts.Type, stateFields: ts.Type): string[] {
  const problems: string[] = [];
  const declared = types.properties(target);
  const built = new Set<string>();
  for (const [key, value] of Object.entries(selector)) {
    const field = key.replace(/\.\$$/, '');
    built.add(field);
    const wanted = declared.get(field);
    if (!wanted) {
      problems.push(`${where}: builds "${field}", which ${types.show(target)} does not declare`);
      continue;
    }
    if (!key.endsWith('.$') && value && typeof value === 'object') {
      problems.push(...selectorProblems(`${where}.${field}`, value as Record<string, unknown>, wanted.type, stateFields));
      continue;
    }
    const source = key.endsWith('.$') ? types.pathType(stateFields, String(value)) : valueType(key, value, stateFields);
    if (typeof source === 'string') problems.push(`${where}: ${source}`);
    else if (!types.assignable(source, wanted.type)) problems.push(`${where}: "${field}" gets ${types.show(source)} from ${String(value)}, wanted ${types.show(wanted.type)}`);
  }
  for (const [field, { optional }] of declared) if (!optional && !built.has(field)) problems.push(`${where}: does not build "${field}"`);
  return problems;
}

test('the definitions have action Tasks to check (the walk reaches the Parallel branches of both machines)', () => {
  expect(actionTasks.length).toBeGreaterThan(60);
  expect(actionTasks.some((t) => t.name === 'Check the rule association')).toBe(true);
  expect(actionTasks.some((t) => t.name === "Delete the probe's security group")).toBe(true);
});

test('every action Task names an action its function has, passes exactly the fields its input declares, each of a type it accepts, and keeps its output where the state declares that type', () => {
  expect(actionTasks.flatMap(taskProblems)).toEqual([]);
});

test("every Parallel's ResultSelector builds the type its ResultPath declares from what its branches wrote", () => {
  const selecting = parallels.filter((p) => p.ResultSelector && typeof p.ResultPath === 'string');
  expect(selecting.length).toBeGreaterThan(0);
  const problems = selecting.flatMap((p) => {
    const stateFields = stateFieldsOf.get(p.fields)!;
    const target = types.pathType(stateFields, p.ResultPath!);
    return typeof target === 'string' ? [`${p.name}: ResultPath ${target}`] : selectorProblems(p.name, p.ResultSelector!, target, stateFields);
  });
  expect(problems).toEqual([]);
});

test('every action of every task function is used by some Task (no action the workflow cannot reach)', () => {
  const used = new Set(actionTasks.map((t) => `${entryOf(t.Resource)}#${String(t.Parameters!.action)}`));
  const unused = [...actionsByEntry].flatMap(([entry, actions]) => [...actions.keys()].map((a) => `${entry}#${a}`)).filter((key) => !used.has(key));
  expect(unused.map((key) => path.relative(ROOT, key))).toEqual([]);
});
