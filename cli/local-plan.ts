/**
 * `npm run local -- REQUEST.json [--state S] [--world W] --plan [--teardown]` (contract local-cloud.md v2): the
 * plan of each request against the emulated clouds, made by the same code as `aoai-link plan` (cli/plan.ts) with
 * the request check's clients built as local mode builds them for its functions. Nothing is written to the
 * clouds and the state file is not saved. Writes DIR/plan.json per request; exit 0, or 2 when one is refused.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { callbackChecksOfThisEnvironment, parseAllowedNetworks } from '../functions/commons/callback-url';
import { executionName as nameExecution, requestHash } from '../functions/commons/naming';
import { parseRequestText } from '../functions/commons/request/schema';
import type { LocalClouds } from '../local/cloud';
import { LocalOptionError } from '../local/runner/errors';
import { UsageError, writeJson, type CliIo, type ExitCode } from './command-line';
import type { LocalArguments } from './local';
import type { PlanOutcome } from './plan';

const DEFAULT_REQUEST = 'events/new-environment.json';
/** Seed of the fault draws when no --jitter seed is given, as the runner's. */
const DEFAULT_SEED = 1;

/** One request's plan as the run made it, for tests and --json. */
export interface LocalPlanRun {
  file: string | undefined;
  executionName?: string;
  outcome: PlanOutcome;
  outDir?: string;
  exitCode: ExitCode;
}

export interface LocalPlanResult {
  exitCode: ExitCode;
  runs: LocalPlanRun[];
  /** The emulated clouds' recorder of the run: every API call they answered, by name. */
  apiCalls: LocalClouds['recorder']['apiCalls'];
}

/** The plans of the requests against one set of emulated clouds (loaded from --state, or the world). */
export async function planLocally(args: LocalArguments, out: NodeJS.WritableStream | null): Promise<LocalPlanResult> {
  const { projectRoot } = require('../local/runner/project') as typeof import('../local/runner/project');
  const { startLocalClouds } = require('../local/cloud') as typeof import('../local/cloud');
  const { startLocalPublicDns } = require('../local/cloud/public-dns') as typeof import('../local/cloud/public-dns');
  const { faultsOption, latestSimulatedSecond, setHandlerEnvironment, startingCloudState } = require('../local/runner') as typeof import('../local/runner');
  const { captureFunctionLogs } = require('../local/runner/function-logs') as typeof import('../local/runner/function-logs');
  const { LOCAL_CALLBACK_NETWORKS, localCallbackEnvironment, endpointsOf, localFunctionEnvironment } = require('../local/runner/environment') as typeof import('../local/runner/environment');
  const { everyCloudReaderClients } = require('../functions/commons/clients/every-cloud-reader') as typeof import('../functions/commons/clients/every-cloud-reader');
  const { planRequest, reportPlan } = require('./plan') as typeof import('./plan');

  const root = projectRoot();
  const options = args.options;
  const teardown = options.teardown === true;
  const faults = faultsOption(options.faults);
  const { state } = startingCloudState(options, root);

  const files = args.requestFiles.length ? args.requestFiles : [undefined];
  const single = files.length === 1;
  const allowance = parseAllowedNetworks(LOCAL_CALLBACK_NETWORKS);
  const documents = files.map((file) => {
    const text = readFileSync(path.resolve(file ?? path.join(root, DEFAULT_REQUEST)));
    const parsed = parseRequestText(text, { callbackAllowance: allowance });
    if (!parsed.ok) return { file, problems: parsed.problems };
    const executionName = teardown ? nameExecution(`${parsed.request.environmentId}-teardown`, requestHash(parsed.request)) : nameExecution(parsed.request.environmentId, requestHash(parsed.request));
    return { file, executionName, document: JSON.parse(text.toString('utf8').replace(/^\uFEFF/, '')) as unknown };
  });
  const outDirOf = (executionName: string) =>
    single ? path.resolve(options.outDir ?? path.join('out', 'local', executionName)) : path.resolve(options.outDir ?? path.join('out', 'local'), executionName);

  const clouds = await startLocalClouds({ state, faults, seed: options.jitterSeed ?? DEFAULT_SEED, jitterSeed: options.jitterSeed, clockStart: latestSimulatedSecond(state) });
  const caDirectory = mkdtempSync(path.join(tmpdir(), 'aoai-link-ca-'));
  const caFile = path.join(caDirectory, 'emulated-azure-ca.pem');
  writeFileSync(caFile, clouds.caPem, { mode: 0o600 });
  const publicDns = await startLocalPublicDns();
  const restore = [
    setHandlerEnvironment(
      // Its own execution environment: clients built for an earlier run's endpoints are never reused.
      localFunctionEnvironment(endpointsOf(clouds, state, caFile, `local/plan/${randomUUID().slice(0, 8)}`)),
    ),
    setHandlerEnvironment(localCallbackEnvironment(publicDns.address)),
  ];
  const logs = captureFunctionLogs(new Map(), single && documents[0].executionName ? outDirOf(documents[0].executionName) : path.resolve(options.outDir ?? path.join('out', 'local')));
  const runs: LocalPlanRun[] = [];
  try {
    const clients = everyCloudReaderClients('ValidateRequest');
    const checks = callbackChecksOfThisEnvironment();
    const context = { deploymentRegion: state.aws.region, callbackChecks: checks, callbackAllowance: checks.allowance };
    for (const entry of documents) {
      if (!entry.executionName) {
        const outcome: PlanOutcome = { ok: false, problems: entry.problems ?? [] };
        runs.push({ file: entry.file, outcome, exitCode: reportPlan(outcome, '', out, teardown) });
        continue;
      }
      if (out) out.write(`Planning ${entry.executionName} against the emulated clouds (${options.stateFile && existsSync(options.stateFile) ? `state ${options.stateFile}` : 'the world'}); nothing is changed\n`);
      const outcome = await clouds.clock.hold(() => planRequest(entry.document, clients, context, { teardown }));
      const outDir = outDirOf(entry.executionName);
      runs.push({ file: entry.file, executionName: entry.executionName, outcome, outDir, exitCode: reportPlan(outcome, outDir, out, teardown) });
    }
  } finally {
    logs.stop();
    for (const undo of restore.reverse()) undo();
    clouds.clock.stop();
    try {
      await publicDns.close();
      await clouds.close();
    } finally {
      rmSync(caDirectory, { recursive: true, force: true });
    }
  }
  return { exitCode: runs.some((run) => run.exitCode === 2) ? 2 : 0, runs, apiCalls: clouds.recorder.apiCalls };
}

/** The `--plan` branch of `aoai-link local`. */
export async function runLocalPlan(args: LocalArguments, io: CliIo): Promise<ExitCode> {
  let result: LocalPlanResult;
  try {
    result = await planLocally(args, args.json ? null : io.out);
  } catch (error) {
    // A request, world or state file that cannot be read, or a bad option: nothing ran.
    if (error instanceof LocalOptionError || (error as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError((error as Error).message);
    throw error;
  }
  if (args.json) {
    writeJson(io, {
      exitCode: result.exitCode,
      runs: result.runs.map((run) => ({
        request: run.file ?? null,
        executionName: run.executionName ?? null,
        plan: run.outcome.ok ? path.join(run.outDir!, 'plan.json') : null,
        problems: run.outcome.ok ? [] : run.outcome.problems,
      })),
    });
  }
  return result.exitCode;
}
