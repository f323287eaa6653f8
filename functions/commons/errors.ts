/**
 * Named errors. The error's `name` is what Step Functions matches in Retry/Catch and shows as the execution's
 * Error; the message is the Cause a network engineer reads: it names the resource and what it last reported.
 * No message ever carries a secret.
 */
import { encodeRefusal } from './refusal';
import type { RequestProblem } from './request/contract';

/**
 * Each error names itself with a string, not its class's name: the bundles are minified, and a minifier renames
 * classes.
 */
export class WorkflowError extends Error {
  override name = 'WorkflowError';
}

/**
 * The request is refused before anything is created. `problems` holds every problem with its field path; the
 * message carries them as JSON, since only the message reaches Step Functions (./refusal reads it back).
 */
export class RequestRefused extends WorkflowError {
  override name = 'RequestRefused';
  readonly summary: string;
  readonly problems: RequestProblem[];

  constructor(summary: string, problems: RequestProblem[]) {
    const { message, refusal } = encodeRefusal(summary, problems);
    super(message);
    this.summary = refusal.summary;
    this.problems = refusal.problems;
    // The stack's first line would repeat the whole message in the Cause's trace: the summary is enough there.
    if (this.stack) this.stack = [`${this.name}: ${this.summary}`, ...this.stack.split('\n').filter((line) => /^\s+at /.test(line))].join('\n');
  }
}

/** A resource this step depends on is not ready yet; the state's Retry waits and tries again. */
export class ResourceNotReady extends WorkflowError {
  override name = 'ResourceNotReady';
}

/** Throttling, 5xx, a dropped connection: safe to retry (every task is idempotent). */
export class TransientCloudError extends WorkflowError {
  override name = 'TransientCloudError';
}

/** The Azure VPN gateway build ended Failed. */
export class GatewayBuildFailed extends WorkflowError {
  override name = 'GatewayBuildFailed';
}

/** A bounded wait ran out; the message says what the resource last reported. */
export class WaitTimedOut extends WorkflowError {
  override name = 'WaitTimedOut';
}

/** The tunnels did not come up within the bounded wait. */
export class TunnelsDown extends WorkflowError {
  override name = 'TunnelsDown';
}

/** An Azure or AWS resource ended in a failed state. */
export class ResourceFailed extends WorkflowError {
  override name = 'ResourceFailed';
}

/** The probe from inside the VPC did not prove the private path; the message names what is missing. */
export class ProbeFailed extends WorkflowError {
  override name = 'ProbeFailed';
}

/** A resource exists with our name but a configuration we did not ask for; we do not overwrite it silently. */
export class ResourceConflict extends WorkflowError {
  override name = 'ResourceConflict';
}

/**
 * A cloud refused a call for want of a permission (ARM AuthorizationFailed/LinkedAuthorizationFailed, AWS
 * AccessDenied/UnauthorizedOperation): no retry grants it. The message names the action and what to grant.
 */
export class PermissionDenied extends WorkflowError {
  override name = 'PermissionDenied';
}

/**
 * Errors that no retry can fix: the ASL lists them with MaxAttempts 0 before its States.ALL retrier.
 * (ProbeFailed is not among them: the probe states try again, for the path to settle.)
 */
export const TERMINAL_ERRORS = [
  'RequestRefused',
  'GatewayBuildFailed',
  'WaitTimedOut',
  'TunnelsDown',
  'ResourceFailed',
  'ResourceConflict',
  'PermissionDenied',
];
