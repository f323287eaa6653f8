/**
 * Turns the interpreter's event log into an execution history in the shape of Step Functions'
 * GetExecutionHistory, stamped with the simulated clock, and keeps what report.json needs from it (state
 * transitions, the timeline per state, where a failure started).
 *
 * The interpreter's events arrive through an async generator, a few microtasks after they happen. The
 * simulated clock only moves after the event loop has settled for several macrotask turns, so reading it
 * on arrival gives the time the event happened.
 */
import type { TaskInfo } from './definition';

/**
 * An execution history event in the shape of Step Functions' GetExecutionHistory: the fields the local runs write
 * and the command line's progress display reads (of real executions too).
 */
export interface HistoryEvent {
  id: number;
  previousEventId?: number;
  /** e.g. ExecutionStarted, TaskStateEntered, TaskStateExited, WaitStateEntered, TaskFailed, ExecutionSucceeded. */
  type: string;
  /** Real runs: the event time. Local runs: start of the run plus the simulated seconds. */
  timestamp: Date | string;
  stateEnteredEventDetails?: { name: string; input?: string };
  stateExitedEventDetails?: { name: string; output?: string };
  executionSucceededEventDetails?: { output?: string };
  executionFailedEventDetails?: { error?: string; cause?: string };
  taskFailedEventDetails?: { resourceType?: string; resource?: string; error?: string; cause?: string };
  /** Local runs only: simulated seconds since the execution started. */
  simulatedSeconds?: number;
}

/** A history event, with the details Step Functions adds for the event types local runs produce. */
export interface LocalHistoryEvent extends HistoryEvent {
  executionStartedEventDetails?: { input?: string; roleArn?: string };
  taskScheduledEventDetails?: { resourceType: string; resource: string; region?: string; parameters?: string };
  taskStartedEventDetails?: { resourceType: string; resource: string };
  taskSucceededEventDetails?: { resourceType: string; resource: string; output?: string };
  mapIterationStartedEventDetails?: { name: string; index: number };
  mapIterationSucceededEventDetails?: { name: string; index: number };
  mapIterationFailedEventDetails?: { name: string; index: number };
}

export interface TimelineEntry {
  state: string;
  /** Simulated seconds since the start. */
  enteredAt: number;
  /**
   * When it exited; a state that failed the execution gets the time of its failure, one whose branch was
   * cancelled the end of the execution.
   */
  exitedAt: number;
  /** The error the state failed the execution with. */
  error?: string;
  /** Map iteration index, for states inside a Map. */
  index?: number;
}

/** The interpreter's event, as far as this module reads it (its types are not exported). */
export interface InterpreterEvent {
  type: string;
  state?: { name: string; type: string; input?: unknown; output?: unknown };
  parentState?: { name: string; type: string };
  index?: number;
  input?: unknown;
  output?: unknown;
  Error?: string;
  Cause?: unknown;
}

interface OpenFailure {
  key: string;
  name: string;
  error: string;
  at: number;
}

export interface HistoryOptions {
  /** Simulated seconds now. */
  now: () => number;
  /** Wall-clock date that simulated second 0 stands for. */
  startDate: Date;
  /** Rewritten Waits, reported as Wait states. */
  waits: Set<string>;
  tasks: Map<string, TaskInfo>;
  region?: string;
  roleArn?: string;
  onEvent?: (event: HistoryEvent) => void;
}

function json(value: unknown): string {
  return JSON.stringify(value === undefined ? null : value);
}

function causeText(cause: unknown): string {
  if (cause === undefined || cause === null) return '';
  return typeof cause === 'string' ? cause : cause instanceof Error ? cause.message : JSON.stringify(cause);
}

export class HistoryBuilder {
  readonly events: LocalHistoryEvent[] = [];
  readonly timeline: TimelineEntry[] = [];
  stateTransitions = 0;
  /** Simulated seconds at which the execution ended, once it has. */
  endedAt: number | undefined;
  status: 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT' | undefined;
  output: unknown;
  error: string | null = null;
  cause: string | null = null;
  /** The state where the failure that ended the execution started (the innermost one). */
  failedState: string | undefined;

  private lastId = 0;
  private readonly lastIdByKey = new Map<string, number>();
  private readonly openEntries = new Map<string, TimelineEntry[]>();
  private readonly openFailures: OpenFailure[] = [];
  /** Tasks whose failure the task wrapper already reported, at the time it happened. */
  private readonly reportedFailures = new Map<string, number>();
  /** Task states whose last failure was caught: their exit is not a TaskSucceeded. */
  private readonly caught = new Set<string>();

  constructor(private readonly options: HistoryOptions) {}

  /**
   * The task wrapper reports a handler failure when it happens (the interpreter's StateFailed comes only after
   * the retry interval has been slept). Call it after pending interpreter events have been consumed.
   */
  taskFailed(stateName: string, error: string, cause: string): void {
    const task = this.options.tasks.get(stateName);
    if (!task) return;
    this.reportedFailures.set(stateName, (this.reportedFailures.get(stateName) ?? 0) + 1);
    this.emit('TaskFailed', stateName, {
      taskFailedEventDetails: { resourceType: 'lambda', resource: task.resource, error, cause },
    }, this.lastKeyOf(stateName));
  }

  /** One interpreter event. */
  add(event: InterpreterEvent): void {
    switch (event.type) {
      case 'ExecutionStarted':
        this.emit('ExecutionStarted', undefined, {
          executionStartedEventDetails: { input: json(event.input), ...(this.options.roleArn ? { roleArn: this.options.roleArn } : {}) },
        });
        return;
      case 'ExecutionSucceeded':
        this.end('SUCCEEDED');
        this.output = event.output;
        this.emit('ExecutionSucceeded', undefined, { executionSucceededEventDetails: { output: json(event.output) } });
        return;
      case 'ExecutionFailed':
        this.end('FAILED');
        this.error = event.Error ?? 'States.Runtime';
        this.cause = causeText(event.Cause);
        this.failedState = this.failureOrigin(this.error);
        this.emit('ExecutionFailed', undefined, { executionFailedEventDetails: { error: this.error, cause: this.cause } });
        return;
      case 'ExecutionAborted':
        if (this.endedAt !== undefined) return; // the engine ended it (simulated timeout) and then aborted it
        this.end('ABORTED');
        this.emit('ExecutionAborted', undefined, {});
        return;
      case 'ExecutionTimeout':
        this.end('TIMED_OUT');
        this.emit('ExecutionTimedOut', undefined, {});
        return;
      case 'StateEntered':
        return this.entered(event);
      case 'StateExited':
        return this.exited(event);
      case 'StateFailed':
        return this.failed(event);
      case 'StateRetried':
        return this.retried(event);
      case 'StateCaught':
        return this.stateCaught(event);
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed': {
        const name = event.parentState?.name ?? '';
        const detailsKey = `${event.type[0].toLowerCase()}${event.type.slice(1)}EventDetails`;
        this.emit(event.type, name, { [detailsKey]: { name, index: event.index ?? 0 } });
        return;
      }
      default:
        // ParallelBranch* events have no counterpart in Step Functions' history.
        return;
    }
  }

  /**
   * Ends the execution as timed out on the simulated clock (the engine aborts the interpreter; its
   * ExecutionAborted event is then ignored).
   */
  timedOut(seconds: number): void {
    this.end('TIMED_OUT');
    this.error = 'States.Timeout';
    this.cause = `The execution ran longer than its TimeoutSeconds (${seconds} simulated seconds)`;
    this.emit('ExecutionTimedOut', undefined, { executionFailedEventDetails: { error: this.error, cause: this.cause } });
  }

  /** Closes the timeline: states that never exited get the failure that ended them, or the end of the run. */
  finish(): void {
    for (const failure of this.openFailures) {
      const entry = this.openEntries.get(failure.key)?.pop();
      if (entry) {
        entry.exitedAt = failure.at;
        entry.error = failure.error;
      }
    }
    this.openFailures.length = 0;
    const end = this.endedAt ?? this.now();
    for (const entry of this.timeline) if (Number.isNaN(entry.exitedAt)) entry.exitedAt = end;
    this.openEntries.clear();
  }

  /** The key the state's latest events were recorded under (Map iterations add their index). */
  private lastKeyOf(stateName: string): string {
    let found = `${stateName}#`;
    let latest = -1;
    for (const [key, id] of this.lastIdByKey) {
      if (key.slice(0, key.lastIndexOf('#')) === stateName && id > latest) {
        found = key;
        latest = id;
      }
    }
    return found;
  }

  private kindOf(state: { name: string; type: string }): string {
    return state.type === 'Task' && this.options.waits.has(state.name) ? 'Wait' : state.type;
  }

  private key(event: InterpreterEvent): string {
    return `${event.state?.name ?? ''}#${event.index ?? ''}`;
  }

  private entered(event: InterpreterEvent): void {
    const state = event.state!;
    const kind = this.kindOf(state);
    const key = this.key(event);
    this.stateTransitions++;
    this.caught.delete(key);
    // NaN marks "not exited yet" until finish() closes the timeline.
    const entry: TimelineEntry = { state: state.name, enteredAt: this.now(), exitedAt: Number.NaN, ...(event.index !== undefined ? { index: event.index } : {}) };
    this.timeline.push(entry);
    const open = this.openEntries.get(key) ?? [];
    open.push(entry);
    this.openEntries.set(key, open);

    this.emit(`${kind}StateEntered`, state.name, { stateEnteredEventDetails: { name: state.name, input: json(state.input) } }, key, true);
    if (kind === 'Task') this.taskStarted(state.name, key, state.input);
    if (kind === 'Parallel') this.emit('ParallelStateStarted', state.name, {}, key);
    if (kind === 'Map') this.emit('MapStateStarted', state.name, {}, key);
  }

  private taskStarted(name: string, key: string, input: unknown): void {
    const resource = this.options.tasks.get(name)?.resource ?? '';
    this.emit('TaskScheduled', name, {
      taskScheduledEventDetails: { resourceType: 'lambda', resource, ...(this.options.region ? { region: this.options.region } : {}), parameters: json(input) },
    }, key);
    this.emit('TaskStarted', name, { taskStartedEventDetails: { resourceType: 'lambda', resource } }, key);
  }

  private exited(event: InterpreterEvent): void {
    const state = event.state!;
    const kind = this.kindOf(state);
    const key = this.key(event);
    const entry = this.openEntries.get(key)?.pop();
    if (entry) entry.exitedAt = this.now();
    if (kind === 'Task' && !this.caught.has(key)) {
      const resource = this.options.tasks.get(state.name)?.resource ?? '';
      this.emit('TaskSucceeded', state.name, { taskSucceededEventDetails: { resourceType: 'lambda', resource, output: json(state.output) } }, key);
    }
    if (kind === 'Parallel' && !this.caught.has(key)) this.emit('ParallelStateSucceeded', state.name, {}, key);
    if (kind === 'Map' && !this.caught.has(key)) this.emit('MapStateSucceeded', state.name, {}, key);
    this.caught.delete(key);
    this.emit(`${kind}StateExited`, state.name, { stateExitedEventDetails: { name: state.name, output: json(state.output) } }, key);
  }

  private failed(event: InterpreterEvent): void {
    const state = event.state!;
    const kind = this.kindOf(state);
    const key = this.key(event);
    const error = event.Error ?? 'States.Runtime';
    const cause = causeText(event.Cause);
    this.openFailures.push({ key, name: state.name, error, at: this.now() });
    if (kind === 'Task') {
      const reported = this.reportedFailures.get(state.name) ?? 0;
      if (reported > 0) {
        this.reportedFailures.set(state.name, reported - 1);
      } else {
        const resource = this.options.tasks.get(state.name)?.resource ?? '';
        this.emit('TaskFailed', state.name, { taskFailedEventDetails: { resourceType: 'lambda', resource, error, cause } }, key);
      }
    } else if (kind === 'Parallel' || kind === 'Map') {
      this.emit(`${kind}StateFailed`, state.name, {}, key);
    }
  }

  private retried(event: InterpreterEvent): void {
    const key = this.key(event);
    this.dropFailure(key);
    const state = event.state!;
    if (this.kindOf(state) === 'Task') this.taskStarted(state.name, key, state.input);
    if (this.kindOf(state) === 'Parallel') this.emit('ParallelStateStarted', state.name, {}, key);
    if (this.kindOf(state) === 'Map') this.emit('MapStateStarted', state.name, {}, key);
  }

  private stateCaught(event: InterpreterEvent): void {
    const key = this.key(event);
    this.dropFailure(key);
    this.caught.add(key);
  }

  private dropFailure(key: string): void {
    for (let i = this.openFailures.length - 1; i >= 0; i--) {
      if (this.openFailures[i].key === key) {
        this.openFailures.splice(i, 1);
        return;
      }
    }
  }

  /** The innermost state that failed with the execution's error and was neither retried nor caught. */
  private failureOrigin(error: string): string | undefined {
    return (this.openFailures.find((f) => f.error === error) ?? this.openFailures[0])?.name;
  }

  private end(status: NonNullable<HistoryBuilder['status']>): void {
    if (this.endedAt === undefined) {
      this.endedAt = this.now();
      this.status = status;
    }
  }

  private now(): number {
    return this.options.now();
  }

  private emit(type: string, stateName: string | undefined, details: Partial<LocalHistoryEvent>, key?: string, fromLast = false): void {
    // Nothing follows the execution's end (leftovers of cancelled branches are not part of the history).
    if (this.events.length > 0 && this.events[this.events.length - 1].type.startsWith('Execution') && this.endedAt !== undefined) return;
    const id = this.lastId + 1;
    const previous = key !== undefined && !fromLast ? this.lastIdByKey.get(key) ?? this.lastId : this.lastId;
    const seconds = this.now();
    const event: LocalHistoryEvent = {
      id,
      ...(previous > 0 ? { previousEventId: previous } : {}),
      type,
      timestamp: new Date(this.options.startDate.getTime() + seconds * 1000).toISOString(),
      ...details,
      simulatedSeconds: seconds,
    };
    this.lastId = id;
    if (key !== undefined) this.lastIdByKey.set(key, id);
    else if (stateName !== undefined) this.lastIdByKey.set(`${stateName}#`, id);
    this.events.push(event);
    this.options.onEvent?.(event);
  }
}
