/**
 * POST /environments: the ticket webhook. Plain function over its clients, so tests run it unchanged against
 * the local Step Functions endpoint.
 *
 * Answers, in the order they are decided:
 *   413 body over MAX_REQUEST_BYTES (checked first: nothing else is worth doing with it);
 *   401 missing, malformed, stale (±5 min) or wrong signature;
 *   400 the request breaks the schema (every problem listed);
 *   200 redelivery: the execution with this request's deterministic name exists (running or finished);
 *   409 another execution for the same environment is running;
 *   202 started.
 */
import { ExecutionStatus, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { executionName, requestHash } from '../commons/naming';
import { MAX_REQUEST_BYTES, parseRequestText } from '../commons/request';
import { SIGNATURE_HEADER, SignatureError, TIMESTAMP_HEADER, headerValue, verifySignature } from '../commons/signature';
import { consoleUrl, describeIfExists, environmentExecutions, executionArnFor } from './executions';
import { HttpAnswer, ProxyEvent, json, rawBody } from './http';
import type { SecretSource } from './secret';

export interface IntakeDeps {
  sfn: SFNClient;
  stateMachineArn: string;
  signingSecret: SecretSource;
  /** Unix seconds; tests move it to check the window. */
  nowSeconds?: () => number;
}

export async function handleIntake(event: ProxyEvent, deps: IntakeDeps): Promise<HttpAnswer> {
  const body = rawBody(event);
  if (body.length > MAX_REQUEST_BYTES) {
    return json(413, { message: `The request is ${body.length} bytes; the limit is ${MAX_REQUEST_BYTES}.` });
  }

  try {
    verifySignature({
      secret: await deps.signingSecret(),
      body,
      timestamp: headerValue(event.headers, TIMESTAMP_HEADER),
      signature: headerValue(event.headers, SIGNATURE_HEADER),
      nowSeconds: deps.nowSeconds?.(),
    });
  } catch (error) {
    if (error instanceof SignatureError) return json(401, { message: error.message, reason: error.reason });
    throw error;
  }

  const parsed = parseRequestText(body);
  if (!parsed.ok) {
    return json(400, { message: `The request has ${parsed.problems.length} problem(s).`, problems: parsed.problems });
  }
  const request = parsed.request;
  const name = executionName(request.environmentId, requestHash(request));
  const executionArn = executionArnFor(deps.stateMachineArn, name);
  const answer = (statusCode: number, status: string, message: string) =>
    json(statusCode, { message, environmentId: request.environmentId, executionArn, executionName: name, status, consoleUrl: consoleUrl(executionArn) });

  // A redelivered webhook (same request) maps to the same name: report that execution, start nothing.
  const existing = await describeIfExists(deps.sfn, executionArn);
  if (existing) return answer(200, String(existing.status), 'Already received; no new execution was started.');

  const running = (
    await environmentExecutions(deps.sfn, deps.stateMachineArn, request.environmentId, ExecutionStatus.RUNNING)
  ).filter((execution) => execution.name !== name);
  if (running.length > 0) {
    return json(409, {
      message: `Environment ${request.environmentId} has an execution running; try again when it has finished.`,
      environmentId: request.environmentId,
      runningExecutionArn: running[0].executionArn,
      consoleUrl: consoleUrl(running[0].executionArn),
    });
  }

  const calledAt = Date.now();
  try {
    const started = await deps.sfn.send(
      new StartExecutionCommand({ stateMachineArn: deps.stateMachineArn, name, input: JSON.stringify(request) }),
    );
    // Step Functions answers a start with the name and input of a RUNNING execution with that execution
    // (idempotent success) instead of an error; its start date then predates this call.
    if (started.startDate && started.startDate.getTime() < calledAt - 2_000) {
      return answer(200, ExecutionStatus.RUNNING, 'Already received; no new execution was started.');
    }
    return answer(202, ExecutionStatus.RUNNING, 'Started.');
  } catch (error) {
    // Lost a race with a concurrent delivery of the same request, or the name belongs to a finished execution.
    if ((error as { name?: string }).name === 'ExecutionAlreadyExists') {
      const now = await describeIfExists(deps.sfn, executionArn);
      return answer(200, String(now?.status ?? 'UNKNOWN'), 'Already received; no new execution was started.');
    }
    throw error;
  }
}
