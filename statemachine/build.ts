/**
 * Writes the deployable definition, `statemachine/provision.asl.json`, from its source,
 * `statemachine/provision.source.json`: the same document, except that each Task names a retry policy
 * (`"RetryPolicy": "<name>"`, see retry-policies.ts) where the deployed file has the policy's Retry blocks.
 * Each Task that names an action is also sent the execution's name (`executionName`), for its log lines: the
 * Lambda context does not know it. The generated file stays what the stack deploys and the console shows; a
 * test checks it equals what this script writes, so a hand edit of it fails. Run with `npm run asl`.
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

export const SOURCE_PATH = path.join(projectRoot(), 'statemachine', 'provision.source.json');
export const DEFINITION_PATH = path.join(projectRoot(), 'statemachine', 'provision.asl.json');

export class SourceError extends Error {
  constructor(message: string) {
    super(`${path.relative(projectRoot(), SOURCE_PATH)}: ${message}`);
    this.name = 'SourceError';
  }
}

type Json = Record<string, unknown>;
interface Machine {
  States: Record<string, Json>;
}

/** Where a task's log lines find the execution they belong to (see functions/commons/workflow-data.ts, ActionEnvelope). */
export const EXECUTION_NAME_FIELD = 'executionName.$';
const EXECUTION_NAME_PATH = '$$.Execution.Name';

/** An action Task's Parameters with the execution's name right after the action's. */
function withExecutionName(name: string, parameters: Json): Json {
  if ('executionName' in parameters || EXECUTION_NAME_FIELD in parameters) {
    throw new SourceError(`Task "${name}" passes executionName by hand; the build adds it to every Task that names an action`);
  }
  const result: Json = {};
  for (const [key, value] of Object.entries(parameters)) {
    result[key] = value;
    if (key === 'action') result[EXECUTION_NAME_FIELD] = EXECUTION_NAME_PATH;
  }
  return result;
}

/** The machines nested in a state: a Parallel's branches, a Map's processor. */
function nestedMachines(state: Json): Machine[] {
  if (Array.isArray(state.Branches)) return state.Branches as Machine[];
  const processor = (state.ItemProcessor ?? state.Iterator) as Machine | undefined;
  return processor ? [processor] : [];
}

/** Copies a machine, each Task with its policy's Retry where the source names the policy, and an action's Parameters with the execution's name. */
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
      else if (key === 'Parameters' && state.Type === 'Task' && value && typeof value === 'object' && 'action' in value) {
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

/** Every Task of a machine with the policy its source names, branches included. */
export function taskPolicies(machine: Machine, out = new Map<string, unknown>()): Map<string, unknown> {
  for (const [name, state] of Object.entries(machine.States)) {
    if (state.Type === 'Task') out.set(name, state.RetryPolicy);
    for (const nested of nestedMachines(state)) taskPolicies(nested, out);
  }
  return out;
}

if (require.main === module) {
  const text = generatedDefinitionText();
  const unchanged = existsSync(DEFINITION_PATH) && readFileSync(DEFINITION_PATH, 'utf8') === text;
  if (!unchanged) writeFileSync(DEFINITION_PATH, text);
  console.log(`${path.relative(process.cwd(), DEFINITION_PATH)} ${unchanged ? 'is up to date' : 'written'} from ${path.relative(process.cwd(), SOURCE_PATH)}`);
}
