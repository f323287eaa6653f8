/**
 * Step Functions helpers shared by the intake, the status endpoint, the notifier and the command line:
 * execution ARNs, console links, and recognising which executions belong to an environment.
 */
import { DescribeExecutionCommand, ExecutionStatus, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';

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
 * Whether an execution name belongs to the environment: `<environmentId>-<8 hex>` with an optional `-r<n>`
 * (functions/commons/naming.ts executionName). An exact pattern, because a plain prefix would let
 * `aoai-prod` claim `aoai-prod-01`'s executions.
 */
export function isEnvironmentExecution(name: string, environmentId: string): boolean {
  if (!name.startsWith(`${environmentId}-`)) return false;
  return /^[0-9a-f]{8}(-r\d+)?$/.test(name.slice(environmentId.length + 1));
}

export interface ExecutionListItem {
  executionArn: string;
  name: string;
  status: string;
  startDate?: Date;
}

/** All executions of the state machine for the environment (optionally one status), newest first. */
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
      if (item.name && item.executionArn && isEnvironmentExecution(item.name, environmentId)) {
        found.push({ executionArn: item.executionArn, name: item.name, status: String(item.status), startDate: item.startDate });
      }
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return found.sort((a, b) => (b.startDate?.getTime() ?? 0) - (a.startDate?.getTime() ?? 0));
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
