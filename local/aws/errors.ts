/**
 * Errors the emulated AWS services answer with. One class carries the service error code, the HTTP status
 * and the message; each protocol (EC2 query XML, JSON 1.1, Lambda REST-JSON) renders it in its own wire shape.
 */

export class AwsServiceError extends Error {
  override name = 'AwsServiceError';

  constructor(
    /** The service's error code as the SDK reads it (`InvalidVpcID.NotFound`, `ResourceNotFoundException`...). */
    readonly code: string,
    message: string,
    /** HTTP status; AWS answers client errors with 400 unless a service documents otherwise. */
    readonly status = 400,
    /** Extra response headers (Lambda's `Retry-After`, for instance). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** A request the endpoint cannot route to any emulated service (wrong path, no Action, no X-Amz-Target). */
export class UnknownOperationError extends AwsServiceError {
  override name = 'UnknownOperationError';

  constructor(message: string) {
    super('UnknownOperationException', message, 404);
  }
}

/** EC2 errors: the codes the real service uses, so callers can branch on them exactly as on AWS. */
export const ec2Errors = {
  missing: (name: string) => new AwsServiceError('MissingParameter', `The request must contain the parameter ${name}`),
  invalidValue: (message: string) => new AwsServiceError('InvalidParameterValue', message),
  notFound: (code: string, noun: string, id: string) => new AwsServiceError(code, `The ${noun} ID '${id}' does not exist`),
  unsupported: (message: string) => new AwsServiceError('UnsupportedOperation', message),
};

/** Converts a glob as EC2 filters accept it (`*` any run, `?` one character) to a whole-string RegExp. */
export function globRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}
