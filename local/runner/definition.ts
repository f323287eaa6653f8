/**
 * Turns the deployable ASL into what aws-local-stepfunctions can run on the simulated clock:
 * - `${...}` placeholders are substituted as CDK's definitionSubstitutions would (every one must be known);
 * - every Wait becomes a Task whose local handler sleeps on the simulated clock (the interpreter's own Wait
 *   sleeps in real time), keeping the Wait's input/output semantics;
 * - the top-level TimeoutSeconds is taken out, because the interpreter would time it in real seconds; the
 *   engine times it on the simulated clock instead;
 * - every Task Resource must have a local handler, so the interpreter never calls the real Lambda service.
 */
import { UnknownPlaceholderError, UnsupportedDefinitionError, UnsupportedResourceError } from './errors';

/** A retrier as ASL writes it. */
export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'NONE' | 'FULL';
}

type State = Record<string, any> & { Type: string };
export interface Definition {
  StartAt: string;
  States: Record<string, State>;
  TimeoutSeconds?: number;
  [other: string]: unknown;
}

/** A Wait state rewritten into a Task: the handler reads `seconds` or `timestamp` from its Parameters. */
export interface WaitRewrite {
  name: string;
}

export interface TaskInfo {
  name: string;
  resource: string;
  retry: Retrier[];
}

/**
 * The Parallel and Map states enclosing a state, innermost last. When one of them fails, the interpreter
 * cancels its branches, but a cancelled branch still retries its failed task: the engine uses these scopes
 * to stop such leftovers.
 */
export type Scopes = Map<string, string[]>;

export interface PreparedDefinition {
  /** The rewritten definition, ready for the interpreter. */
  definition: Definition;
  /** The original top-level TimeoutSeconds, enforced on the simulated clock. */
  timeoutSeconds?: number;
  /** Names of the Wait states rewritten into Tasks. */
  waits: Set<string>;
  /** Task states (not rewritten Waits) by name. */
  tasks: Map<string, TaskInfo>;
  /** States with a Retry field, by name: the engine zeroes their real-time retry intervals. */
  retryable: Set<string>;
  /** Enclosing Parallel/Map states of every Task and Wait. */
  scopes: Scopes;
}

/**
 * The Resource of the rewritten Waits. It is a well-formed Lambda ARN only so the interpreter's ARN check
 * passes; it is always served by a local handler.
 */
export const LOCAL_WAIT_RESOURCE = 'arn:aws:lambda:us-east-1:000000000000:function:aoai-link-local-wait';

/** Real seconds the interpreter allows a rewritten Wait: it sleeps on the simulated clock, so only a hang trips it. */
const WAIT_TASK_REAL_TIMEOUT_SECONDS = 3600;

const PLACEHOLDER = /\$\{([^}]*)\}/g;

/** Replaces every `${Name}` with its value; unknown names are an error listing all of them. */
export function substitutePlaceholders(text: string, values: Record<string, string>): string {
  const unknown = new Set<string>();
  const result = text.replace(PLACEHOLDER, (whole, name: string) => {
    if (Object.prototype.hasOwnProperty.call(values, name)) return values[name];
    unknown.add(name);
    return whole;
  });
  if (unknown.size > 0) {
    const known = Object.keys(values).sort().join(', ') || '(none)';
    throw new UnknownPlaceholderError(
      `the definition uses placeholder(s) ${[...unknown].map((n) => '${' + n + '}').join(', ')} that local mode has no value for; known: ${known}`,
    );
  }
  return result;
}

/** Rewrites a Wait into a Task that sleeps on the simulated clock. */
function waitAsTask(wait: State): State {
  const { Type: _type, Seconds, SecondsPath, Timestamp, TimestampPath, Comment, ...flow } = wait;
  const parameters: Record<string, unknown> = { 'input.$': '$' };
  if (typeof Seconds === 'number') parameters.seconds = Seconds;
  else if (typeof SecondsPath === 'string') parameters['seconds.$'] = SecondsPath;
  else if (typeof Timestamp === 'string') parameters.timestamp = Timestamp;
  else if (typeof TimestampPath === 'string') parameters['timestamp.$'] = TimestampPath;
  else parameters.seconds = 0;
  // Parameters are evaluated after InputPath, and the handler returns that effective input as the result,
  // so the output is exactly what the Wait would have passed on (then OutputPath applies as before).
  return {
    Type: 'Task',
    ...(Comment ? { Comment } : {}),
    Resource: LOCAL_WAIT_RESOURCE,
    ...flow,
    Parameters: parameters,
    TimeoutSeconds: WAIT_TASK_REAL_TIMEOUT_SECONDS,
  };
}

/** Rewrites a copy of the definition; see the module comment. */
export function prepareDefinition(source: Definition, handledResources: Set<string>): PreparedDefinition {
  const definition = JSON.parse(JSON.stringify(source)) as Definition;
  const timeoutSeconds = definition.TimeoutSeconds;
  delete definition.TimeoutSeconds;
  const waits = new Set<string>();
  const tasks = new Map<string, TaskInfo>();
  const retryable = new Set<string>();
  const scopes: Scopes = new Map();
  // The interpreter keys local handlers and retry overrides by state name, across all branches.
  const kinds = new Map<string, string>();

  const claim = (name: string, signature: string) => {
    const seen = kinds.get(name);
    if (seen !== undefined && seen !== signature) {
      throw new UnsupportedDefinitionError(
        `state name "${name}" is used by two different states; local mode keys handlers by state name, so names must be unique`,
      );
    }
    kinds.set(name, signature);
  };

  const walk = (machine: { States: Record<string, State> }, enclosing: string[]) => {
    for (const [name, state] of Object.entries(machine.States)) {
      scopes.set(name, enclosing);
      if (state.Type === 'Wait') {
        claim(name, `Wait ${JSON.stringify(state)}`);
        machine.States[name] = waitAsTask(state);
        waits.add(name);
        continue;
      }
      if (Array.isArray(state.Retry) && state.Retry.length > 0) retryable.add(name);
      if (state.Type === 'Task') {
        claim(name, `Task ${JSON.stringify(state)}`);
        const resource = String(state.Resource);
        if (!handledResources.has(resource)) {
          throw new UnsupportedResourceError(
            `Task "${name}" has Resource ${resource}, which local mode cannot run: Task resources must be the catalog's function ARNs`,
          );
        }
        tasks.set(name, { name, resource, retry: (state.Retry ?? []) as Retrier[] });
      } else if (state.Type === 'Parallel') {
        for (const branch of state.Branches ?? []) walk(branch, [...enclosing, name]);
      } else if (state.Type === 'Map') {
        const processor = state.ItemProcessor ?? state.Iterator;
        if (processor?.ProcessorConfig?.Mode === 'DISTRIBUTED') {
          throw new UnsupportedDefinitionError(`Map "${name}" is a Distributed Map, which local mode cannot run`);
        }
        if (processor) walk(processor, [...enclosing, name]);
      }
    }
  };
  walk(definition, []);
  return { definition, timeoutSeconds, waits, tasks, retryable, scopes };
}
