/**
 * `npm run local -- REQUEST.json --health --state S` (contract v2): the environment's health check, once,
 * against the emulated clouds of `--state`: the same check the scheduled function runs in the cloud
 * (functions/health-check), with the same SDK clients pointed at the emulators. Nothing is created and the
 * state file is not written. Writes DIR/health.json; the metric data the function would publish goes to
 * DIR/health-metrics.json, since the emulated AWS has no CloudWatch. Exit 0 healthy, 1 not, 2 refused.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { azureClients } from '../functions/commons/clients/azure';
import { ec2Client } from '../functions/commons/clients/ec2';
import { lambdaClient } from '../functions/commons/clients/lambda';
import { secretsClient } from '../functions/commons/clients/secrets';
import { parseAllowedNetworks } from '../functions/commons/callback-url';
import { executionName as nameExecution, requestHash } from '../functions/commons/naming';
import type { EnvironmentRequest } from '../functions/commons/request/contract';
import { parseRequestText } from '../functions/commons/request/schema';
import { checkEnvironmentHealth, type HealthReport } from '../functions/health-check/health-check';
import { HEALTH_NAMESPACE, metricData, type MetricDatum } from '../functions/health-check/metrics';
import { startLocalClouds, type LocalClouds } from '../local/cloud';
import { faultsOption, latestSimulatedSecond, setHandlerEnvironment, startingCloudState } from '../local/runner';
import { LOCAL_CALLBACK_NETWORKS, endpointsOf, localFunctionEnvironment } from '../local/runner/environment';
import { LOCAL_START_DATE } from '../local/runner/engine';
import { LocalOptionError } from '../local/runner/errors';
import { projectRoot } from '../local/runner/project';
import { UsageError, writeJson, type CliIo, type ExitCode } from './command-line';
import type { LocalArguments } from './local';

const DEFAULT_REQUEST = 'events/new-environment.json';

export interface LocalHealthOptions {
  requestFiles: string[];
  stateFile?: string;
  worldFile?: string;
  outDir?: string;
  faults?: string;
  jitterSeed?: number;
  /** Tests: the emulated clouds once started (their recorder counts every call). */
  observe?: (clouds: LocalClouds) => void;
}

export interface LocalHealthRun {
  request: string | undefined;
  /** Absent when the request was refused. */
  report?: HealthReport;
  problems?: { path: string; message: string }[];
  /** What the function would publish to CloudWatch (namespace HEALTH_NAMESPACE). */
  metrics?: MetricDatum[];
  outDir?: string;
}

export interface LocalHealthResult {
  /** 0 every environment healthy, 1 one is not, 2 a request was refused. */
  exitCode: 0 | 1 | 2;
  runs: LocalHealthRun[];
  /** Tests: whether a state file was read (else the world's clouds were checked). */
  fromState: boolean;
}

/** Checks each request's environment once against the emulated clouds; writes health.json per environment. */
export async function runHealthLocally(options: LocalHealthOptions): Promise<LocalHealthResult> {
  const root = projectRoot();
  const faults = faultsOption(options.faults);
  const files: (string | undefined)[] = options.requestFiles.length ? options.requestFiles : [undefined];
  const allowance = parseAllowedNetworks(LOCAL_CALLBACK_NETWORKS);
  const parsed = files.map((file) => {
    const text = readFileSync(path.resolve(file ?? path.join(root, DEFAULT_REQUEST)));
    return { file, result: parseRequestText(text, { callbackAllowance: allowance }) };
  });
  const runs: LocalHealthRun[] = parsed.map(({ file, result }) => (result.ok ? { request: file } : { request: file, problems: result.problems }));
  const accepted = parsed.flatMap(({ result }, index) => (result.ok ? [{ index, request: result.request as EnvironmentRequest }] : []));
  const { state, fromState } = startingCloudState(options, root);
  if (accepted.length) {
    const clouds = await startLocalClouds({ state, faults, seed: options.jitterSeed ?? 1, jitterSeed: options.jitterSeed, clockStart: latestSimulatedSecond(state) });
    const caDirectory = mkdtempSync(path.join(tmpdir(), 'aoai-link-ca-'));
    let restore = () => undefined as void;
    try {
      options.observe?.(clouds);
      const caFile = path.join(caDirectory, 'emulated-azure-ca.pem');
      writeFileSync(caFile, clouds.caPem, { mode: 0o600 });
      restore = setHandlerEnvironment(
        localFunctionEnvironment(endpointsOf(clouds, state, caFile, `local/health/${process.pid}`)),
      );
      // The clients the function builds (functions/health-check/clients.ts), without the CloudWatch publisher.
      const azure = azureClients(secretsClient());
      const clients = { ec2: ec2Client(), lambda: lambdaClient(), arm: azure.arm, azureCredential: azure.azureCredential };
      for (const { index, request } of accepted) {
        // Held: every look is at one simulated moment, as one invocation in the cloud sees the clouds.
        const report = await clouds.clock.hold(() => checkEnvironmentHealth(clients, request));
        const metrics = metricData(report, new Date(LOCAL_START_DATE.getTime() + clouds.clock.now() * 1000));
        const outDir = path.resolve(
          options.outDir && accepted.length === 1 ? options.outDir : path.join(options.outDir ?? path.join('out', 'local'), accepted.length === 1 ? nameExecution(request.environmentId, requestHash(request)) : request.environmentId),
        );
        mkdirSync(outDir, { recursive: true });
        writeFileSync(path.join(outDir, 'health.json'), JSON.stringify(report, null, 2) + '\n');
        writeFileSync(path.join(outDir, 'health-metrics.json'), JSON.stringify({ namespace: HEALTH_NAMESPACE, metricData: metrics }, null, 2) + '\n');
        runs[index] = { ...runs[index], report, metrics, outDir };
      }
      clients.ec2.destroy();
      clients.lambda.destroy();
    } finally {
      restore();
      clouds.clock.stop();
      try {
        await clouds.close();
      } finally {
        rmSync(caDirectory, { recursive: true, force: true });
      }
    }
  }
  const exitCode = runs.some((run) => run.problems) ? 2 : runs.every((run) => run.report?.ok) ? 0 : 1;
  return { exitCode, runs, fromState };
}

/** What the terminal shows: each check with its mark, then the verdict naming the broken steps. */
export function healthLines(run: LocalHealthRun): string[] {
  if (run.problems) return [`The request ${run.request ?? DEFAULT_REQUEST} was refused; nothing was checked:`, ...run.problems.map((p) => `  - ${p.path}: ${p.message}`)];
  const report = run.report!;
  const width = Math.max(...report.checks.map((c) => c.name.length));
  const lines = [`Health of environment ${report.environmentId} (emulated clouds, nothing created):`];
  for (const c of report.checks) lines.push(`  ${c.ok ? 'ok    ' : 'FAILED'} ${c.name.padEnd(width)}  ${c.detail}`);
  const broken = report.checks.filter((c) => !c.ok).map((c) => c.name);
  lines.push(report.ok ? `Healthy: ${report.checks.length} checks passed.` : `NOT healthy: ${broken.length} of ${report.checks.length} checks failed: ${broken.join(', ')}.`);
  lines.push(`Health:  ${path.join(run.outDir!, 'health.json')}`);
  lines.push(`Metrics: ${path.join(run.outDir!, 'health-metrics.json')} (what the function publishes to CloudWatch ${HEALTH_NAMESPACE})`);
  return lines;
}

/** The `--health` mode of `aoai-link local`. */
export async function runLocalHealth(args: LocalArguments, io: CliIo): Promise<ExitCode> {
  let result: LocalHealthResult;
  try {
    result = await runHealthLocally({ requestFiles: args.requestFiles, ...args.options });
  } catch (error) {
    if (error instanceof LocalOptionError || (error as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError((error as Error).message);
    throw error;
  }
  if (args.json) {
    writeJson(io, {
      exitCode: result.exitCode,
      runs: result.runs.map((run) => ({ request: run.request ?? null, health: run.outDir ? path.join(run.outDir, 'health.json') : null, problems: run.problems ?? [], ...(run.report ?? {}) })),
    });
  } else {
    if (!result.fromState) io.out.write(`No state file${args.options.stateFile ? ` at ${args.options.stateFile}` : ''}: checking the world's clouds, where no environment was provisioned.\n`);
    for (const run of result.runs) for (const line of healthLines(run)) io.out.write(`${line}\n`);
  }
  return result.exitCode;
}
