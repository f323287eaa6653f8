/**
 * When a provisioning execution ends, tell its ticket: a signed JSON POST to `ticket.callbackUrl`
 * {environmentId, executionArn, status, summary, consoleUrl, error, cause}.
 *
 * The payload is built from DescribeExecution (the event's own copy of input/output can be truncated), and
 * it never carries a secret: the workflow keeps secrets in Secrets Manager and passes only ARNs, and as a
 * second line of defence any field whose name denotes key material is redacted here.
 */
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { signatureHeaders } from '../commons/signature';
import { consoleUrl, parseOutput } from '../intake/executions';
import { PostOptions, PostResult, postJsonWithRetries } from './post';
import type { SecretSource } from '../intake/secret';

/** The EventBridge "Step Functions Execution Status Change" event, the fields used. */
export interface ExecutionStatusEvent {
  'detail-type'?: string;
  detail: { executionArn: string; stateMachineArn?: string; status: string; name?: string };
}

export interface CallbackPayload {
  environmentId: string | null;
  ticketId: string | null;
  executionArn: string;
  status: string;
  summary: unknown;
  consoleUrl: string;
  error: string | null;
  cause: string | null;
}

export interface NotifyDeps {
  sfn: SFNClient;
  signingSecret: SecretSource;
  post?: PostOptions;
  /** Accept http:// callbacks to 127.0.0.1 (local mode and tests). The request schema requires https. */
  allowLoopbackHttp?: boolean;
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

const KEY_MATERIAL = /(psk|sharedkey|password|passphrase|clientsecret|privatekey|secretstring|secretvalue|apikey|accesskey|token)/;
/** References to secrets (their ARN, name or id) are not secrets. */
const REFERENCE = /(arn|arns|name|names|id|ids)$/;

function denotesKeyMaterial(key: string): boolean {
  const normalized = key.toLowerCase().replace(/[^a-z]/g, '');
  return KEY_MATERIAL.test(normalized) && !REFERENCE.test(normalized);
}

/** Deep copy with fields whose names denote key material replaced by "[redacted]". ARNs are kept. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, inner]) => [
        key,
        denotesKeyMaterial(key) ? '[redacted]' : redactSecrets(inner),
      ]),
    );
  }
  return value;
}

function parseInput(input: string | undefined): { environmentId?: string; ticket?: { id?: string; callbackUrl?: string } } {
  try {
    return JSON.parse(input ?? '{}') ?? {};
  } catch {
    return {};
  }
}

export async function notifyTicket(event: ExecutionStatusEvent, deps: NotifyDeps): Promise<NotifyOutcome> {
  const executionArn = event.detail.executionArn;
  const execution = await deps.sfn.send(new DescribeExecutionCommand({ executionArn }));
  const input = parseInput(execution.input);
  const callbackUrl = input.ticket?.callbackUrl;
  if (!callbackUrl) return { notified: false, reason: 'The request names no ticket callbackUrl.' };

  const url = new URL(callbackUrl);
  const loopbackHttp = deps.allowLoopbackHttp && url.protocol === 'http:' && url.hostname === '127.0.0.1';
  if (url.protocol !== 'https:' && !loopbackHttp) throw new InsecureCallbackUrl(callbackUrl);

  const status = String(execution.status ?? event.detail.status);
  const payload: CallbackPayload = {
    environmentId: input.environmentId ?? null,
    ticketId: input.ticket?.id ?? null,
    executionArn,
    status,
    summary: redactSecrets(parseOutput(execution.output) ?? null),
    consoleUrl: consoleUrl(executionArn),
    error: execution.error ?? null,
    cause: execution.cause ?? null,
  };
  const body = JSON.stringify(payload);
  const headers = signatureHeaders(await deps.signingSecret(), body);
  const result = await postJsonWithRetries(callbackUrl, body, headers, deps.post);
  return { notified: true, callbackUrl, result, payload };
}
