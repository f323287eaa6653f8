/**
 * The engine of local mode: runs a state machine definition on aws-local-stepfunctions with local task
 * handlers, on the simulated clock, and returns the execution's result and history. It knows nothing about
 * the emulated clouds, so it can be tested with toy state machines and toy handlers.
 *
 * How a handler's failure reaches Retry/Catch: the interpreter matches Retry/Catch on the thrown error's
 * `name` and uses its `message` as the Cause (Catch output, StateFailed, ExecutionFailed). The task wrapper
 * rethrows every failure as a LambdaTaskError whose name is the handler error's name and whose message is the
 * Lambda-style Cause `{"errorType","errorMessage"}`, as Step Functions reports a direct Lambda Task failure.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { StateMachine } from 'aws-local-stepfunctions';
import type { HistoryEvent } from './history';
import { SimulatedClock } from '../clock';
import { Cancellation } from './cancellation';
import { prepareDefinition, type Definition, type TaskInfo } from './definition';
import { LambdaTaskError } from './errors';
import { HistoryBuilder, type InterpreterEvent, type LocalHistoryEvent, type TimelineEntry } from './history';
import { RetryPolicy } from './retry';

/** What a local task handler is told about its invocation. */
export interface TaskInvocation {
  stateName: string;
  /** The Task's Resource (a function ARN). */
  resource: string;
  /** Deterministic request id: execution name and invocation number. */
  requestId: string;
  executionName: string;
}

/** A local stand-in for the function behind a Task Resource. */
export type TaskHandler = (input: unknown, invocation: TaskInvocation) => unknown | Promise<unknown>;

export interface EngineOptions {
  /** The definition with placeholders already substituted. */
  definition: Definition;
  /** Handlers by Task Resource. Every Task Resource in the definition must have one. */
  handlers: Record<string, TaskHandler>;
  input: unknown;
  /** Defaults to a fresh clock at 0; times are counted from its reading at the start. The engine stops it when the execution has ended. */
  clock?: SimulatedClock;
  /** The wall-clock date simulated second 0 stands for (history timestamps). */
  startDate?: Date;
  executionName?: string;
  region?: string;
  accountId?: string;
  /** Seed of the FULL-jitter retry draws. */
  jitterSeed?: number;
  /** `$$.Execution.RedriveCount`: how many times this execution has been redriven. Default 0. */
  redriveCount?: number;
  onEvent?: (event: HistoryEvent) => void;
  /** Real milliseconds to let handlers of cancelled branches finish before returning. */
  drainMilliseconds?: number;
  /** False leaves the clock running at the end, for executions that share it (the caller stops it). Default true. */
  stopClock?: boolean;
}

export interface EngineResult {
  status: 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error: string | null;
  cause: string | null;
  /** Where the failure started (the innermost state). */
  failedState?: string;
  events: LocalHistoryEvent[];
  simulatedSeconds: number;
  /** States entered. */
  stateTransitions: number;
  /** Handler invocations (rewritten Waits excluded). */
  taskInvocations: number;
  timeline: TimelineEntry[];
}

/**
 * What simulated second 0 stands for: fixed, so the same run gives the same history timestamps on any
 * machine. The same epoch as the emulated AWS APIs' dates (local/aws/ids.ts), so both read alike.
 */
export const LOCAL_START_DATE = new Date('2025-01-01T00:00:00.000Z');

const DEFAULT_DRAIN_MILLISECONDS = 10_000;

function toJson(value: unknown): unknown {
  // What crosses a Lambda boundary is JSON: undefined becomes null, Dates become strings.
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

/** Simulated seconds a rewritten Wait sleeps, from the Parameters its rewrite set. */
function waitSeconds(parameters: { seconds?: unknown; timestamp?: unknown }, nowDate: Date): number {
  if (typeof parameters.seconds === 'number') return Math.max(0, parameters.seconds);
  if (typeof parameters.timestamp === 'string') {
    const target = Date.parse(parameters.timestamp);
    if (Number.isNaN(target)) throw new LambdaTaskError('States.Runtime', `Wait timestamp "${parameters.timestamp}" is not a valid date`);
    return Math.max(0, (target - nowDate.getTime()) / 1000);
  }
  throw new LambdaTaskError('States.Runtime', `Wait seconds must be a number, got ${JSON.stringify(parameters.seconds)}`);
}

export async function runStateMachine(options: EngineOptions): Promise<EngineResult> {
  const clock = options.clock ?? new SimulatedClock();
  const startDate = options.startDate ?? LOCAL_START_DATE;
  const executionName = options.executionName ?? 'local-execution';
  const region = options.region ?? 'ap-northeast-1';
  const accountId = options.accountId ?? '123456789012';
  const prepared = prepareDefinition(options.definition, new Set(Object.keys(options.handlers)));
  const retries = new RetryPolicy(options.jitterSeed ?? 1);
  // A clock resumed from a saved state does not start at 0; the history counts from this execution's start.
  const origin = clock.now();
  const elapsed = () => clock.now() - origin;
  const history = new HistoryBuilder({
    now: elapsed,
    startDate,
    waits: prepared.waits,
    tasks: prepared.tasks,
    region,
    roleArn: `arn:aws:iam::${accountId}:role/aoai-link-local`,
    onEvent: options.onEvent,
  });

  let taskInvocations = 0;
  const inFlight = new Set<Promise<unknown>>();

  const cancellation = new Cancellation();
  const enclosing = (name: string) => prepared.scopes.get(name) ?? [];
  /** What a task or wait of a cancelled branch gets instead of running. */
  const cancelled = (name: string) => new LambdaTaskError('States.BranchCancelled', `"${name}" belongs to a branch that was cancelled or an execution that ended`);

  const taskWrapper = (task: TaskInfo) => async (input: unknown) => {
    const scopes = enclosing(task.name);
    // Left over from a cancelled branch (the interpreter retries even there): do not call the clouds again.
    if (cancellation.isCancelled(scopes)) throw cancelled(task.name);
    taskInvocations++;
    const invocation: TaskInvocation = {
      stateName: task.name,
      resource: task.resource,
      requestId: `${executionName}-${String(taskInvocations).padStart(5, '0')}`,
      executionName,
    };
    const handler = options.handlers[task.resource];
    let failure: LambdaTaskError | undefined;
    const run = clock.hold(async () => {
      try {
        return toJson(await handler(toJson(input), invocation));
      } catch (thrown) {
        failure = LambdaTaskError.from(thrown);
        // Still holding the clock: let the interpreter's pending events reach the history first, so the
        // TaskFailed event lands after this attempt's TaskScheduled/TaskStarted, at the time it happened.
        await nextTurn();
        if (!cancellation.isCancelled(scopes)) history.taskFailed(task.name, failure.name, failure.message);
        throw failure;
      }
    });
    inFlight.add(run);
    try {
      const result = await run;
      retries.onSuccess(task.name);
      return result as never;
    } catch {
      const error = failure ?? new LambdaTaskError('Error', 'the task failed');
      const delay = retries.onFailure(task.name, task.retry, error.name);
      if (delay !== undefined && delay > 0 && !cancellation.isCancelled(scopes)) {
        await Promise.race([clock.sleep(delay), cancellation.whenCancelled(scopes)]);
      }
      throw error;
    } finally {
      inFlight.delete(run);
    }
  };

  // Waits of cancelled branches would sleep forever on the stopped clock, and the interpreter's real-time
  // task timer beside each would keep the process alive: they end when their branch or the execution does.
  const waitHandler = (name: string) => async (parameters: unknown) => {
    const scopes = enclosing(name);
    if (cancellation.isCancelled(scopes)) throw cancelled(name);
    const { input, ...timing } = (parameters ?? {}) as { input?: unknown; seconds?: unknown; timestamp?: unknown };
    const seconds = waitSeconds(timing, new Date(startDate.getTime() + elapsed() * 1000));
    await Promise.race([clock.sleep(seconds), cancellation.whenCancelled(scopes)]);
    return (input ?? null) as never;
  };

  const taskResourceLocalHandlers: Record<string, (input: any) => Promise<any>> = {};
  for (const task of prepared.tasks.values()) taskResourceLocalHandlers[task.name] = taskWrapper(task);
  for (const name of prepared.waits) taskResourceLocalHandlers[name] = waitHandler(name);
  // The interpreter waits 0 real ms between attempts; the wrapper has slept the interval on the simulated clock.
  const retryIntervalOverrides = Object.fromEntries([...prepared.retryable].map((name) => [name, 0]));

  const machine = new StateMachine(prepared.definition as any, { validationOptions: { checkArn: true, checkPaths: true } });
  const execution = machine.run(toJson(options.input) as any, {
    overrides: { taskResourceLocalHandlers, retryIntervalOverrides },
    context: {
      Execution: {
        Id: `arn:aws:states:${region}:${accountId}:execution:aoai-link-provision:${executionName}`,
        Name: executionName,
        RoleArn: `arn:aws:iam::${accountId}:role/aoai-link-local`,
        // 0 until the execution is redriven, as in the service; states read it through $$.Execution.RedriveCount.
        RedriveCount: options.redriveCount ?? 0,
      },
      StateMachine: { Id: `arn:aws:states:${region}:${accountId}:stateMachine:aoai-link-provision`, Name: 'aoai-link-provision' },
    },
  });

  let finished = false;
  if (prepared.timeoutSeconds !== undefined) {
    const limit = prepared.timeoutSeconds;
    void clock.sleep(limit).then(() => {
      if (finished) return;
      history.timedOut(limit);
      cancellation.end();
      execution.abort();
    });
  }

  const consumed = (async () => {
    for await (const raw of execution.eventLogs) {
      const event = raw as unknown as InterpreterEvent;
      const type = event.state?.type;
      if (type === 'Parallel' || type === 'Map') {
        if (event.type === 'StateEntered' || event.type === 'StateRetried') cancellation.reopen(event.state!.name);
        if (event.type === 'StateFailed') cancellation.cancel(event.state!.name);
      }
      if (event.type.startsWith('Execution') && event.type !== 'ExecutionStarted') cancellation.end();
      history.add(event);
    }
  })();

  try {
    await execution.result;
  } catch {
    // The history carries the failure (ExecutionFailed, or the simulated timeout).
  }
  finished = true;
  await consumed;
  cancellation.end();
  history.finish();

  // Handlers of cancelled parallel branches may still be talking to the clouds: let them end before the
  // caller closes the servers, but never hang on them.
  if (inFlight.size > 0) {
    const drain = options.drainMilliseconds ?? DEFAULT_DRAIN_MILLISECONDS;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...inFlight]),
      new Promise((resolve) => {
        timer = setTimeout(resolve, drain);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }
  // Sleepers left behind (the timeout, waits of cancelled branches) must not move the clock past the end.
  if (options.stopClock !== false) clock.stop();

  const succeeded = history.status === 'SUCCEEDED';
  return {
    status: succeeded ? 'SUCCEEDED' : 'FAILED',
    ...(succeeded ? { output: history.output } : {}),
    error: succeeded ? null : history.error ?? 'States.Runtime',
    cause: succeeded ? null : history.cause ?? '',
    ...(history.failedState ? { failedState: history.failedState } : {}),
    events: history.events,
    simulatedSeconds: history.endedAt ?? elapsed(),
    stateTransitions: history.stateTransitions,
    taskInvocations,
    timeline: history.timeline,
  };
}
