/**
 * ARM's error answers. Every refusal the emulator makes is one of these, so the HTTP layer turns them into
 * ARM's shape `{"error":{"code","message"}}` with the right status in one place.
 */

export class ArmError extends Error {
  override name = 'ArmError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra response headers (Retry-After on throttling). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toBody(): { error: { code: string; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

/** 400: the request is well-formed HTTP but ARM refuses it (bad body, bad reference, rule broken). */
export class ArmBadRequestError extends ArmError {
  override name = 'ArmBadRequestError';
  constructor(code: string, message: string) {
    super(400, code, message);
  }
}

/** 404: the resource, or the group or parent it lives in, does not exist. */
export class ArmNotFoundError extends ArmError {
  override name = 'ArmNotFoundError';
  constructor(code: string, message: string) {
    super(404, code, message);
  }
}

/** 409: another operation on the resource (or, for subnets, on its VNet) is still running. */
export class ArmConflictError extends ArmError {
  override name = 'ArmConflictError';
  constructor(code: string, message: string) {
    super(409, code, message);
  }
}
