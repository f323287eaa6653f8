/**
 * Named errors of the local runner. They describe problems with the run itself (a definition the runner cannot
 * run faithfully, a bad option), never the workflow's own failures, which end as a FAILED execution.
 */

export class LocalRunnerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The definition has a `${...}` placeholder the runner has no value for. */
export class UnknownPlaceholderError extends LocalRunnerError {}

/**
 * A Task state whose Resource has no local handler. The interpreter would otherwise call the real AWS Lambda
 * service, which local mode must never do.
 */
export class UnsupportedResourceError extends LocalRunnerError {}

/** The definition uses something the runner cannot model faithfully (Timestamp waits, clashing state names). */
export class UnsupportedDefinitionError extends LocalRunnerError {}

/** A bad `local` command option (unreadable file, bad fault spec...). */
export class LocalOptionError extends LocalRunnerError {}

/**
 * What a local Lambda handler's failure becomes inside the interpreter. The interpreter matches Retry/Catch on
 * the thrown error's `name` and uses its `message` as the Cause, so the message is the Lambda-style Cause JSON
 * Step Functions reports for a direct Lambda Task: `{"errorType":...,"errorMessage":...}`.
 */
export class LambdaTaskError extends Error {
  readonly errorType: string;
  readonly errorMessage: string;

  constructor(errorType: string, errorMessage: string) {
    super(JSON.stringify({ errorType, errorMessage }));
    // Assigned after super: the interpreter reads `name` as the Error to match.
    this.name = errorType;
    this.errorType = errorType;
    this.errorMessage = errorMessage;
  }

  /** Turns whatever a handler threw into the error Step Functions would see from Lambda. */
  static from(thrown: unknown): LambdaTaskError {
    if (thrown instanceof LambdaTaskError) return thrown;
    if (thrown instanceof Error) return new LambdaTaskError(thrown.name || 'Error', thrown.message);
    return new LambdaTaskError('Error', typeof thrown === 'string' ? thrown : JSON.stringify(thrown) ?? String(thrown));
  }
}
