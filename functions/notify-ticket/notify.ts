/**
 * When a provisioning or a teardown execution ends, tell its ticket: a signed JSON POST to `ticket.callbackUrl`
 * {environmentId, ticketId, workflow, executionArn, status, summary, consoleUrl, error, cause, problems}. A
 * teardown's input is the environment's request too, so it reports to the same ticket; `workflow` tells the
 * two apart (by the execution's name, which the product chose), and `summary` is then the teardown summary.
 *
 * The payload is built from DescribeExecution (the event's own copy of input/output can be truncated), and
 * it never carries a secret: the workflow keeps secrets in Secrets Manager and passes only ARNs, and as a
 * second line of defence the one redactor (commons/redact) scrubs the summary, the error and the cause.
 *
 * The callback is checked again here, where the connection is made: its text, and through a lookup hook the
 * address the socket actually dials (a name may resolve elsewhere now than when the request was validated).
 */
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { callbackChecksOfThisEnvironment, callbackHostProblem, guardedLookup, type CallbackChecks } from '../commons/callback-url';
import { redact, redactText } from '../commons/redact';
import { refusalProblems, type RequestProblem } from '../commons/refusal';
import { signatureHeaders } from '../commons/signature';
import { consoleUrl, isTeardownExecution, parseOutput, type WorkflowKind } from '../commons/executions';
import { PostOptions, PostResult, postJsonWithRetries } from './post';
import type { SecretSource } from '../commons/secret';

/** The EventBridge "Step Functions Execution Status Change" event, the fields used. */
export interface ExecutionStatusEvent {
  'detail-type'?: string;
  detail: { executionArn: string; stateMachineArn?: string; status: string; name?: string };
}

export interface CallbackPayload {
  environmentId: string | null;
  ticketId: string | null;
  /** Which workflow ended. */
  workflow: WorkflowKind;
  executionArn: string;
  status: string;
  summary: unknown;
  consoleUrl: string;
  error: string | null;
  cause: string | null;
  /** A refused request's problems, each with its field path (null for anything else). */
  problems: RequestProblem[] | null;
}

export interface NotifyDeps {
  sfn: SFNClient;
  signingSecret: SecretSource;
  post?: PostOptions;
  /** Resolver and allowed networks; default the configured ones (CALLBACK_DNS_SERVERS, CALLBACK_ALLOWED_NETWORKS). */
  callbackChecks?: CallbackChecks;
}

export type NotifyOutcome =
  | { notified: true; callbackUrl: string; result: PostResult; payload: CallbackPayload }
  | { notified: false; reason: string };

export class InsecureCallbackUrl extends Error {
  constructor(url: string) {
    super(`Refusing to send a status to ${new URL(url).origin}: callbacks must use https.`);
    this.name = 'InsecureCallbackUrl';
  }
}

/** The callback points at (or now resolves to) an address that is not public. */
export class CallbackRefused extends Error {
  constructor(reason: string) {
    super(`Refusing to send a status to the callback: ${redactText(reason)}.`);
    this.name = 'CallbackRefused';
  }
}

/** Deep copy with secret-named fields replaced and secret-looking text scrubbed (the one redactor). */
export const redactSecrets = redact;

function parseInput(input: string | undefined): { environmentId?: string; ticket?: { id?: string; callbackUrl?: string } } {
  try {
    return JSON.parse(input ?? '{}') ?? {};
  } catch {
    return {};
  }
}

/** A teardown's execution name is `<environmentId>-teardown-<n>`; every other name is a provisioning's. */
function workflowOf(executionName: string, environmentId: string | undefined): WorkflowKind {
  return environmentId && isTeardownExecution(executionName, environmentId) ? 'teardown' : 'provisioning';
}

export async function notifyTicket(event: ExecutionStatusEvent, deps: NotifyDeps): Promise<NotifyOutcome> {
  const executionArn = event.detail.executionArn;
  const execution = await deps.sfn.send(new DescribeExecutionCommand({ executionArn }));
  const input = parseInput(execution.input);
  const callbackUrl = input.ticket?.callbackUrl;
  if (!callbackUrl) return { notified: false, reason: 'The request names no ticket callbackUrl.' };

  const url = new URL(callbackUrl);
  if (url.protocol !== 'https:') throw new InsecureCallbackUrl(callbackUrl);
  const checks = deps.callbackChecks ?? callbackChecksOfThisEnvironment();
  const textProblem = callbackHostProblem(url, checks.allowance);
  if (textProblem) throw new CallbackRefused(textProblem);

  const status = String(execution.status ?? event.detail.status);
  const payload: CallbackPayload = {
    environmentId: input.environmentId ?? null,
    ticketId: input.ticket?.id ?? null,
    workflow: workflowOf(execution.name ?? event.detail.name ?? executionArn.split(':').pop() ?? '', input.environmentId),
    executionArn,
    status,
    summary: redact(parseOutput(execution.output) ?? null),
    consoleUrl: consoleUrl(executionArn),
    error: execution.error === undefined ? null : redactText(execution.error),
    cause: execution.cause === undefined ? null : redactText(execution.cause),
    problems: execution.error === 'RequestRefused' ? (refusalProblems(execution.cause ?? '') ?? null) : null,
  };
  const body = JSON.stringify(payload);
  const headers = signatureHeaders(await deps.signingSecret(), body);
  const port = url.port ? Number(url.port) : 443;
  const result = await postJsonWithRetries(callbackUrl, body, headers, { ...deps.post, lookup: guardedLookup(checks, port) });
  return { notified: true, callbackUrl, result, payload };
}
