/**
 * One logging shape for every function: Powertools for AWS Lambda's Logger, with the product's one redactor
 * (./redact) as its formatter, so a pre-shared key, client secret, token or API key that ends up in a logged
 * object or message is replaced before it reaches CloudWatch.
 *
 * Every line is one JSON object: level, timestamp, service, message, the Lambda request id and function name
 * (from the invocation's context), and what the handler shell adds for the invocation (the Step Functions
 * execution name, the action, the environment). The level is Powertools' own setting: `POWERTOOLS_LOG_LEVEL`,
 * else `LOG_LEVEL` (TRACE, DEBUG, INFO, WARN, ERROR, CRITICAL, SILENT; any case), INFO by default; Lambda's
 * advanced logging control level wins over both. DEBUG and INFO lines go to stdout, WARN and ERROR to stderr,
 * which Lambda (and whoever runs the handlers elsewhere) captures.
 *
 * Domain code logs its idempotency decisions (found, created, adopted, repaired) through {@link invocationLog},
 * the logger of the invocation it runs in; each invocation has its own child logger, so invocations that run
 * concurrently in one process never mix their keys.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { LogFormatter, LogItem, Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import type { Context } from 'aws-lambda';
import { redact } from './redact';

export { redact };

export type Logger = PowertoolsLogger;

/** The product's line: Powertools' standard keys, then the invocation's keys, all through the redactor. */
export class RedactingLogFormatter extends LogFormatter {
  formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const context = attributes.lambdaContext;
    const line: LogAttributes = {
      level: attributes.logLevel,
      timestamp: this.formatTimestamp(attributes.timestamp),
      service: attributes.serviceName,
      message: attributes.message,
      function_name: context?.functionName,
      function_request_id: context?.awsRequestId,
      xray_trace_id: attributes.xRayTraceId,
      ...additional,
    };
    return new LogItem({ attributes: redact(line) as LogAttributes });
  }
}

/** The level as configured, in any case (Powertools itself reads only upper-case names from the environment). */
function configuredLevel(): string | undefined {
  const level = process.env.POWERTOOLS_LOG_LEVEL || process.env.LOG_LEVEL;
  return level ? level.toUpperCase() : undefined;
}

/** A logger for one function (its `service`), writing the product's line. */
export function createLogger(service: string): Logger {
  return new PowertoolsLogger({ serviceName: service, logLevel: configuredLevel() as never, logFormatter: new RedactingLogFormatter() });
}

/** What a handler shell knows about one invocation. */
export interface InvocationKeys {
  /** The Step Functions execution's name (`$$.Execution.Name`), for task functions. */
  executionName?: string;
  action?: string;
  environmentId?: string;
  /** True on the first invocation of this execution environment. */
  cold_start?: boolean;
  [key: string]: unknown;
}

/**
 * The logger of one invocation: a child of the function's logger, with the Lambda context and the invocation's
 * keys. A child of its own (not keys appended to the shared logger) keeps concurrent invocations apart.
 */
export function invocationLogger(parent: Logger, context: Context | undefined, keys: InvocationKeys): Logger {
  const present = Object.fromEntries(Object.entries(keys).filter(([, value]) => value !== undefined));
  const child = parent.createChild({ persistentKeys: present });
  if (context) child.addContext(context);
  return child;
}

const current = new AsyncLocalStorage<Logger>();
let outsideAnyInvocation: Logger | undefined;

/** Runs `work` with `log` as the invocation's logger (see {@link invocationLog}). */
export function withInvocationLog<T>(log: Logger, work: () => Promise<T>): Promise<T> {
  return current.run(log, work);
}

/**
 * The logger of the invocation this code runs in: what domain code logs its decisions with. Outside any
 * handler (a script, a test calling a domain function directly) it is a logger of its own.
 */
export function invocationLog(): Logger {
  const log = current.getStore();
  if (log) return log;
  outsideAnyInvocation ??= createLogger('aoai-link');
  return outsideAnyInvocation;
}
