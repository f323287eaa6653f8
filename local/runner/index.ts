/**
 * Local mode (contract: local-cloud.md): validates the request, starts the emulated clouds, points the real
 * handlers' real SDK clients at them, runs the real definition on the simulated clock, then writes
 * history.json and report.json and saves the clouds to `--state`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { HistoryEvent } from '../../cli/history';
import { ProgressDisplay } from '../../cli/progress';
import { localFunctionArn } from '../../functions/catalog';
import type * as ClientsModule from '../../functions/commons/clients';
import { executionName as nameExecution, requestHash } from '../../functions/commons/naming';
import { parseRequestText, type RequestProblem } from '../../functions/commons/request';
import { TOKEN_LIFETIME_SECONDS } from '../azure/entra';
import { startLocalClouds, type LocalClouds } from '../cloud';
import { writeStateFile, type CloudState } from '../cloud/state';
import { localPublicDns } from '../cloud/public-dns';
import type * as CallbackUrlModule from '../../functions/commons/callback-url';
import { readWorld, stateFromWorld } from '../cloud/world';
import { FaultSpecError, parseFaults } from '../faults';
import type { Definition, Retrier } from './definition';
import { substitutePlaceholders } from './definition';
import { LOCAL_START_DATE, runStateMachine, type TaskHandler } from './engine';
import { LambdaTaskError, LocalOptionError } from './errors';
import type { LocalHistoryEvent } from './history';
import { catalogHandlers } from './lambdas';
import { loadProjectModule, projectRoot } from './project';
import { buildReport, type Report } from './report';
import { RetryPolicy } from './retry';

export { runStateMachine, LOCAL_START_DATE } from './engine';
export type { EngineOptions, EngineResult, TaskHandler, TaskInvocation } from './engine';
export type { Report } from './report';
export * from './errors';

export interface LocalRunOptions {
  requestFile?: string;
  /** The request document itself (instead of a file). */
  request?: unknown;
  worldFile?: string;
  stateFile?: string;
  outDir?: string;
  faults?: string;
  jitterSeed?: number;
  /** Default statemachine/provision.asl.json. */
  definitionFile?: string;
  onEvent?: (event: HistoryEvent) => void;
  /** Where progress goes; null = silent; default stdout. */
  output?: NodeJS.WritableStream | null;
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

const VALIDATE_PLACEHOLDER = 'ValidateRequestFunctionArn';
/** The retry bookkeeping key of the check that runs before the execution starts. */
const CHECK_BEFORE_START = '(before start)';

/** The Retry of the definition's Task that calls the check (its first state), so local mode retries as the cloud would. */
function checkRetriers(definition: Definition, checkArn: string): Retrier[] {
  const first = definition.States[definition.StartAt];
  const state = first?.Resource === checkArn ? first : Object.values(definition.States).find((candidate) => candidate.Resource === checkArn);
  return (state?.Retry ?? []) as Retrier[];
}
const DEFAULT_DEFINITION = 'statemachine/provision.asl.json';
/** Local mode only: callbacks may reach loopback listeners (the product refuses them everywhere else). */
const LOCAL_CALLBACK_ALLOWANCE = { loopbackPorts: 'any' } as const;
const DEFAULT_REQUEST = 'events/new-environment.json';
const DEFAULT_WORLD = 'local/default-world.json';
/** Seed of the fault draws when no --jitter seed is given. */
const DEFAULT_SEED = 1;

/** Fixed dummy AWS credentials: the emulated services check signatures' shape, not the key. */
const LOCAL_AWS_ACCESS_KEY_ID = 'AKIALOCALMODE0000000';
const LOCAL_AWS_SECRET_ACCESS_KEY = 'local-mode-secret-access-key-0000000000';

function readJsonFile<T>(file: string, what: string): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (error) {
    throw new LocalOptionError(`cannot read the ${what} ${file}: ${(error as Error).message}`);
  }
}

/** Problems listed one per line, `path: message`, as RequestRefused carries them. */
function problemsFromMessage(message: string): RequestProblem[] {
  // The first line is the refusal's heading ("... nothing was created."); each further line is one problem.
  const lines = message.split('\n');
  return (lines.length > 1 && /nothing was created\.$/.test(lines[0]) ? lines.slice(1) : lines)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const colon = line.indexOf(': ');
      return colon > 0 ? { path: line.slice(0, colon), message: line.slice(colon + 2) } : { path: '(document)', message: line };
    });
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

/** Sets the handlers' environment for the run and gives back a function that restores the previous one. */
function setHandlerEnvironment(values: Record<string, string>): () => void {
  const previous = Object.fromEntries(Object.keys(values).map((key) => [key, process.env[key]]));
  Object.assign(process.env, values);
  return () => {
    for (const [key, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}

function printProblems(out: NodeJS.WritableStream | null, problems: RequestProblem[]): void {
  if (!out) return;
  out.write(`The request was refused; nothing was created. ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n`);
  for (const problem of problems) out.write(`  - ${problem.path}: ${problem.message}\n`);
}

function refused(problems: RequestProblem[], started: number, out: NodeJS.WritableStream | null, executionName?: string): LocalRunResult {
  printProblems(out, problems);
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

export async function runLocal(options: LocalRunOptions): Promise<LocalRunResult> {
  const started = Date.now();
  const out = options.output === undefined ? process.stdout : options.output;
  const root = projectRoot();

  // 1. The request: refused here, nothing is started.
  const requestText =
    options.request !== undefined ? JSON.stringify(options.request) : readFileSync(path.resolve(options.requestFile ?? path.join(root, DEFAULT_REQUEST)));
  // Local mode: every emulated address, the ticket's listener too, is on 127.0.0.1.
  const parsed = parseRequestText(requestText, { callbackAllowance: LOCAL_CALLBACK_ALLOWANCE });
  if (!parsed.ok) return refused(parsed.problems, started, out);
  const request = parsed.request;
  const executionName = nameExecution(request.environmentId, requestHash(request));
  const input = JSON.parse(typeof requestText === 'string' ? requestText : requestText.toString('utf8').replace(/^\uFEFF/, '')) as unknown;

  let faults;
  try {
    faults = parseFaults(options.faults);
  } catch (error) {
    if (error instanceof FaultSpecError) throw new LocalOptionError(`--faults: ${error.message}`);
    throw error;
  }

  // 2. The clouds' state: a saved one, or the world.
  const state: CloudState =
    options.stateFile && existsSync(options.stateFile)
      ? readJsonFile<CloudState>(options.stateFile, 'state file')
      : stateFromWorld(readWorld(path.resolve(options.worldFile ?? path.join(root, DEFAULT_WORLD))));
  const region = state.aws.region;
  const accountId = state.aws.accountId;

  // 3. Handlers and placeholders: the catalog's, with test overrides.
  const catalog = catalogHandlers(region, accountId);
  const substitutions = { ...catalog.substitutions };
  const handlers = { ...catalog.handlers };
  for (const [placeholder, handler] of Object.entries(options.handlers ?? {})) {
    const arn = substitutions[placeholder] ?? localFunctionArn({ id: placeholder.replace(/FunctionArn$/, '') } as never, region, accountId);
    substitutions[placeholder] = arn;
    handlers[arn] = handler;
  }
  const definitionFile = path.resolve(options.definitionFile ?? path.join(root, DEFAULT_DEFINITION));
  const definitionText = readFileSync(definitionFile, 'utf8');
  const definition = JSON.parse(substitutePlaceholders(definitionText, substitutions)) as Definition;

  const useClouds = options.clouds !== false;
  let clouds: LocalClouds | undefined;
  let restoreEnvironment = () => undefined as void;
  let restoreCallbackChecks = () => undefined as void;
  let clients: typeof ClientsModule | undefined;
  try {
    if (useClouds) {
      clouds = await startLocalClouds({
        state,
        faults,
        seed: options.jitterSeed ?? DEFAULT_SEED,
        jitterSeed: options.jitterSeed,
        clockStart: latestSimulatedSecond(state),
      });
      restoreEnvironment = setHandlerEnvironment({
        AWS_ENDPOINT_URL: clouds.awsEndpoint,
        AWS_REGION: region,
        AWS_DEFAULT_REGION: region,
        AWS_ACCESS_KEY_ID: LOCAL_AWS_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY: LOCAL_AWS_SECRET_ACCESS_KEY,
        AWS_EC2_METADATA_DISABLED: 'true',
        AZURE_ARM_ENDPOINT: clouds.azureEndpoint,
        AZURE_CREDENTIAL_SECRET_ARN: clouds.azureCredentialSecretArn,
        // The real ClientSecretCredential gets its tokens from the emulated Entra ID, as from a sovereign cloud's.
        AZURE_AUTHORITY_HOST: clouds.authorityHost,
        // Where the CDK stack would have put the probe's role and code; the emulated Lambda takes them as given.
        PROBE_ROLE_ARN: `arn:aws:iam::${accountId}:role/aoai-link-probe`,
        PROBE_CODE_S3_BUCKET: `aoai-link-local-assets-${accountId}`,
        PROBE_CODE_S3_KEY: 'probe/handler.zip',
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'SILENT',
        // The in-process SDK warns about this machine's Node version; the deployed functions run Node 22+.
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      });
      // The handlers' own copy of the clients module (see project.ts).
      clients = loadProjectModule<typeof ClientsModule>('functions/commons/clients.ts');
      // The callback's host is resolved by the local rule, and every emulated address is a loopback listener.
      restoreCallbackChecks = loadProjectModule<typeof CallbackUrlModule>('functions/commons/callback-url.ts').useLocalCallbackChecks({
        resolveHost: localPublicDns,
        allowance: LOCAL_CALLBACK_ALLOWANCE,
      });
      const handlerClients = clients;
      const { caPem, clock } = clouds;
      handlerClients.configureCloudClients({ extraCaPem: caPem });
      // MSAL keeps its token cache on real time while the emulated Entra ID dates tokens on the simulated clock:
      // once half a token lifetime has passed there, the next task starts with new clients (as in a new Lambda
      // environment), so no task holds a token older than that.
      let clientsSince = clock.now();
      for (const [arn, handler] of Object.entries(handlers)) {
        handlers[arn] = (taskInput, invocation) => {
          if (clock.now() - clientsSince >= TOKEN_LIFETIME_SECONDS / 2) {
            handlerClients.configureCloudClients({ extraCaPem: caPem });
            clientsSince = clock.now();
          }
          return handler(taskInput, invocation);
        };
      }
    }

    // 4. The request against both clouds, once, before anything starts: a refusal creates nothing. Throttling
    // and 5xx here are retried as the deployed first state would retry them: with that state's own Retry,
    // read from the definition, on the simulated clock.
    const validateArn = substitutions[VALIDATE_PLACEHOLDER];
    if (options.checkBeforeStart !== false && validateArn && handlers[validateArn] && (useClouds || options.handlers?.[VALIDATE_PLACEHOLDER])) {
      const clock = clouds?.clock;
      const retriers = checkRetriers(definition, validateArn);
      const retryPolicy = new RetryPolicy(options.jitterSeed ?? DEFAULT_SEED);
      for (let attempt = 1; ; attempt++) {
        const check = () =>
          Promise.resolve(handlers[validateArn](input, { stateName: '(before start)', resource: validateArn, requestId: `${executionName}-validate-${attempt}`, executionName }));
        try {
          await (clock ? clock.hold(check) : check());
          break;
        } catch (thrown) {
          const error = LambdaTaskError.from(thrown);
          if (error.name === 'RequestRefused') return refused(problemsFromMessage(error.errorMessage), started, out, executionName);
          const delay = retryPolicy.onFailure(CHECK_BEFORE_START, retriers, error.name);
          if (delay === undefined) throw thrown;
          if (delay > 0 && clock) await clock.sleep(delay);
        }
      }
    }

    // 5. The execution.
    const display = out ? new ProgressDisplay(out, { simulated: true }) : undefined;
    if (out) out.write(`Running ${executionName} locally against the emulated clouds (simulated clock)\n`);
    const origin = clouds?.clock.now() ?? 0;
    const result = await runStateMachine({
      definition,
      handlers,
      input,
      ...(clouds ? { clock: clouds.clock } : {}),
      // History timestamps on the emulated APIs' time scale: a resumed clock starts later.
      startDate: new Date(LOCAL_START_DATE.getTime() + origin * 1000),
      executionName,
      region,
      accountId,
      jitterSeed: options.jitterSeed,
      redriveCount: options.redriveCount,
      onEvent: (event) => {
        display?.onEvent(event);
        options.onEvent?.(event);
      },
    });
    display?.finish({ status: result.status, error: result.error, cause: result.cause, seconds: result.simulatedSeconds, state: result.failedState });

    // 6. history.json, report.json, the saved state.
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
      excludeIds: clouds ? [clouds.azureCredentialSecretArn] : [],
    });
    // Times in the report count from the start of this execution, like the history's.
    report.operations = report.operations.map((op) => ({ ...op, startedAt: op.startedAt - origin, readyAt: op.readyAt - origin }));

    const outDir = path.resolve(options.outDir ?? path.join('out', 'local', executionName));
    mkdirSync(outDir, { recursive: true });
    const history = { events: result.events as LocalHistoryEvent[] };
    writeFileSync(path.join(outDir, 'history.json'), JSON.stringify(history, null, 2) + '\n');
    writeFileSync(path.join(outDir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
    if (options.stateFile && clouds) {
      // The emulated clouds keep secrets as the real ones do (PreSharedKey, sharedKey): owner-only file.
      writeStateFile(options.stateFile, clouds.state);
    }

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
  } finally {
    clients?.resetCloudClients();
    restoreEnvironment();
    restoreCallbackChecks();
    await clouds?.close();
  }
}
