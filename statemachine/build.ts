/**
 * Writes the deployable definitions, `statemachine/<machine>.asl.json` (provision, teardown), from their
 * sources, `statemachine/<machine>.source.json`: the same documents, except that each Task names a retry policy
 * (`"RetryPolicy": "<name>"`, see retry-policies.ts) where the deployed file has the policy's Retry blocks.
 * Each Task with Parameters is also sent the execution's name (`executionName`), for its log lines: the
 * Lambda context does not know it. The generated files stay what the stack deploys and the console shows; a
 * test checks they equal what this script writes, so a hand edit of one fails. Run with `npm run asl`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { RETRY_POLICIES, isRetryPolicyName } from './retry-policies';

/** The project root: the nearest folder above this file with a package.json (this file may run from a bundle). */
function projectRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${__dirname}`);
  }
}

/** The state machines the stack deploys, each with its source. */
export const MACHINES = ['provision', 'teardown'] as const;
export type MachineName = (typeof MACHINES)[number];

export const sourcePath = (machine: MachineName) => path.join(projectRoot(), 'statemachine', `${machine}.source.json`);
export const definitionPath = (machine: MachineName) => path.join(projectRoot(), 'statemachine', `${machine}.asl.json`);

export const SOURCE_PATH = sourcePath('provision');
export const DEFINITION_PATH = definitionPath('provision');
export const TEARDOWN_SOURCE_PATH = sourcePath('teardown');
export const TEARDOWN_DEFINITION_PATH = definitionPath('teardown');

export class SourceError extends Error {
  override name = 'SourceError';
  constructor(message: string, source = SOURCE_PATH) {
    super(`${path.relative(projectRoot(), source)}: ${message}`);
  }
}

type Json = Record<string, unknown>;
interface Machine {
  States: Record<string, Json>;
}

/** Where a task's log lines find the execution they belong to (see functions/commons/workflow-data.ts, ActionEnvelope). */
export const EXECUTION_NAME_FIELD = 'executionName.$';
const EXECUTION_NAME_PATH = '$$.Execution.Name';

/** A Task's Parameters with the execution's name: right after the action's when it names one, else last. */
function withExecutionName(name: string, parameters: Json): Json {
  if ('executionName' in parameters || EXECUTION_NAME_FIELD in parameters) {
    throw new SourceError(`Task "${name}" passes executionName by hand; the build adds it to every Task with Parameters`);
  }
  const result: Json = {};
  for (const [key, value] of Object.entries(parameters)) {
    result[key] = value;
    if (key === 'action') result[EXECUTION_NAME_FIELD] = EXECUTION_NAME_PATH;
  }
  if (!(EXECUTION_NAME_FIELD in result)) result[EXECUTION_NAME_FIELD] = EXECUTION_NAME_PATH;
  return result;
}

/** The machines nested in a state: a Parallel's branches, a Map's processor. */
function nestedMachines(state: Json): Machine[] {
  if (Array.isArray(state.Branches)) return state.Branches as Machine[];
  const processor = (state.ItemProcessor ?? state.Iterator) as Machine | undefined;
  return processor ? [processor] : [];
}

/** Copies a machine, each Task with its policy's Retry where the source names the policy, and its Parameters with the execution's name. */
function expandMachine(machine: Machine): Machine {
  const states: Record<string, Json> = {};
  for (const [name, state] of Object.entries(machine.States)) {
    if ('Retry' in state) {
      throw new SourceError(`state "${name}" writes its Retry by hand; name one of the policies of retry-policies.ts in "RetryPolicy" instead`);
    }
    const policy = state.RetryPolicy;
    if (state.Type === 'Task' && policy === undefined) {
      throw new SourceError(`Task "${name}" names no "RetryPolicy"; every Task retries (known: ${Object.keys(RETRY_POLICIES).join(', ')})`);
    }
    if (policy !== undefined && state.Type !== 'Task') {
      throw new SourceError(`state "${name}" is a ${String(state.Type)}, not a Task, but names a "RetryPolicy"`);
    }
    if (policy !== undefined && !isRetryPolicyName(policy)) {
      throw new SourceError(`Task "${name}" names the unknown retry policy ${JSON.stringify(policy)} (known: ${Object.keys(RETRY_POLICIES).join(', ')})`);
    }
    const expanded: Json = {};
    for (const [key, value] of Object.entries(state)) {
      if (key === 'RetryPolicy') expanded.Retry = structuredClone(RETRY_POLICIES[policy as keyof typeof RETRY_POLICIES].retriers);
      else if (key === 'Parameters' && state.Type === 'Task' && value && typeof value === 'object') {
        expanded.Parameters = withExecutionName(name, value as Json);
      } else if (key === 'Branches') expanded.Branches = (value as Machine[]).map(expandMachine);
      else if (key === 'ItemProcessor' || key === 'Iterator') expanded[key] = expandMachine(value as Machine);
      else expanded[key] = value;
    }
    states[name] = expanded;
  }
  return { ...machine, States: states };
}

/** The deployable definition for a source document. */
export function buildDefinition(source: Machine & Json): Json {
  return expandMachine(source) as unknown as Json;
}

/** The text of the deployable definition as this script writes it. */
export function generatedDefinitionText(sourceText = readFileSync(SOURCE_PATH, 'utf8')): string {
  return `${JSON.stringify(buildDefinition(JSON.parse(sourceText)), null, 2)}\n`;
}

/** The text of one machine's deployable definition, from its source file. */
export function generatedMachineText(machine: MachineName): string {
  return generatedDefinitionText(readFileSync(sourcePath(machine), 'utf8'));
}

/** Every Task of a machine with the policy its source names, branches included. */
export function taskPolicies(machine: Machine, out = new Map<string, unknown>()): Map<string, unknown> {
  for (const [name, state] of Object.entries(machine.States)) {
    if (state.Type === 'Task') out.set(name, state.RetryPolicy);
    for (const nested of nestedMachines(state)) taskPolicies(nested, out);
  }
  return out;
}

if (require.main === module) {
  for (const machine of MACHINES) {
    const text = generatedMachineText(machine);
    const target = definitionPath(machine);
    const unchanged = existsSync(target) && readFileSync(target, 'utf8') === text;
    if (!unchanged) writeFileSync(target, text);
    console.log(`${path.relative(process.cwd(), target)} ${unchanged ? 'is up to date' : 'written'} from ${path.relative(process.cwd(), sourcePath(machine))}`);
  }
}
