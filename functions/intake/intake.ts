/**
 * POST /environments: the ticket webhook. Plain function over its clients, so tests run it unchanged against
 * the local Step Functions endpoint.
 *
 * Answers, in the order they are decided:
 *   413 body over MAX_REQUEST_BYTES (checked first: nothing else is worth doing with it);
 *   401 missing, malformed, stale (±5 min) or wrong signature;
 *   400 the request breaks the schema (every problem listed);
 *   200 redelivery: the environment's latest execution is this request, running or succeeded;
 *   409 another request for the environment is running, or won the race for the same attempt, or a teardown of
 *       the environment is running (the DELETE route, teardown.ts);
 *   202 started: the environment's first execution, or a re-run after one that did not succeed.
 */
import { ExecutionStatus, SFNClient } from '@aws-sdk/client-sfn';
import { callbackChecksOfThisEnvironment, callbackTargetProblem, type CallbackChecks } from '../commons/callback-url';
import { parseRequestText, shownProblems } from '../commons/request/schema';
import { consoleUrl, startRequest } from '../commons/executions';
import { HttpAnswer, ProxyEvent, json } from '../commons/http';
import { signedBody } from './signed-body';
import type { SecretSource } from '../commons/secret';

export interface IntakeDeps {
  sfn: SFNClient;
  stateMachineArn: string;
  /** The teardown state machine: provisioning is refused while a teardown of the environment runs. */
  teardownStateMachineArn?: string;
  signingSecret: SecretSource;
  /** Unix seconds; tests move it to check the window. */
  nowSeconds?: () => number;
  /** How ticket.callbackUrl's host is resolved and which non-public networks it may reach; default the configured ones (callback-url.ts). */
  callbackChecks?: CallbackChecks;
}

export async function handleIntake(event: ProxyEvent, deps: IntakeDeps): Promise<HttpAnswer> {
  const signed = await signedBody(event, deps);
  if ('refused' in signed) return signed.refused;
  const body = signed.body;

  const callbackChecks = deps.callbackChecks ?? callbackChecksOfThisEnvironment();
  const parsed = parseRequestText(body, { callbackAllowance: callbackChecks.allowance });
  if (!parsed.ok) {
    return json(400, { message: `The request has ${parsed.problems.length} problem(s).`, problems: parsed.problems });
  }
  const request = parsed.request;
  // The callback's name must not lead to an internal address (the notifier checks again when it connects).
  const callbackProblem = request.ticket?.callbackUrl ? await callbackTargetProblem(new URL(request.ticket.callbackUrl), callbackChecks) : undefined;
  if (callbackProblem) {
    const problems = shownProblems([{ path: 'ticket.callbackUrl', message: callbackProblem }]);
    return json(400, { message: `The request has ${problems.length} problem(s).`, problems });
  }
  const outcome = await startRequest(deps.sfn, deps.stateMachineArn, request, { teardownStateMachineArn: deps.teardownStateMachineArn });
  if (outcome.kind === 'busy') {
    return json(409, {
      message:
        outcome.workflow === 'teardown'
          ? `Environment ${request.environmentId} is being torn down; try again when the teardown has finished.`
          : `Environment ${request.environmentId} has another execution running; try again when it has finished.`,
      environmentId: request.environmentId,
      ...(outcome.workflow === 'teardown' ? { runningWorkflow: outcome.workflow } : {}),
      runningExecutionArn: outcome.runningExecutionArn,
      consoleUrl: consoleUrl(outcome.runningExecutionArn),
    });
  }
  const answerBody = (status: string, message: string) => ({
    message,
    environmentId: request.environmentId,
    executionArn: outcome.executionArn,
    executionName: outcome.executionName,
    status,
    consoleUrl: consoleUrl(outcome.executionArn),
  });
  if (outcome.kind === 'already') return json(200, answerBody(outcome.status, 'Already received; no new execution was started.'));
  const message = outcome.rerunOf
    ? `Started; a re-run after ${outcome.rerunOf.name} (${outcome.rerunOf.status}).`
    : 'Started.';
  return json(202, answerBody(ExecutionStatus.RUNNING, message));
}
