/**
 * Turns whatever a cloud SDK threw into a small named error: the name is what the state machine's Retry
 * matches, the message is what the engineer reads. SDK errors carry the request (an ARM connection body holds
 * the shared key) and the response; neither leaves the task. Known secret values are scrubbed from messages.
 */
import { PermissionDenied, ResourceNotReady, TransientCloudError, WorkflowError } from './errors';
import { redactText } from './redact';

const secretsToScrub = new Set<string>();

/** Registers a secret value that must never appear in an error message or a log line. */
export function rememberSecret(value: string | undefined): void {
  if (value && value.length >= 6) secretsToScrub.add(value);
}

export function scrub(text: string): string {
  let out = text;
  for (const secret of secretsToScrub) out = out.split(secret).join('[redacted]');
  // Then the shared rules for values that look like secrets (the one redactor, ./redact).
  return redactText(out);
}

const THROTTLING = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TooManyRequests',
  'ProvisionedThroughputExceededException',
  'SubscriptionRequestsThrottled',
]);

/**
 * Codes Node, the AWS SDK and the Azure SDK give a request that never got an answer: the connection was
 * refused, reset or timed out, or the name did not resolve. Codes, not message words: a 403 whose message
 * mentions "Microsoft.Network" is not a network failure.
 */
const NO_ANSWER_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNABORTED',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'REQUEST_SEND_ERROR',
  'TimeoutError',
]);

/** Azure answers these while a resource it depends on is still being built: wait, do not fail. */
const AZURE_NOT_READY = new Set(['AnotherOperationInProgress', 'ReferencedResourceNotProvisioned', 'RetryableError']);

/**
 * @smithy/middleware-retry (asSdkError) replaces a thrown value that is not an Error of this JavaScript realm
 * with `new Error("AWS SDK error wrapper for <text>")`, dropping its code. Service errors are built by the SDK
 * itself and never take that path; only the transport's socket errors do, when the handler runs inside a
 * sandboxed realm (jest's, in the tests). Recognised by that exact prefix and the absence of any response.
 */
const SDK_TRANSPORT_WRAPPER_PREFIX = 'AWS SDK error wrapper for ';

function isSdkTransportWrapper(e: AnyCloudError): boolean {
  return e.code === undefined && e.$metadata?.httpStatusCode === undefined && (e.message ?? '').startsWith(SDK_TRANSPORT_WRAPPER_PREFIX);
}

/** A missing permission: no retry grants it, so the run stops at once and says what to grant. */
const ARM_PERMISSION_CODES = new Set(['AuthorizationFailed', 'LinkedAuthorizationFailed']);
const AWS_PERMISSION_CODES = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation']);

interface AnyCloudError {
  name?: string;
  message?: string;
  code?: string;
  statusCode?: number;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

/** The error's service code: AWS `name`, Azure `code`. */
export function cloudErrorCode(error: unknown): string {
  const e = error as AnyCloudError;
  return e?.code ?? e?.name ?? 'Error';
}

export function httpStatusOf(error: unknown): number | undefined {
  const e = error as AnyCloudError;
  return e?.statusCode ?? e?.$metadata?.httpStatusCode;
}

export function isNotFound(error: unknown): boolean {
  const code = cloudErrorCode(error);
  return httpStatusOf(error) === 404 || /NotFound/.test(code);
}

/**
 * ARM's 409 AnotherOperationInProgress: an operation still runs on the resource or on what it belongs to (one
 * connection operation at a time per VPN gateway, one subnet operation at a time per VNet). By code and status.
 */
export function isAnotherOperationInProgress(error: unknown): boolean {
  return httpStatusOf(error) === 409 && cloudErrorCode(error) === 'AnotherOperationInProgress';
}

/** What a read answers, or undefined when the cloud says the thing is not there (any other error is thrown). */
export async function unlessNotFound<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** A named, secret-free error for the state machine. */
export function toWorkflowError(error: unknown, doing: string): Error {
  if (error instanceof WorkflowError) {
    error.message = scrub(error.message);
    return error;
  }
  const e = (error ?? {}) as AnyCloudError;
  const code = cloudErrorCode(error);
  const status = httpStatusOf(error);
  const message = scrub(`${doing}: ${code}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? String(error)}`);
  if (ARM_PERMISSION_CODES.has(code) || AWS_PERMISSION_CODES.has(code)) {
    return new PermissionDenied(scrub(`${message}. ${permissionAdvice(code, e.message ?? '')}`));
  }
  if (AZURE_NOT_READY.has(code)) return new ResourceNotReady(message);
  if (THROTTLING.has(code) || status === 429 || (status !== undefined && status >= 500) || e.$retryable) {
    return new TransientCloudError(message);
  }
  if (NO_ANSWER_CODES.has(code) || NO_ANSWER_CODES.has(e.name ?? '') || isSdkTransportWrapper(e)) {
    return new TransientCloudError(message);
  }
  const named = new Error(message);
  // Keep the service's own code as the Error name (e.g. InvalidParameterValue), so the console shows it.
  named.name = /^[A-Za-z][A-Za-z0-9.]*$/.test(code) ? code : 'CloudApiError';
  return named;
}

/**
 * The roles the README asks the Azure service principal to hold, by the resource provider of the action ARM
 * refused. Anything else is named by its action alone.
 */
const AZURE_ROLE_BY_PROVIDER: Record<string, string> = {
  'microsoft.network': 'Network Contributor',
  'microsoft.cognitiveservices': 'Cognitive Services Contributor',
};

export interface MissingPermission {
  cloud: 'azure' | 'aws';
  /** The action the cloud refused, when its message names it (ARM and IAM messages do). */
  action?: string;
  /** ARM: the scope the action was refused on. */
  scope?: string;
  /** Azure: the built-in role that grants the action. */
  role?: string;
  /** AWS: the principal that was refused (the function's role). */
  principal?: string;
}

/**
 * What is missing, read from a permission error the code already identified. The message is only read for
 * the action and scope it names (ARM: "...perform action 'X' over scope 'Y'"; linked: "...does not have
 * permission to perform action(s) 'X' on the linked scope(s) 'Y'"; IAM: "User: P is not authorized to
 * perform: X"), never to decide what kind of error it is.
 */
export function missingPermission(code: string, message: string): MissingPermission {
  if (ARM_PERMISSION_CODES.has(code)) {
    const refused =
      code === 'LinkedAuthorizationFailed'
        ? /does not have permission to perform action(?:\(s\))? '([^']+)' on the linked scope(?:\(s\))? '([^']+)'/.exec(message)
        : /perform action '([^']+)' over scope '([^']+)'/.exec(message);
    const action = refused?.[1];
    const provider = action?.split('/')[0].toLowerCase();
    return { cloud: 'azure', action, scope: refused?.[2]?.split(',')[0], role: provider ? AZURE_ROLE_BY_PROVIDER[provider] : undefined };
  }
  const refused = /User: (\S+) is not authorized to perform: ([\w-]+:[\w*]+)/.exec(message);
  return { cloud: 'aws', principal: refused?.[1], action: refused?.[2] };
}

/** One sentence an engineer can act on: what to grant, to whom, where. */
export function permissionAdvice(code: string, message: string): string {
  const missing = missingPermission(code, message);
  if (missing.cloud === 'azure') {
    const where = missing.scope ? ` on ${scopeForRole(missing.scope, missing.role)}` : '';
    if (missing.role) return `Grant the Azure service principal the ${missing.role} role${where} (it lacks ${missing.action}).`;
    if (missing.action) return `Grant the Azure service principal a role that allows ${missing.action}${where}.`;
    return 'Grant the Azure service principal Network Contributor on the VNet\'s resource group and Cognitive Services Contributor on the OpenAI account.';
  }
  const who = missing.principal ? `the role of ${missing.principal}` : "this task's Lambda function role";
  if (missing.action) return `Allow ${missing.action} for ${who} (functions/catalog.ts lists each function's calls; the stack builds its policy from them).`;
  return `Allow the call for ${who} (functions/catalog.ts lists each function's calls; the stack builds its policy from them).`;
}

/** Network Contributor is granted on the resource group; Cognitive Services Contributor on the account. */
function scopeForRole(scope: string, role: string | undefined): string {
  if (role === 'Network Contributor') {
    const group = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+/i.exec(scope);
    if (group) return `resource group ${group[0]}`;
  }
  if (role === 'Cognitive Services Contributor') {
    const account = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.CognitiveServices\/accounts\/[^/]+/i.exec(scope);
    if (account) return account[0];
  }
  return scope;
}

/**
 * ARM's refusals to delete a resource something else still uses or holds, by code and status: 400
 * InUse<Type>CannotBeDeleted and PublicIPAddressCannotBeDeleted (the Network RP), 409 CannotDeleteResource
 * (nested resources still exist), 409 AnotherOperationInProgress. A teardown waits on them while what uses the
 * resource is itself being removed.
 */
export function isAzureDeletionRefusedWhileInUse(error: unknown): boolean {
  const code = cloudErrorCode(error);
  const status = httpStatusOf(error);
  if (status === 400) return /^InUse[A-Za-z]+CannotBeDeleted$/.test(code) || code === 'PublicIPAddressCannotBeDeleted';
  if (status === 409) return code === 'CannotDeleteResource' || code === 'AnotherOperationInProgress';
  return false;
}
