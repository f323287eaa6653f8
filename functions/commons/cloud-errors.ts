/**
 * Turns whatever a cloud SDK threw into a small named error: the name is what the state machine's Retry
 * matches, the message is what the engineer reads. SDK errors carry the request (an ARM connection body holds
 * the shared key) and the response; neither leaves the task. Known secret values are scrubbed from messages.
 */
import { ResourceNotReady, TransientCloudError, WorkflowError } from './errors';

const secretsToScrub = new Set<string>();

/** Registers a secret value that must never appear in an error message or a log line. */
export function rememberSecret(value: string | undefined): void {
  if (value && value.length >= 6) secretsToScrub.add(value);
}

export function scrub(text: string): string {
  let out = text;
  for (const secret of secretsToScrub) out = out.split(secret).join('[redacted]');
  return out;
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

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ECONNABORTED', 'EAI_AGAIN', 'REQUEST_SEND_ERROR']);

/** Azure answers these while a resource it depends on is still being built: wait, do not fail. */
const AZURE_NOT_READY = new Set(['AnotherOperationInProgress', 'ReferencedResourceNotProvisioned', 'RetryableError']);

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
  if (AZURE_NOT_READY.has(code)) return new ResourceNotReady(message);
  if (THROTTLING.has(code) || status === 429 || (status !== undefined && status >= 500) || e.$retryable) {
    return new TransientCloudError(message);
  }
  if (NETWORK_CODES.has(code) || /socket hang up|ECONNRESET|network/i.test(e.message ?? '') || code === 'TimeoutError') {
    return new TransientCloudError(message);
  }
  const named = new Error(message);
  // Keep the service's own code as the Error name (e.g. InvalidParameterValue), so the console shows it.
  named.name = /^[A-Za-z][A-Za-z0-9.]*$/.test(code) ? code : 'CloudApiError';
  return named;
}
