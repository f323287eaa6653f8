/**
 * What runs an execution behind the local Step Functions endpoint. The server owns names, idempotency and
 * the API; a backend only runs one execution and reports its history events and its end.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { HistoryEvent } from '../runner/history';
import { projectRoot } from '../runner/project';
import { redriveDefinition, type RedriveDefinition } from './redrive';
// Types only (erased at run time): the runner itself is loaded lazily below.
import type { LocalRunOptions, LocalRunResult } from '../runner';

/** The definition behind each local state machine, by the state machine's name. */
const DEFINITIONS: Record<string, string> = {
  'aoai-link-provision': 'statemachine/provision.asl.json',
  'aoai-link-teardown': 'statemachine/teardown.asl.json',
};
const DEFAULT_DEFINITION = DEFINITIONS['aoai-link-provision'];

/** True when the execution belongs to the teardown state machine. */
export function isTeardownExecution(execution: Pick<StartedExecution, 'stateMachineArn'>): boolean {
  return execution.stateMachineArn?.split(':').pop() === 'aoai-link-teardown';
}

export type TerminalStatus = 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface ExecutionEnd {
  status: TerminalStatus;
  output?: string;
  error?: string | null;
  cause?: string | null;
}

export interface ExecutionSink {
  onEvent(event: HistoryEvent): void;
  onEnd(end: ExecutionEnd): void;
}

export interface StartedExecution {
  executionArn: string;
  /** The state machine it was started on (absent: provisioning). */
  stateMachineArn?: string;
  name: string;
  /** The parsed input document. */
  input: unknown;
}

/** A failed, timed-out or aborted execution to continue (RedriveExecution). */
export interface RedrivenExecution extends StartedExecution {
  /** The execution's history so far: where it stopped and with which input. */
  events: HistoryEvent[];
  /** The count after this redrive (1 for the first): `$$.Execution.RedriveCount` while it runs. */
  redriveCount: number;
}

export interface LocalExecutionBackend {
  /** Begin running; must not throw synchronously for a run-time failure (report it through onEnd). */
  start(execution: StartedExecution, sink: ExecutionSink): void;
  /**
   * Continue from the unsuccessful state. Throws NotRedrivable (synchronously) when the history gives
   * nowhere to resume; run-time failures go through onEnd. Backends without it cannot redrive.
   */
  redrive?(execution: RedrivenExecution, sink: ExecutionSink): void;
}

/** The part of runLocal's result this backend reads; tests may pass a runLocal that answers only this. */
export type RunLocalResultLike = Pick<LocalRunResult, 'status' | 'error' | 'cause' | 'output' | 'problems'>;

export type RunLocal = (options: LocalRunOptions) => Promise<RunLocalResultLike>;

type BackendRunOptions = Omit<LocalRunOptions, 'request' | 'onEvent' | 'output'>;

export interface RunLocalBackendOptions {
  /** Passed to every run (world, state file, faults, a toy definition and handlers in tests). */
  runOptions?: BackendRunOptions;
  /** Per execution, over runOptions (tests: a fault in the first run only). */
  runOptionsFor?: (execution: StartedExecution) => BackendRunOptions;
  /** Default: local/runner's runLocal. */
  runLocal?: RunLocal;
}

/**
 * Runs executions with the local runner, one at a time: runLocal sets process-wide client configuration,
 * so two runs in one process would step on each other. Queued executions stay RUNNING, as they would be
 * in the cloud while waiting for capacity.
 */
export class RunLocalBackend implements LocalExecutionBackend {
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly options: RunLocalBackendOptions = {}) {}

  start(execution: StartedExecution, sink: ExecutionSink): void {
    this.queue = this.queue.then(() => this.run(execution, sink));
  }

  /**
   * The same runner on a definition rewritten to resume where the history stopped (redrive.ts), with
   * `$$.Execution.RedriveCount` set. The first state does not run again, so neither does the check before it.
   */
  redrive(execution: RedrivenExecution, sink: ExecutionSink): void {
    const options = this.runOptionsOf(execution);
    const machineDefinition = options.teardown ? DEFINITIONS['aoai-link-teardown'] : DEFAULT_DEFINITION;
    const definitionFile = path.resolve(options.definitionFile ?? path.join(projectRoot(), machineDefinition));
    const plan = redriveDefinition(JSON.parse(readFileSync(definitionFile, 'utf8')) as RedriveDefinition, execution.events);
    const planDir = mkdtempSync(path.join(os.tmpdir(), 'aoai-link-redrive-'));
    const planFile = path.join(planDir, `${execution.name}-redrive-${execution.redriveCount}.asl.json`);
    writeFileSync(planFile, JSON.stringify(plan, null, 2));
    this.queue = this.queue.then(() =>
      this.run(execution, sink, { definitionFile: planFile, redriveCount: execution.redriveCount, checkBeforeStart: false }),
    );
  }

  /** A teardown execution runs the teardown definition; the options given win (a toy definition in tests). */
  private runOptionsOf(execution: StartedExecution): BackendRunOptions {
    return { ...(isTeardownExecution(execution) ? { teardown: true } : {}), ...this.options.runOptions, ...this.options.runOptionsFor?.(execution) };
  }

  /** Resolves when every queued run has finished (tests, shutdown). */
  idle(): Promise<void> {
    return this.queue;
  }

  private async run(execution: StartedExecution, sink: ExecutionSink, redrive: BackendRunOptions = {}): Promise<void> {
    // Loaded on first use: the runner pulls in the emulated clouds, which the server alone does not need.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const runLocal: RunLocal = this.options.runLocal ?? (require('../runner') as { runLocal: RunLocal }).runLocal;
    try {
      const result = await runLocal({
        outDir: path.join(os.tmpdir(), 'aoai-link-local-sfn', execution.name),
        ...this.runOptionsOf(execution),
        ...redrive,
        request: execution.input,
        onEvent: (event) => sink.onEvent(event),
        output: null,
      });
      if (result.status === 'REFUSED') {
        // In the cloud the request would be refused by the first state: a failed execution.
        sink.onEnd({
          status: 'FAILED',
          error: 'RequestRefused',
          cause: (result.problems ?? []).map((p) => `${p.path}: ${p.message}`).join('\n') || result.cause,
        });
        return;
      }
      sink.onEnd({
        status: result.status,
        output: result.output === undefined ? undefined : JSON.stringify(result.output),
        error: result.error,
        cause: result.cause,
      });
    } catch (error) {
      sink.onEnd({ status: 'FAILED', error: 'States.Runtime', cause: `Local runner failed: ${(error as Error).message}` });
    }
  }
}
