/**
 * Step Functions helpers shared by the intake, the status endpoint, the notifier and the command line:
 * execution ARNs, console links, and recognising which executions belong to an environment.
 */
import { DescribeExecutionCommand, ExecutionStatus, ListExecutionsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { canonicalJson, environmentExecutionName, executionAttempt } from './naming';
import type { EnvironmentRequest } from './request/contract';

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
  /** The n of `<environmentId>-run-<n>`. */
  attempt: number;
}

/** All executions of the state machine for the environment (optionally one status), newest (highest attempt) first. */
export async function environmentExecutions(
  sfn: SFNClient,
  stateMachineArn: string,
  environmentId: string,
  statusFilter?: ExecutionStatus,
): Promise<ExecutionListItem[]> {
  const found: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn, statusFilter, maxResults: 1000, nextToken }),
    );
    for (const item of page.executions ?? []) {
      const attempt = item.name ? executionAttempt(item.name, environmentId) : undefined;
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
  /** Another request for the environment is running (or won the race for this attempt's name). */
  | { kind: 'busy'; runningExecutionArn: string; runningExecutionName: string };

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
export async function startRequest(sfn: SFNClient, stateMachineArn: string, request: EnvironmentRequest): Promise<StartOutcome> {
  const executions = await environmentExecutions(sfn, stateMachineArn, request.environmentId);
  const latest = executions[0];
  if (latest) {
    const described = await describeIfExists(sfn, latest.executionArn);
    const status = String(described?.status ?? latest.status);
    const same = isSameRequest(described?.input, request);
    if (same && (status === ExecutionStatus.RUNNING || status === ExecutionStatus.SUCCEEDED)) {
      return { kind: 'already', executionArn: latest.executionArn, executionName: latest.name, status };
    }
    const running = executions.find((e) => e.status === ExecutionStatus.RUNNING && (e !== latest || status === ExecutionStatus.RUNNING));
    if (running) return { kind: 'busy', runningExecutionArn: running.executionArn, runningExecutionName: running.name };
  }

  const attempt = (latest?.attempt ?? 0) + 1;
  const name = environmentExecutionName(request.environmentId, attempt);
  const executionArn = executionArnFor(stateMachineArn, name);
  const calledAt = Date.now();
  try {
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(request) }));
    // The same name and input as a RUNNING execution is answered with that execution, not an error.
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
    return { kind: 'busy', runningExecutionArn: executionArn, runningExecutionName: name };
  }
}
