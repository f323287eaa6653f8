/**
 * The product's Lambda functions as local task handlers: each catalog entry's `handler`, loaded from its
 * source on first use and called with a Lambda-like context, as the Lambda runtime would call it.
 */
import type { Context } from 'aws-lambda';
import { LAMBDAS, type LambdaDefinition } from '../../functions/catalog';
import type { TaskHandler, TaskInvocation } from './engine';
import { LambdaTaskError } from './errors';
import { loadProjectModule } from './project';

type LambdaHandler = (event: unknown, context: Context) => unknown | Promise<unknown>;

const LAMBDA_TIMEOUT_MS = 900_000;

/** The ARN local mode gives a catalog function (the stack's would carry its generated name). */
export function localFunctionArn(definition: Pick<LambdaDefinition, 'id'>, region = 'ap-northeast-1', account = '123456789012'): string {
  return `arn:aws:lambda:${region}:${account}:function:aoai-link-${definition.id}`;
}

function lambdaContext(definition: LambdaDefinition, arn: string, invocation: TaskInvocation): Context {
  const functionName = arn.split(':').pop() ?? definition.id;
  const unsupported = () => {
    throw new Error('local mode: handlers must return a promise, not use the callback API');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: arn,
    memoryLimitInMB: '512',
    awsRequestId: invocation.requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${invocation.executionName}`,
    // Handler compute time does not count on the simulated clock: report the full budget.
    getRemainingTimeInMillis: () => LAMBDA_TIMEOUT_MS,
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

/** Loads the handler the way the Lambda runtime would; a missing module fails like Lambda's import error. */
function loadHandler(definition: LambdaDefinition): LambdaHandler {
  let loaded: { handler?: unknown };
  try {
    loaded = loadProjectModule<{ handler?: unknown }>(definition.entry);
  } catch (error) {
    throw new LambdaTaskError('Runtime.ImportModuleError', `Error: Cannot load ${definition.entry}: ${(error as Error).message}`);
  }
  if (typeof loaded.handler !== 'function') {
    throw new LambdaTaskError('Runtime.HandlerNotFound', `${definition.entry} does not export a function named handler`);
  }
  return loaded.handler as LambdaHandler;
}

export interface CatalogHandlers {
  /** `${Placeholder}` → function ARN, for every catalog entry the state machine calls. */
  substitutions: Record<string, string>;
  /** Task handlers by function ARN. */
  handlers: Record<string, TaskHandler>;
  /** The ARN of the function behind a placeholder. */
  arnOf(placeholder: string): string | undefined;
}

export function catalogHandlers(region: string, accountId: string): CatalogHandlers {
  const substitutions: Record<string, string> = {};
  const handlers: Record<string, TaskHandler> = {};
  for (const definition of LAMBDAS) {
    if (!definition.substitution) continue;
    const arn = localFunctionArn(definition, region, accountId);
    substitutions[definition.substitution] = arn;
    let handler: LambdaHandler | undefined;
    handlers[arn] = (input, invocation) => {
      handler ??= loadHandler(definition);
      return handler(input, lambdaContext(definition, arn, invocation));
    };
  }
  return { substitutions, handlers, arnOf: (placeholder) => substitutions[placeholder] };
}
