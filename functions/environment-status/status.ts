/**
 * GET /environments/{environmentId}: the latest execution for the environment, its status and, once it has
 * ended, its summary (the execution output) or its error and cause; a refused request's problems as data.
 * Given the teardown state machine, also the environment's latest teardown (`teardown`), and which of the
 * two ran last (`latestWorkflow`): a succeeded provisioning followed by a succeeded teardown is gone.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { consoleUrl, describeIfExists, environmentExecutions, parseOutput, type ExecutionListItem } from '../commons/executions';
import { refusalProblems } from '../commons/refusal';
import { HttpAnswer, ProxyEvent, json } from '../commons/http';
import { isEnvironmentId } from '../commons/request/contract';

export interface StatusDeps {
  sfn: SFNClient;
  stateMachineArn: string;
  /** The teardown state machine; without it the answer is provisioning's only. */
  teardownStateMachineArn?: string;
}


/** One execution as the answer shows it. */
async function executionView(sfn: SFNClient, item: ExecutionListItem) {
  const execution = await describeIfExists(sfn, item.executionArn);
  if (!execution) return undefined;
  return {
    executionArn: item.executionArn,
    executionName: item.name,
    status: execution.status,
    startDate: execution.startDate,
    stopDate: execution.stopDate,
    summary: parseOutput(execution.output) ?? null,
    error: execution.error ?? null,
    cause: execution.cause ?? null,
    consoleUrl: consoleUrl(item.executionArn),
  };
}

export async function handleStatus(event: ProxyEvent, deps: StatusDeps): Promise<HttpAnswer> {
  const environmentId = event.pathParameters?.environmentId ?? '';
  if (!isEnvironmentId(environmentId)) {
    return json(400, { message: 'environmentId must match ^[a-z][a-z0-9-]{2,30}$ and not end with "-".' });
  }
  const [latest] = await environmentExecutions(deps.sfn, deps.stateMachineArn, environmentId);
  const provisioning = latest ? await executionView(deps.sfn, latest) : undefined;
  const [latestTeardown] = deps.teardownStateMachineArn
    ? await environmentExecutions(deps.sfn, deps.teardownStateMachineArn, environmentId, undefined, 'teardown')
    : [];
  const teardown = latestTeardown ? await executionView(deps.sfn, latestTeardown) : undefined;
  if (!provisioning && !teardown) return json(404, { message: `No execution for environment ${environmentId}.`, environmentId });
  const teardownLast = !provisioning || (teardown?.startDate && provisioning.startDate && teardown.startDate.getTime() > provisioning.startDate.getTime());
  return json(200, {
    environmentId,
    ...(provisioning
      ? {
          ...provisioning,
          problems: provisioning.error === 'RequestRefused' ? (refusalProblems(provisioning.cause ?? '') ?? null) : null,
        }
      : { executionArn: null, executionName: null, status: null, summary: null, error: null, cause: null, problems: null, consoleUrl: null }),
    ...(deps.teardownStateMachineArn ? { teardown: teardown ?? null, latestWorkflow: teardownLast ? 'teardown' : 'provisioning' } : {}),
  });
}
