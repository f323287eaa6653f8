/**
 * The shells every Lambda entry goes through; the logic lives in plain functions that take their clients.
 *
 * - {@link actionHandler}: a task function with several actions. The state machine names an `action`; the
 *   shell runs the matching plain function with the cloud clients, the invocation's logger and the Lambda
 *   context, logs the outcome, and turns any failure into a named, secret-free error that the state's
 *   Retry/Catch can match.
 * - {@link stepHandler}: a task function with one step (the request check, the summary), the same way.
 * - {@link httpHandler}: an API Gateway endpoint; an unexpected failure is logged and answered with a fixed,
 *   detail-free body.
 * - {@link eventHandler}: an EventBridge target; a failure is logged and thrown, so Lambda's async retry and
 *   the dead-letter queue keep the event.
 *
 * Each invocation logs through its own child logger carrying the Lambda request id, the function name and,
 * for tasks, the Step Functions execution name (see ./logger).
 */
import type { Context } from 'aws-lambda';
import { toWorkflowError } from './cloud-errors';
import type { HttpAnswer } from './http';
import { createLogger, invocationLogger, withInvocationLog, type InvocationKeys, type Logger } from './logger';
import type { ActionEnvelope } from './workflow-data';

export type { Context };

/** One action: a plain function of its input, the clients, the invocation's logger and the Lambda context. */
// `never` input: any action's own input type fits the map; the event type is derived from the actions given.
export type ActionMap<Clients> = Record<string, (input: never, clients: Clients, log: Logger, context: Context) => Promise<unknown>>;

/** What the state machine sends the function: one of its actions by name, with that action's input. */
export type ActionEventOf<Actions> = {
  [Name in keyof Actions & string]: ActionEnvelope<Name> & (Actions[Name] extends (input: infer Input, ...rest: never[]) => unknown ? Input : never);
}[keyof Actions & string];

/** The request's environment, when the event carries one (for the log lines). */
function environmentOf(event: unknown): string | undefined {
  type Carrier = { request?: { environmentId?: unknown } | null; environmentId?: unknown; state?: { request?: { environmentId?: unknown } | null } | null };
  const carrier = (event as Carrier | null | undefined) ?? {};
  const id = carrier.request?.environmentId ?? carrier.state?.request?.environmentId ?? carrier.environmentId;
  return typeof id === 'string' ? id : undefined;
}

/** Counts invocations per execution environment, so the first line of each says it was a cold start. */
function coldStartCounter(): () => boolean {
  let invoked = false;
  return () => {
    const cold = !invoked;
    invoked = true;
    return cold;
  };
}

export function actionHandler<Clients, Actions extends ActionMap<Clients>>(
  service: string,
  makeClients: () => Clients,
  actions: Actions,
): (event: ActionEventOf<Actions>, context: Context) => Promise<unknown> {
  const logger = createLogger(service);
  const coldStart = coldStartCounter();
  return async function handler(event: ActionEventOf<Actions>, context: Context): Promise<unknown> {
    const name = (event as { action?: unknown } | null)?.action;
    const action = typeof name === 'string' && Object.hasOwn(actions, name) ? actions[name] : undefined;
    if (!action) throw new Error(`${service} has no action "${String(name)}"; known: ${Object.keys(actions).join(', ')}`);
    const log = invocationLogger(logger, context, {
      executionName: event.executionName,
      action: name as string,
      environmentId: environmentOf(event),
      cold_start: coldStart(),
    });
    return withInvocationLog(log, async () => {
      try {
        const result = await action(event as never, makeClients(), log, context);
        log.info('action finished', { result });
        return result;
      } catch (error) {
        const named = toWorkflowError(error, `${service}.${String(name)}`);
        log.warn('action failed', { error: named.name, cause: named.message });
        throw named;
      }
    });
  };
}

/**
 * A task function with one step. `doing` names the step in an unnamed failure's message (the state's name
 * reads best); `describe` picks what the success line shows (never the whole result when it is large).
 */
export function stepHandler<Clients, Event, Result>(
  service: string,
  doing: string,
  makeClients: () => Clients,
  step: (event: Event, clients: Clients, log: Logger, context: Context) => Promise<Result>,
  describe: (result: Result) => InvocationKeys = () => ({}),
): (event: Event, context: Context) => Promise<Result> {
  const logger = createLogger(service);
  const coldStart = coldStartCounter();
  return async function handler(event: Event, context: Context): Promise<Result> {
    const log = invocationLogger(logger, context, {
      executionName: (event as { executionName?: string } | null)?.executionName,
      environmentId: environmentOf(event),
      cold_start: coldStart(),
    });
    return withInvocationLog(log, async () => {
      try {
        const result = await step(event, makeClients(), log, context);
        log.info('step finished', describe(result));
        return result;
      } catch (error) {
        const named = toWorkflowError(error, doing);
        log.warn('step failed', { error: named.name, cause: named.message });
        throw named;
      }
    });
  };
}

/**
 * An API Gateway endpoint. `failed` is the answer to an unexpected error: its details go to the log, never to
 * the caller.
 */
export function httpHandler<Event>(
  service: string,
  handle: (event: Event, log: Logger, context: Context) => Promise<HttpAnswer>,
  failed: HttpAnswer,
): (event: Event, context: Context) => Promise<HttpAnswer> {
  const logger = createLogger(service);
  const coldStart = coldStartCounter();
  return async function handler(event: Event, context: Context): Promise<HttpAnswer> {
    const log = invocationLogger(logger, context, { cold_start: coldStart() });
    return withInvocationLog(log, async () => {
      try {
        const answer = await handle(event, log, context);
        log.info('answered', { statusCode: answer.statusCode });
        return answer;
      } catch (error) {
        log.error('request failed', { error: (error as { name?: string })?.name ?? 'Error', cause: String((error as Error)?.message ?? error) });
        return failed;
      }
    });
  };
}

/** An EventBridge target: a failure is logged and thrown, so Lambda retries the event and then keeps it. */
export function eventHandler<Event, Result>(
  service: string,
  handle: (event: Event, log: Logger, context: Context) => Promise<Result>,
  describe: (result: Result, event: Event) => InvocationKeys = () => ({}),
): (event: Event, context: Context) => Promise<Result> {
  const logger = createLogger(service);
  const coldStart = coldStartCounter();
  return async function handler(event: Event, context: Context): Promise<Result> {
    const log = invocationLogger(logger, context, { cold_start: coldStart() });
    return withInvocationLog(log, async () => {
      try {
        const result = await handle(event, log, context);
        log.info('event handled', describe(result, event));
        return result;
      } catch (error) {
        log.error('event failed', { error: (error as { name?: string })?.name ?? 'Error', cause: String((error as Error)?.message ?? error) });
        throw error;
      }
    });
  };
}
