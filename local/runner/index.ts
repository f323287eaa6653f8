/**
 * Local mode (contract: local-cloud.md): validates the request, starts the emulated clouds, points the real
 * handlers' real SDK clients at them, runs the real definition on the simulated clock, then writes
 * history.json and report.json and saves the clouds to `--state`. With `teardown` it runs the teardown state
 * machine instead, and the report also says what the run removed.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { executionName as nameExecution, requestHash } from '../../functions/commons/naming';
import type { EnvironmentRequest, RequestProblem } from '../../functions/commons/request/contract';
import { parseRequestText } from '../../functions/commons/request/schema';
import { refusalProblems } from '../../functions/commons/refusal';
import { TOKEN_LIFETIME_SECONDS } from '../azure/entra';
import { startLocalClouds, type LocalClouds } from '../cloud';
import { writeStateFile, type CloudState } from '../cloud/state';
import { startLocalPublicDns } from '../cloud/public-dns';
import { parseAllowedNetworks } from '../../functions/commons/callback-url';
import { readWorld, stateFromWorld } from '../cloud/world';
import { FaultSpecError, parseFaults } from '../faults';
import type { Definition, Retrier } from './definition';
import { substitutePlaceholders } from './definition';
import { LOCAL_START_DATE, runStateMachine, type TaskHandler } from './engine';
import { LambdaTaskError, LocalOptionError } from './errors';
import type { HistoryEvent, LocalHistoryEvent } from './history';
import { captureFunctionLogs } from './function-logs';
import { catalogHandlers, localFunctionArn } from './lambdas';
import { LOCAL_CALLBACK_NETWORKS, localCallbackEnvironment, endpointsOf, localFunctionEnvironment } from './environment';
import { projectRoot } from './project';
import { buildReport, removableResources, type Report } from './report';
import { localReportPage } from './report-html';
import { RetryPolicy } from './retry';

export { runStateMachine, LOCAL_START_DATE } from './engine';
export type { EngineOptions, EngineResult, TaskHandler, TaskInvocation } from './engine';
export type { Report } from './report';
export type { HistoryEvent } from './history';

/** What shows an execution's progress (the command line's display): its events, then how it ended. */
export interface ProgressSink {
  onEvent(event: HistoryEvent): void;
  finish(summary: { status: string; error?: string | null; cause?: string | null; seconds?: number; state?: string }): void;
}
export * from './errors';
export { localFunctionArn } from './lambdas';

export interface LocalRunOptions {
  requestFile?: string;
  /** The request document itself (instead of a file). */
  request?: unknown;
  worldFile?: string;
  stateFile?: string;
  outDir?: string;
  faults?: string;
  jitterSeed?: number;
  /**
   * Runs the teardown state machine (statemachine/teardown.asl.json, contract v2 `--teardown`) for each request's
   * environment instead of provisioning it.
   */
  teardown?: boolean;
  /** Default statemachine/provision.asl.json (statemachine/teardown.asl.json with `teardown`). */
  definitionFile?: string;
  /** Each history event as it happens, with the execution it belongs to (several run at once). */
  onEvent?: (event: HistoryEvent, executionName: string) => void;
  /** Where the run's own lines go (start, refusal); null = silent; default stdout. */
  output?: NodeJS.WritableStream | null;
  /** A display per execution (the command line passes its ProgressDisplay); none by default. */
  progress?: (executionName: string, output: NodeJS.WritableStream) => ProgressSink;
  /**
   * Tests: handlers by placeholder name (`SomeFunctionArn`), replacing the catalog's or adding toy ones
   * (their ARN is made like the catalog's from the name without `FunctionArn`).
   */
  handlers?: Record<string, TaskHandler>;
  /** Tests: false runs without the emulated clouds (toy definitions whose handlers need none). */
  clouds?: boolean;
  /** `$$.Execution.RedriveCount` for the run (the local endpoint's RedriveExecution). Default 0. */
  redriveCount?: number;
  /** False skips the check before start (a redrive does not run the first state again). Default true. */
  checkBeforeStart?: boolean;
  /** Tests: every task of this state fails, as if its function crashed there, so the run stops half way at it. */
  stopAtState?: string;
}

export interface LocalRunResult {
  exitCode: 0 | 1 | 2;
  executionName?: string;
  status: 'SUCCEEDED' | 'FAILED' | 'REFUSED';
  error: string | null;
  cause: string | null;
  output?: unknown;
  problems?: RequestProblem[];
  /** The state the failure started in. */
  failedState?: string;
  report?: Report;
  history?: { events: HistoryEvent[] };
  outDir?: string;
  realMilliseconds: number;
}

/**
 * What each state machine is run from, and the check local mode makes before an execution starts: the task of
 * the machine's first state, so a request the cloud's first state would refuse is refused here before anything
 * runs (exit 2). For a teardown that task is the inventory: it only reads, so running it once more is harmless.
 */
const MACHINES = {
  provision: { definition: 'statemachine/provision.asl.json', check: 'ValidateRequestFunctionArn' },
  teardown: { definition: 'statemachine/teardown.asl.json', check: 'TeardownInventoryFunctionArn' },
} as const;
type Machine = keyof typeof MACHINES;
const machineOf = (options: LocalRunOptions): Machine => (options.teardown ? 'teardown' : 'provision');
/** The retry bookkeeping key of the check that runs before the execution starts. */
const CHECK_BEFORE_START = '(before start)';

/** The Retry of the definition's Task that calls the check (its first state), so local mode retries as the cloud would. */
function checkRetriers(definition: Definition, checkArn: string): Retrier[] {
  const first = definition.States[definition.StartAt];
  const state = first?.Resource === checkArn ? first : Object.values(definition.States).find((candidate) => candidate.Resource === checkArn);
  return (state?.Retry ?? []) as Retrier[];
}
/** The networks local mode allows the callback (every emulated listener is on 127.0.0.1), as its functions are configured. */
const LOCAL_CALLBACK_ALLOWANCE = parseAllowedNetworks(LOCAL_CALLBACK_NETWORKS);
const DEFAULT_REQUEST = 'events/new-environment.json';
const DEFAULT_WORLD = 'local/default-world.json';
/** Seed of the fault draws when no --jitter seed is given. */
const DEFAULT_SEED = 1;


function readJsonFile<T>(file: string, what: string): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (error) {
    throw new LocalOptionError(`cannot read the ${what} ${file}: ${(error as Error).message}`);
  }
}

/**
 * The latest simulated second a saved state already mentions: a reloaded run's clock starts there, so what
 * an earlier run created is as ready now as it was then.
 */
export function latestSimulatedSecond(state: CloudState): number {
  const keys = new Set(['createdAt', 'readyAt', 'deletedAt', 'startedAt', 'CreatedDate', 'DeletedDate', 'LastStatusChange']);
  let latest = 0;
  const visit = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if (keys.has(key) && typeof item === 'number' && Number.isFinite(item)) latest = Math.max(latest, item);
        else visit(item);
      }
    }
  };
  visit(state);
  return Math.ceil(latest);
}

/**
 * Sets the handlers' environment for the run and gives back a function that restores the previous one.
 * Process-wide, so only what is the same for every execution of the run goes here (endpoints, CA, credentials).
 */
export function setHandlerEnvironment(values: Record<string, string>): () => void {
  const previous = Object.fromEntries(Object.keys(values).map((key) => [key, process.env[key]]));
  Object.assign(process.env, values);
  return () => {
    for (const [key, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}

/** `--faults`, parsed; a bad spec is the user's mistake (LocalOptionError). */
export function faultsOption(spec: string | undefined): ReturnType<typeof parseFaults> {
  try {
    return parseFaults(spec);
  } catch (error) {
    if (error instanceof FaultSpecError) throw new LocalOptionError(`--faults: ${error.message}`);
    throw error;
  }
}

/** The clouds' state a local command starts from: the saved `--state` when it exists, else the world's. */
export function startingCloudState(options: { stateFile?: string; worldFile?: string }, root: string): { state: CloudState; fromState: boolean } {
  if (options.stateFile && existsSync(options.stateFile)) return { state: readJsonFile<CloudState>(options.stateFile, 'state file'), fromState: true };
  return { state: stateFromWorld(readWorld(path.resolve(options.worldFile ?? path.join(root, DEFAULT_WORLD)))), fromState: false };
}

function printProblems(out: NodeJS.WritableStream | null, problems: RequestProblem[], machine: Machine): void {
  if (!out) return;
  out.write(`The request was refused; nothing was ${machine === 'teardown' ? 'removed' : 'created'}. ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n`);
  for (const problem of problems) out.write(`  - ${problem.path}: ${problem.message}\n`);
}

function refused(problems: RequestProblem[], started: number, out: NodeJS.WritableStream | null, machine: Machine, executionName?: string): LocalRunResult {
  printProblems(out, problems, machine);
  return {
    exitCode: 2,
    ...(executionName ? { executionName } : {}),
    status: 'REFUSED',
    error: 'RequestRefused',
    cause: problems.map((p) => `${p.path}: ${p.message}`).join('\n'),
    problems,
    realMilliseconds: Date.now() - started,
  };
}


/** Several requests at once (contract v2): one clock, one set of emulated clouds, each its own output. */
export interface LocalRequestsOptions extends Omit<LocalRunOptions, 'requestFile' | 'request'> {
  requestFiles?: string[];
  /** The request documents themselves (instead of files). */
  requests?: unknown[];
}

export interface LocalRequestsResult {
  /** 0 every execution succeeded; 2 any request was refused (nothing was created for it); 1 otherwise. */
  exitCode: 0 | 1 | 2;
  /** One per request, in the order given. */
  runs: LocalRunResult[];
}

interface ParsedRequest {
  executionName?: string;
  input?: unknown;
  /** The accepted request (its names say which resources are its environment's). */
  request?: EnvironmentRequest;
  problems?: RequestProblem[];
}

/**
 * A teardown's execution gets a name of its own (`<environmentId>-teardown-<hash>`), so its run directory never
 * takes the place of the provisioning run's history beside it.
 */
export function teardownExecutionName(request: EnvironmentRequest): string {
  return nameExecution(`${request.environmentId}-teardown`, requestHash(request));
}

function readRequest(root: string, file: string | undefined, document: unknown, machine: Machine): ParsedRequest {
  const requestText = document !== undefined ? JSON.stringify(document) : readFileSync(path.resolve(file ?? path.join(root, DEFAULT_REQUEST)));
  // Local mode: every emulated address, the ticket's listener too, is on 127.0.0.1.
  const parsed = parseRequestText(requestText, { callbackAllowance: LOCAL_CALLBACK_ALLOWANCE });
  if (!parsed.ok) return { problems: parsed.problems };
  const executionName = machine === 'teardown' ? teardownExecutionName(parsed.request) : nameExecution(parsed.request.environmentId, requestHash(parsed.request));
  const input = JSON.parse(typeof requestText === 'string' ? requestText : requestText.toString('utf8').replace(/^\uFEFF/, '')) as unknown;
  return { executionName, input, request: parsed.request };
}

/** What the executions of one run share: the clouds, the handlers, the definition, the environment. */
interface Session {
  root: string;
  out: NodeJS.WritableStream | null;
  options: LocalRunOptions;
  clouds?: LocalClouds;
  useClouds: boolean;
  region: string;
  accountId: string;
  handlers: Record<string, TaskHandler>;
  substitutions: Record<string, string>;
  definition: Definition;
  close(): Promise<void>;
}

async function openSession(options: LocalRunOptions, root: string, out: NodeJS.WritableStream | null): Promise<Session> {
  const faults = faultsOption(options.faults);
  // The clouds' state: a saved one, or the world.
  const { state } = startingCloudState(options, root);
  const region = state.aws.region;
  const accountId = state.aws.accountId;

  // Handlers and placeholders: the catalog's, with test overrides.
  const catalog = catalogHandlers(region, accountId);
  const substitutions = { ...catalog.substitutions };
  const handlers = { ...catalog.handlers };
  for (const [placeholder, handler] of Object.entries(options.handlers ?? {})) {
    const arn = substitutions[placeholder] ?? localFunctionArn({ id: placeholder.replace(/FunctionArn$/, '') }, region, accountId);
    substitutions[placeholder] = arn;
    handlers[arn] = handler;
  }
  if (options.stopAtState) {
    const stopAt = options.stopAtState;
    for (const [arn, handler] of Object.entries(handlers)) {
      handlers[arn] = (taskInput, invocation) => {
        if (invocation.stateName === stopAt) throw new LambdaTaskError('RunStoppedHere', `the run was stopped at "${stopAt}"`);
        return handler(taskInput, invocation);
      };
    }
  }
  const definitionFile = path.resolve(options.definitionFile ?? path.join(root, MACHINES[machineOf(options)].definition));
  const definition = JSON.parse(substitutePlaceholders(readFileSync(definitionFile, 'utf8'), substitutions)) as Definition;

  const useClouds = options.clouds !== false;
  let clouds: LocalClouds | undefined;
  let caDirectory: string | undefined;
  let restoreEnvironment = () => undefined as void;
  let restoreCallbackChecks: () => void | Promise<void> = () => undefined;
  const close = async () => {
    restoreEnvironment();
    await restoreCallbackChecks();
    try {
      await clouds?.close();
    } finally {
      if (caDirectory) rmSync(caDirectory, { recursive: true, force: true });
    }
  };
  try {
    if (useClouds) {
      clouds = await startLocalClouds({
        state,
        faults,
        seed: options.jitterSeed ?? DEFAULT_SEED,
        jitterSeed: options.jitterSeed,
        clockStart: latestSimulatedSecond(state),
      });
      // The emulated Azure's CA reaches the handlers as a deployment's extra CA does: a file named by EXTRA_CA_PEM_FILE.
      caDirectory = mkdtempSync(path.join(tmpdir(), 'aoai-link-ca-'));
      const caFile = path.join(caDirectory, 'emulated-azure-ca.pem');
      writeFileSync(caFile, clouds.caPem, { mode: 0o600 });
      // The functions keep their clients for the life of their execution environment, named by its log stream.
      // MSAL keeps its token cache on real time while the emulated Entra ID dates tokens on the simulated clock:
      // once half a token lifetime has passed there, the next task starts in a new environment (as Lambda
      // recycles them), so no task holds a token older than that.
      const sessionId = randomUUID().slice(0, 8);
      let generation = 0;
      let environmentSince = clouds.clock.now();
      const streamName = () => `local/${sessionId}/${generation}`;
      const recycledEnvironments = (handler: TaskHandler): TaskHandler => (taskInput, invocation) => {
        if (clouds!.clock.now() - environmentSince >= TOKEN_LIFETIME_SECONDS / 2) {
          generation++;
          environmentSince = clouds!.clock.now();
          process.env.AWS_LAMBDA_LOG_STREAM_NAME = streamName();
        }
        return handler(taskInput, invocation);
      };
      for (const [arn, handler] of Object.entries(handlers)) handlers[arn] = recycledEnvironments(handler);
      restoreEnvironment = setHandlerEnvironment(
        localFunctionEnvironment(endpointsOf(clouds, state, caFile, streamName())),
      );
      // The ticket callback's settings, as an operator sets them: the 127.0.0.1 listeners allowed, names resolved by the local public DNS.
      const publicDns = await startLocalPublicDns();
      const restoreCallbackEnvironment = setHandlerEnvironment(localCallbackEnvironment(publicDns.address));
      restoreCallbackChecks = async () => {
        restoreCallbackEnvironment();
        await publicDns.close();
      };
    }
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
  return { root, out, options, clouds, useClouds, region, accountId, handlers, substitutions, definition, close };
}

/** The check before start and the execution of one accepted request, with its history and report written. */
async function runExecution(session: Session, request: ParsedRequest, outDir: string, started: number, others: EnvironmentRequest[]): Promise<LocalRunResult> {
  const { options, clouds, handlers, substitutions, definition, out, region, accountId, useClouds } = session;
  const executionName = request.executionName!;
  const input = request.input;
  const machine = machineOf(options);
  const checkPlaceholder = MACHINES[machine].check;

  // The request against both clouds, once, before anything starts: a refusal creates nothing. Throttling
  // and 5xx here are retried as the deployed first state would retry them: with that state's own Retry,
  // read from the definition, on the simulated clock.
  const validateArn = substitutions[checkPlaceholder];
  if (options.checkBeforeStart !== false && validateArn && handlers[validateArn] && (useClouds || options.handlers?.[checkPlaceholder])) {
    const clock = clouds?.clock;
    const retriers = checkRetriers(definition, validateArn);
    const retryPolicy = new RetryPolicy(options.jitterSeed ?? DEFAULT_SEED);
    for (let attempt = 1; ; attempt++) {
      const check = () =>
        Promise.resolve(handlers[validateArn]({ request: input, executionName }, { stateName: '(before start)', resource: validateArn, requestId: `${executionName}-${machine === 'teardown' ? 'inventory' : 'validate'}-${attempt}`, executionName }));
      try {
        await (clock ? clock.hold(check) : check());
        break;
      } catch (thrown) {
        const error = LambdaTaskError.from(thrown);
        if (error.name === 'RequestRefused') return refused(refusalProblems(error) ?? [{ path: '(document)', message: error.errorMessage }], started, out, machine, executionName);
        const delay = retryPolicy.onFailure(CHECK_BEFORE_START, retriers, error.name);
        if (delay === undefined) throw thrown;
        if (delay > 0 && clock) await clock.sleep(delay);
      }
    }
  }

  // The execution.
  const display = out && options.progress ? options.progress(executionName, out) : undefined;
  if (out && machine === 'teardown') {
    out.write(`Tearing down environment ${request.request!.environmentId} (${executionName}) locally against the emulated clouds (simulated clock)\n`);
  } else if (out) {
    out.write(`Running ${executionName} locally against the emulated clouds (simulated clock)\n`);
  }
  const origin = clouds?.clock.now() ?? 0;
  // What exists when the execution starts: a teardown's report lists what of it is gone at the end.
  const excludeIds = clouds ? [clouds.azureCredentialSecretArn] : [];
  const before = clouds && machine === 'teardown' ? removableResources(clouds.state, origin, excludeIds) : undefined;
  const result = await runStateMachine({
    definition,
    handlers,
    input,
    ...(clouds ? { clock: clouds.clock, stopClock: false } : {}),
    // History timestamps on the emulated APIs' time scale: a resumed clock starts later.
    startDate: new Date(LOCAL_START_DATE.getTime() + origin * 1000),
    executionName,
    region,
    accountId,
    jitterSeed: options.jitterSeed,
    redriveCount: options.redriveCount,
    onEvent: (event) => {
      display?.onEvent(event);
      options.onEvent?.(event, executionName);
    },
  });
  display?.finish({ status: result.status, error: result.error, cause: result.cause, seconds: result.simulatedSeconds, state: result.failedState });

  // history.json and report.json.
  const report = buildReport({
    executionName,
    status: result.status,
    error: result.error,
    cause: result.cause,
    output: result.output,
    simulatedSeconds: result.simulatedSeconds,
    stateTransitions: result.stateTransitions,
    taskInvocations: result.taskInvocations,
    timeline: result.timeline,
    state: clouds?.state,
    recorder: clouds?.recorder,
    now: clouds ? clouds.clock.now() : result.simulatedSeconds,
    excludeIds,
    ...(machine === 'teardown' ? { removal: { before, request: request.request!, others } } : {}),
  });
  // Times in the report count from the start of this execution, like the history's.
  report.operations = report.operations.map((op) => ({ ...op, startedAt: op.startedAt - origin, readyAt: op.readyAt - origin }));

  mkdirSync(outDir, { recursive: true });
  const history = { events: result.events as LocalHistoryEvent[] };
  writeFileSync(path.join(outDir, 'history.json'), JSON.stringify(history, null, 2) + '\n');
  writeFileSync(path.join(outDir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  writeFileSync(path.join(outDir, 'report.html'), localReportPage(report, result.output, input));

  return {
    exitCode: result.status === 'SUCCEEDED' ? 0 : 1,
    executionName,
    status: result.status,
    error: result.error,
    cause: result.cause,
    ...(result.output !== undefined ? { output: result.output } : {}),
    ...(result.failedState ? { failedState: result.failedState } : {}),
    report,
    history,
    outDir,
    realMilliseconds: Date.now() - started,
  };
}

/**
 * Runs several requests as the contract's several REQUEST files: their executions start together and run
 * concurrently on one simulated clock against the same emulated clouds. With one request, `outDir` is that
 * execution's directory (as `runLocal`); with several, each writes `outDir/<executionName>/` (default out/local).
 */
export async function runLocalRequests(options: LocalRequestsOptions): Promise<LocalRequestsResult> {
  const started = Date.now();
  const out = options.output === undefined ? process.stdout : options.output;
  const root = projectRoot();
  const documents: { file?: string; document?: unknown }[] = options.requests
    ? options.requests.map((document) => ({ document }))
    : (options.requestFiles?.length ? options.requestFiles : [undefined]).map((file) => ({ file }));
  const single = documents.length === 1;

  // The requests: a malformed one is refused here, before anything starts.
  const requests = documents.map(({ file, document }) => readRequest(root, file, document, machineOf(options)));
  const results: (LocalRunResult | undefined)[] = requests.map((request) => (request.problems ? refused(request.problems, started, out, machineOf(options)) : undefined));
  const names = requests.map((request) => request.executionName).filter(Boolean);
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated) throw new LocalOptionError(`two requests make the same execution ${repeated}: give each environment once`);

  if (results.some((result) => result === undefined)) {
    const outDirOf = (executionName: string) =>
      single ? path.resolve(options.outDir ?? path.join('out', 'local', executionName)) : path.resolve(options.outDir ?? path.join('out', 'local'), executionName);
    const accepted = requests.filter((request) => request.executionName).map((request) => request.executionName!);
    // The functions' own log lines go to functions.log beside each history, keeping the console for progress.
    const logs = captureFunctionLogs(
      new Map(accepted.map((name) => [name, outDirOf(name)])),
      single ? outDirOf(accepted[0]) : path.resolve(options.outDir ?? path.join('out', 'local')),
    );
    const session = await openSession(options, root, out).catch((error: unknown) => {
      logs.stop();
      throw error;
    });
    if (options.teardown && out && session.useClouds && !(options.stateFile && existsSync(options.stateFile))) {
      out.write(`No state file${options.stateFile ? ` at ${options.stateFile}` : ''}: the emulated clouds hold only the world, so no environment was provisioned there.\n`);
    }
    try {
      const settled = await Promise.allSettled(
        requests.map((request, index) =>
          results[index]
            ? Promise.resolve(results[index]!)
            : runExecution(session, request, outDirOf(request.executionName!), started, requests.filter((other) => other !== request && other.request).map((other) => other.request!)),
        ),
      );
      session.clouds?.clock.stop();
      const failure = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
      if (failure) throw failure.reason;
      settled.forEach((outcome, index) => (results[index] = (outcome as PromiseFulfilledResult<LocalRunResult>).value));
      // A run whose every request was refused created nothing and leaves no state behind.
      const executed = results.some((result) => result && result.status !== 'REFUSED');
      if (options.stateFile && session.clouds && executed) {
        // The emulated clouds keep secrets as the real ones do (PreSharedKey, sharedKey): owner-only file.
        writeStateFile(options.stateFile, session.clouds.state);
      }
    } finally {
      try {
        await session.close();
      } finally {
        logs.stop();
      }
    }
  }
  const runs = results as LocalRunResult[];
  const exitCode = runs.some((run) => run.exitCode === 2) ? 2 : runs.every((run) => run.exitCode === 0) ? 0 : 1;
  return { exitCode, runs };
}

/** One request (contract v1): `outDir` is the execution's own directory (default out/local/<executionName>). */
export async function runLocal(options: LocalRunOptions): Promise<LocalRunResult> {
  const { requestFile, request, ...rest } = options;
  const result = await runLocalRequests({ ...rest, ...(request !== undefined ? { requests: [request] } : { requestFiles: requestFile ? [requestFile] : [] }) });
  return result.runs[0];
}
