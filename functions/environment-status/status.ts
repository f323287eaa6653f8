/**
 * GET /environments/{environmentId}: the latest execution for the environment, its status and, once it has
 * ended, its summary (the execution output) or its error and cause; a refused request's problems as data.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { consoleUrl, describeIfExists, environmentExecutions, parseOutput } from '../commons/executions';
import { refusalProblems } from '../commons/refusal';
import { HttpAnswer, ProxyEvent, json } from '../commons/http';

export interface StatusDeps {
  sfn: SFNClient;
  stateMachineArn: string;
}

const ENVIRONMENT_ID = /^[a-z][a-z0-9-]{2,30}$/;

export async function handleStatus(event: ProxyEvent, deps: StatusDeps): Promise<HttpAnswer> {
  const environmentId = event.pathParameters?.environmentId ?? '';
  if (!ENVIRONMENT_ID.test(environmentId) || environmentId.endsWith('-')) {
    return json(400, { message: 'environmentId must match ^[a-z][a-z0-9-]{2,30}$ and not end with "-".' });
  }
  const [latest] = await environmentExecutions(deps.sfn, deps.stateMachineArn, environmentId);
  if (!latest) return json(404, { message: `No execution for environment ${environmentId}.`, environmentId });
  const execution = await describeIfExists(deps.sfn, latest.executionArn);
  if (!execution) return json(404, { message: `No execution for environment ${environmentId}.`, environmentId });
  return json(200, {
    environmentId,
    executionArn: latest.executionArn,
    executionName: latest.name,
    status: execution.status,
    startDate: execution.startDate,
    stopDate: execution.stopDate,
    summary: parseOutput(execution.output) ?? null,
    error: execution.error ?? null,
    cause: execution.cause ?? null,
    problems: execution.error === 'RequestRefused' ? (refusalProblems(execution.cause ?? '') ?? null) : null,
    consoleUrl: consoleUrl(latest.executionArn),
  });
}
