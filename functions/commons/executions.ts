/**
 * Step Functions helpers shared by the intake, the status endpoint, the notifier and the command line:
 * execution ARNs, console links, recognising which executions belong to an environment, and starting a
 * provisioning or a teardown so that the two never run at once for one environment.
 */
import { DescribeExecutionCommand, ExecutionStatus, ListExecutionsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { canonicalJson, environmentExecutionName, executionAttempt } from './naming';
import { DEFAULT_OPTIONS, type EnvironmentRequest, type TeardownPublicNetworkAccessOption } from './request/contract';

/** `arn:aws:states:<region>:<account>:execution:<stateMachine>:<name>` for a state machine ARN and a name. */
export function executionArnFor(stateMachineArn: string, name: string): string {
  const parts = stateMachineArn.split(':');
  if (parts.length < 7 || parts[5] !== 'stateMachine') throw new Error(`Not a state machine ARN: ${stateMachineArn}`);
  return [...parts.slice(0, 5), 'execution', parts[6], name].join(':');
}

/** The region field of any ARN. */
export function regionOf(arn: string): string {
  return arn.split(':')[3] ?? '';
}

/** The execution's page in the Step Functions console (history, graph, events). */
export function consoleUrl(executionArn: string): string {
  const region = regionOf(executionArn);
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

/**
 * Whether an execution name belongs to the environment: `<environmentId>-run-<n>`
 * (functions/commons/naming.ts environmentExecutionName). An exact pattern, because a plain prefix would let
 * `aoai-prod` claim `aoai-prod-01`'s executions.
 */
export function isEnvironmentExecution(name: string, environmentId: string): boolean {
  return executionAttempt(name, environmentId) !== undefined;
}

export interface ExecutionListItem {
  executionArn: string;
  name: string;
  status: string;
  startDate?: Date;
  /** The n of `<environmentId>-run-<n>` (or `<environmentId>-teardown-<n>`). */
  attempt: number;
}

/** Which workflow an execution runs: the names differ, so neither is ever read as the other. */
export type WorkflowKind = 'provisioning' | 'teardown';

/** Between the environment and a teardown's attempt number; provisioning's marker is `-run-`. */
const TEARDOWN_MARKER = '-teardown-';

/** The name of an environment's n-th teardown: `<environmentId>-teardown-<n>`. */
export function teardownExecutionName(environmentId: string, attempt: number): string {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`attempt must be a whole number from 1, got ${attempt}`);
  const name = `${environmentId}${TEARDOWN_MARKER}${attempt}`;
  if (name.length > 80) throw new RangeError(`execution name would be ${name.length} characters; the limit is 80`);
  return name;
}

/** The attempt number when `name` is one of the environment's teardowns, else undefined (exact, as executionAttempt). */
export function teardownAttempt(name: string, environmentId: string): number | undefined {
  const prefix = `${environmentId}${TEARDOWN_MARKER}`;
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  return /^[1-9]\d*$/.test(rest) ? Number(rest) : undefined;
}

/** Whether an execution name is one of the environment's teardowns. */
export function isTeardownExecution(name: string, environmentId: string): boolean {
  return teardownAttempt(name, environmentId) !== undefined;
}

const attemptOf: Record<WorkflowKind, (name: string, environmentId: string) => number | undefined> = {
  provisioning: executionAttempt,
  teardown: teardownAttempt,
};

/** All executions of the state machine for the environment (optionally one status), newest (highest attempt) first. */
export async function environmentExecutions(
  sfn: SFNClient,
  stateMachineArn: string,
  environmentId: string,
  statusFilter?: ExecutionStatus,
  kind: WorkflowKind = 'provisioning',
): Promise<ExecutionListItem[]> {
  const found: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn, statusFilter, maxResults: 1000, nextToken }),
    );
    for (const item of page.executions ?? []) {
      const attempt = item.name ? attemptOf[kind](item.name, environmentId) : undefined;
      if (item.name && item.executionArn && attempt !== undefined) {
        found.push({ executionArn: item.executionArn, name: item.name, status: String(item.status), startDate: item.startDate, attempt });
      }
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return found.sort((a, b) => b.attempt - a.attempt || (b.startDate?.getTime() ?? 0) - (a.startDate?.getTime() ?? 0));
}

/** DescribeExecution, or undefined when the execution does not exist. */
export async function describeIfExists(sfn: SFNClient, executionArn: string) {
  try {
    return await sfn.send(new DescribeExecutionCommand({ executionArn }));
  } catch (error) {
    if ((error as { name?: string }).name === 'ExecutionDoesNotExist') return undefined;
    throw error;
  }
}

/** The execution's output as JSON when it is JSON, else the raw text; undefined when absent. */
export function parseOutput(output: string | undefined): unknown {
  if (output === undefined || output === null) return undefined;
  try {
    return JSON.parse(output);
  } catch {
    return output;
  }
}

/** What a start of a request came to; the intake answers it over HTTP, `aoai-link start` on the terminal. */
export type StartOutcome =
  /** A new execution was started (the first for the environment, or a re-run after one that did not succeed). */
  | { kind: 'started'; executionArn: string; executionName: string; attempt: number; rerunOf?: ExecutionListItem }
  /** The same request is running or has succeeded: a redelivery; nothing new was started. */
  | { kind: 'already'; executionArn: string; executionName: string; status: string }
  /** Another request for the environment is running (or won the race for this attempt's name), or a teardown of it is. */
  | { kind: 'busy'; runningExecutionArn: string; runningExecutionName: string; workflow?: 'teardown' };

export interface StartOptions {
  /**
   * The teardown state machine. While one of the environment's teardowns runs, nothing starts (busy); after a
   * teardown, the same request builds the environment again instead of being taken for a redelivery.
   */
  teardownStateMachineArn?: string;
}

/** Whether `later` started after `earlier` (both dated). */
function startedAfter(later: ExecutionListItem | undefined, earlier: ExecutionListItem | undefined): boolean {
  if (!later?.startDate || !earlier?.startDate) return false;
  return later.startDate.getTime() > earlier.startDate.getTime();
}

/** Whether an execution's input is this request (the input is the validated request as JSON). */
function isSameRequest(input: string | undefined, request: EnvironmentRequest): boolean {
  if (input === undefined) return false;
  try {
    return canonicalJson(JSON.parse(input)) === canonicalJson(request);
  } catch {
    return false;
  }
}

/** Step Functions' answer to a start of a running execution's name and input predates the call by this much or more. */
const IDEMPOTENT_START_SLACK_MS = 2_000;

/**
 * Starts the request on the environment's next attempt, unless that would duplicate or collide:
 * - the latest execution is this request and RUNNING or SUCCEEDED: a redelivery, nothing starts;
 * - another execution for the environment is RUNNING: busy;
 * - otherwise (none yet, or the latest FAILED, TIMED_OUT or ABORTED, or a changed request after a success)
 *   `<environmentId>-run-<latest + 1>` starts. Two starts racing for that name are settled by Step Functions:
 *   the same input while running is the same execution, a different one is ExecutionAlreadyExists.
 */
export async function startRequest(
  sfn: SFNClient,
  stateMachineArn: string,
  request: EnvironmentRequest,
  options: StartOptions = {},
): Promise<StartOutcome> {
  const executions = await environmentExecutions(sfn, stateMachineArn, request.environmentId);
  const teardowns = options.teardownStateMachineArn
    ? await environmentExecutions(sfn, options.teardownStateMachineArn, request.environmentId, undefined, 'teardown')
    : [];
  const runningTeardown = teardowns.find((e) => e.status === ExecutionStatus.RUNNING);
  if (runningTeardown) {
    return { kind: 'busy', runningExecutionArn: runningTeardown.executionArn, runningExecutionName: runningTeardown.name, workflow: 'teardown' };
  }
  const latest = executions[0];
  if (latest) {
    const described = await describeIfExists(sfn, latest.executionArn);
    const status = String(described?.status ?? latest.status);
    // What the latest execution built has been (or is partly) removed since: the same request is a new build.
    const same = isSameRequest(described?.input, request) && !startedAfter(teardowns[0], latest);
    if (same && (status === ExecutionStatus.RUNNING || status === ExecutionStatus.SUCCEEDED)) {
      return { kind: 'already', executionArn: latest.executionArn, executionName: latest.name, status };
    }
    const running = executions.find((e) => e.status === ExecutionStatus.RUNNING && (e !== latest || status === ExecutionStatus.RUNNING));
    if (running) return { kind: 'busy', runningExecutionArn: running.executionArn, runningExecutionName: running.name };
  }

  const attempt = (latest?.attempt ?? 0) + 1;
  const outcome = await startAttempt(sfn, stateMachineArn, environmentExecutionName(request.environmentId, attempt), attempt, request, latest);
  return outcome.kind === 'lost' ? { kind: 'busy', runningExecutionArn: outcome.runningExecutionArn, runningExecutionName: outcome.runningExecutionName } : outcome;
}

/**
 * StartExecution of one attempt's name. The same name and input as a RUNNING execution is answered with that
 * execution, not an error (a redelivery); a name already taken by another input is a race lost to it.
 */
async function startAttempt(
  sfn: SFNClient,
  stateMachineArn: string,
  name: string,
  attempt: number,
  request: EnvironmentRequest,
  latest: ExecutionListItem | undefined,
): Promise<
  | { kind: 'started'; executionArn: string; executionName: string; attempt: number; rerunOf?: ExecutionListItem }
  | { kind: 'already'; executionArn: string; executionName: string; status: string }
  | { kind: 'lost'; runningExecutionArn: string; runningExecutionName: string }
> {
  const executionArn = executionArnFor(stateMachineArn, name);
  const calledAt = Date.now();
  try {
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(request) }));
    if (started.startDate && started.startDate.getTime() < calledAt - IDEMPOTENT_START_SLACK_MS) {
      return { kind: 'already', executionArn, executionName: name, status: ExecutionStatus.RUNNING };
    }
    return { kind: 'started', executionArn: started.executionArn ?? executionArn, executionName: name, attempt, ...(latest ? { rerunOf: latest } : {}) };
  } catch (error) {
    if ((error as { name?: string }).name !== 'ExecutionAlreadyExists') throw error;
    // Lost the race for this attempt's name: to the same request (a concurrent redelivery) or to another one.
    const winner = await describeIfExists(sfn, executionArn);
    if (winner && isSameRequest(winner.input, request)) {
      return { kind: 'already', executionArn, executionName: name, status: String(winner.status) };
    }
    return { kind: 'lost', runningExecutionArn: executionArn, runningExecutionName: name };
  }
}

/** The request a teardown takes: the environment's request with its public-access choice stated (absent means keep). */
export function teardownInput(request: EnvironmentRequest, publicNetworkAccessOnTeardown?: TeardownPublicNetworkAccessOption): EnvironmentRequest {
  const options = request.options ?? DEFAULT_OPTIONS;
  // Always explicit, so a teardown asked with "keep" and one asked with nothing are the same request.
  const choice = publicNetworkAccessOnTeardown ?? options.publicNetworkAccessOnTeardown ?? 'keep';
  return { ...request, options: { ...options, publicNetworkAccessOnTeardown: choice } };
}

/** The environment's latest provisioning execution and the request it ran (its input), or undefined when none was ever started. */
export async function latestProvisioningRequest(
  sfn: SFNClient,
  stateMachineArn: string,
  environmentId: string,
): Promise<{ execution: ExecutionListItem; request: EnvironmentRequest } | undefined> {
  for (const execution of await environmentExecutions(sfn, stateMachineArn, environmentId)) {
    const described = await describeIfExists(sfn, execution.executionArn);
    const input = parseOutput(described?.input);
    // Inputs are the validated request; anything else (a start made by hand) cannot name the resources.
    if (input && typeof input === 'object' && (input as { environmentId?: unknown }).environmentId === environmentId) {
      return { execution, request: input as EnvironmentRequest };
    }
  }
  return undefined;
}

export interface TeardownMachines {
  provisioningStateMachineArn: string;
  teardownStateMachineArn: string;
}

/** What a start of a teardown came to. */
export type TeardownStartOutcome =
  | { kind: 'started'; executionArn: string; executionName: string; attempt: number; rerunOf?: ExecutionListItem }
  /** The latest teardown is this request, running or succeeded, and nothing was provisioned since: a redelivery. */
  | { kind: 'already'; executionArn: string; executionName: string; status: string }
  /** A provisioning or another teardown of the environment is running. */
  | { kind: 'busy'; runningExecutionArn: string; runningExecutionName: string; workflow: WorkflowKind };

/**
 * Starts the teardown of `request` (teardownInput's document) on the environment's next teardown attempt,
 * `<environmentId>-teardown-<n>`, by the same rules as startRequest, and never while a provisioning or another
 * teardown of the environment runs. A succeeded teardown of the same request is a redelivery only when no
 * provisioning started after it (otherwise there is something new to remove).
 */
export async function startTeardown(sfn: SFNClient, machines: TeardownMachines, request: EnvironmentRequest): Promise<TeardownStartOutcome> {
  const environmentId = request.environmentId;
  const stateMachineArn = machines.teardownStateMachineArn;
  const provisionings = await environmentExecutions(sfn, machines.provisioningStateMachineArn, environmentId);
  const runningProvisioning = provisionings.find((e) => e.status === ExecutionStatus.RUNNING);
  if (runningProvisioning) {
    return { kind: 'busy', runningExecutionArn: runningProvisioning.executionArn, runningExecutionName: runningProvisioning.name, workflow: 'provisioning' };
  }
  const teardowns = await environmentExecutions(sfn, stateMachineArn, environmentId, undefined, 'teardown');
  const latest = teardowns[0];
  if (latest) {
    const described = await describeIfExists(sfn, latest.executionArn);
    const status = String(described?.status ?? latest.status);
    const same = isSameRequest(described?.input, request) && !startedAfter(provisionings[0], latest);
    if (same && (status === ExecutionStatus.RUNNING || status === ExecutionStatus.SUCCEEDED)) {
      return { kind: 'already', executionArn: latest.executionArn, executionName: latest.name, status };
    }
    const running = teardowns.find((e) => e.status === ExecutionStatus.RUNNING && (e !== latest || status === ExecutionStatus.RUNNING));
    if (running) return { kind: 'busy', runningExecutionArn: running.executionArn, runningExecutionName: running.name, workflow: 'teardown' };
  }

  const attempt = (latest?.attempt ?? 0) + 1;
  const outcome = await startAttempt(sfn, stateMachineArn, teardownExecutionName(environmentId, attempt), attempt, request, latest);
  return outcome.kind === 'lost'
    ? { kind: 'busy', runningExecutionArn: outcome.runningExecutionArn, runningExecutionName: outcome.runningExecutionName, workflow: 'teardown' }
    : outcome;
}
