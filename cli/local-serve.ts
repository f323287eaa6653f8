/**
 * `aoai-link local serve [--world WORLD.json] [--state STATE.json]` (contract: local-cloud.md, version 2):
 * keeps the emulated clouds and a local Step Functions endpoint up on 127.0.0.1 until SIGINT/SIGTERM, so a
 * person can look at what a run created with the AWS CLI, curl and dig. The first line of output is one JSON
 * object naming the endpoints; on exit the clouds are saved back to --state (mode 0600: it holds the keys).
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startLocalClouds, type LocalClouds } from '../local/cloud';
import type { CloudState } from '../local/cloud/state';
import { readWorld, stateFromWorld } from '../local/cloud/world';
import { parseFaults } from '../local/faults';
import { latestSimulatedSecond, LocalOptionError, runLocal, type LocalRunOptions } from '../local/runner';
import { projectRoot } from '../local/runner/project';
import { RunLocalBackend } from '../local/stepfunctions/backend';
import { LOCAL_STATE_MACHINE_ARN, startLocalStepFunctions, type LocalStepFunctions } from '../local/stepfunctions/server';
import { UsageError, type CliIo, type ExitCode } from './command-line';

/** The region of the local state machine's ARN, which the CLI's --region must match for signing. */
const REGION_FOR_HINTS = LOCAL_STATE_MACHINE_ARN.split(':')[3];

export interface ServeOptions {
  worldFile?: string;
  stateFile?: string;
}

/** What the first line of output says. */
export interface ServeEndpoints {
  aws: string;
  azure: string;
  caFile: string;
  stepFunctions: string;
  /** The emulated Entra ID that issues the tokens ARM requires (client credentials of the seeded secret). */
  azureAuthorityHost: string;
  /** The DNS server each VPC subnet asks (the VPC resolver as that subnet sees it), as `127.0.0.1:PORT`. */
  dnsServers: Record<string, string>;
}

export interface ServingClouds {
  endpoints: ServeEndpoints;
  clouds: LocalClouds;
  stepFunctions: LocalStepFunctions;
  /** Stops everything and saves the state to --state when given. */
  close(): Promise<void>;
}

function loadState(options: ServeOptions): CloudState {
  try {
    if (options.stateFile && existsSync(options.stateFile)) return JSON.parse(readFileSync(options.stateFile, 'utf8')) as CloudState;
    return stateFromWorld(readWorld(path.resolve(options.worldFile ?? path.join(projectRoot(), 'local', 'default-world.json'))));
  } catch (error) {
    throw new LocalOptionError(`cannot read ${options.stateFile && existsSync(options.stateFile) ? 'the state file' : 'the world file'}: ${(error as Error).message}`);
  }
}

/** Owner-only: the state keeps the tunnels' pre-shared keys and the seeded credential as the clouds hold them. */
function saveState(file: string, state: CloudState): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  // Written beside and renamed over: an existing file's mode is replaced, and a crash leaves the old file whole.
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  chmodSync(partial, 0o600);
  renameSync(partial, file);
}

/** Replaces the served state's contents in place: the emulators hold this object, not a copy. */
function replaceState(target: CloudState, source: CloudState): void {
  for (const key of Object.keys(target)) delete (target as unknown as Record<string, unknown>)[key];
  Object.assign(target, source);
}

/**
 * Runs each execution started on the local Step Functions endpoint with the local runner, on a copy of the
 * served clouds, then serves what it left: the runner starts clouds of its own, so the served ones take its
 * saved state when it ends and their clock moves on to the run's last second.
 */
function servedCloudsRunner(clouds: LocalClouds, workDir: string) {
  return async (options: LocalRunOptions) => {
    const copy = path.join(workDir, 'execution-state.json');
    saveState(copy, clouds.state);
    try {
      const result = await runLocal({ ...options, stateFile: copy });
      if (result.status !== 'REFUSED') {
        replaceState(clouds.state, JSON.parse(readFileSync(copy, 'utf8')) as CloudState);
        const behind = latestSimulatedSecond(clouds.state) - clouds.clock.now();
        if (behind > 0) await clouds.clock.sleep(behind);
      }
      return result;
    } finally {
      rmSync(copy, { force: true });
    }
  };
}

export async function startServing(options: ServeOptions): Promise<ServingClouds> {
  const state = loadState(options);
  const clouds = await startLocalClouds({ state, faults: parseFaults(undefined), seed: 1, clockStart: latestSimulatedSecond(state) });
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'aoai-link-serve-'));
  const caFile = path.join(workDir, 'azure-ca.pem');
  const dnsServers: Record<string, string> = {};
  let stepFunctions: LocalStepFunctions | undefined;
  let backend: RunLocalBackend | undefined;
  try {
    writeFileSync(caFile, clouds.caPem);
    for (const subnet of state.aws.subnets) dnsServers[subnet.SubnetId] = (await clouds.network.dnsServerFor(subnet.SubnetId)).address;
    backend = new RunLocalBackend({ runLocal: servedCloudsRunner(clouds, workDir) });
    stepFunctions = await startLocalStepFunctions({ backend });
  } catch (error) {
    await stepFunctions?.close().catch(() => undefined);
    await clouds.close().catch(() => undefined);
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  }
  const served = stepFunctions;
  const runs = backend;
  let closing: Promise<void> | undefined;
  return {
    endpoints: {
      aws: clouds.awsEndpoint,
      azure: clouds.azureEndpoint,
      caFile,
      stepFunctions: served.endpoint,
      azureAuthorityHost: clouds.authorityHost,
      dnsServers,
    },
    clouds,
    stepFunctions: served,
    close() {
      closing ??= (async () => {
        try {
          await served.close();
          // An execution still running finishes first, so what it created is saved rather than lost.
          await runs.idle();
          await clouds.close();
          if (options.stateFile) saveState(options.stateFile, clouds.state);
        } finally {
          rmSync(workDir, { recursive: true, force: true });
        }
      })();
      return closing;
    },
  };
}

/** A few commands to start from (any dummy AWS credentials do; ARM wants a token from the emulated Entra ID). */
export function howToLook(endpoints: ServeEndpoints, state: CloudState): string[] {
  const [subnet, dns] = Object.entries(endpoints.dnsServers)[0] ?? [];
  const network = Object.values(state.azure.resources).find((r) => r.type === 'Microsoft.Network/virtualNetworks');
  return [
    `aws --endpoint-url ${endpoints.aws} --region ${REGION_FOR_HINTS} ec2 describe-vpn-connections`,
    `aws --endpoint-url ${endpoints.stepFunctions} --region ${REGION_FOR_HINTS} stepfunctions list-executions --state-machine-arn ${LOCAL_STATE_MACHINE_ARN}`,
    ...(network
      ? [
          `curl --cacert ${endpoints.caFile} -H "Authorization: Bearer $TOKEN" '${endpoints.azure}${network.id}?api-version=${network.apiVersion}'` +
            ` (TOKEN: client credentials of the aoai-link/azure-credential secret at ${endpoints.azureAuthorityHost}/<tenantId>/oauth2/v2.0/token)`,
        ]
      : []),
    ...(dns ? [`dig @127.0.0.1 -p ${dns.split(':')[1]} aoai-prod.openai.azure.com   (as ${subnet} sees it)`] : []),
  ];
}

export type StopSignal = 'SIGINT' | 'SIGTERM';

/** Resolves on the first SIGINT or SIGTERM (the listeners are removed then). */
export function untilStopSignal(target: NodeJS.Process = process): Promise<StopSignal> {
  return new Promise((resolve) => {
    const stop = (signal: StopSignal) => {
      target.off('SIGINT', onInt);
      target.off('SIGTERM', onTerm);
      resolve(signal);
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    target.on('SIGINT', onInt);
    target.on('SIGTERM', onTerm);
  });
}

/** Serves until the stop signal; the exit code. */
export async function serve(options: ServeOptions, io: CliIo, untilStop: () => Promise<StopSignal> = untilStopSignal): Promise<ExitCode> {
  const { out, err } = io;
  try {
    // Listening for signals before anything starts: an early Ctrl-C still closes and saves.
    const stopped = untilStop();
    const serving = await startServing(options);
    out.write(`${JSON.stringify(serving.endpoints)}\n`);
    out.write(`Serving the emulated clouds on 127.0.0.1${options.stateFile ? ` (state: ${options.stateFile})` : ''}; Ctrl-C to stop.\n`);
    for (const line of howToLook(serving.endpoints, serving.clouds.state)) out.write(`  ${line}\n`);
    const signal = await stopped;
    await serving.close();
    out.write(`Stopped on ${signal}${options.stateFile ? `; state saved to ${options.stateFile}` : ''}.\n`);
    return 0;
  } catch (error) {
    if (error instanceof LocalOptionError) throw new UsageError(error.message);
    throw error;
  }
}
