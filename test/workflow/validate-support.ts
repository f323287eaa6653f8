/**
 * Wiring for the validator's fast tests: both emulated clouds around one cloud state on a simulated clock, and
 * the validator's real SDK clients pointed at them. Resources "someone else" made are created through the
 * same SDKs, as that someone would have.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { Route53ResolverClient } from '@aws-sdk/client-route53resolver';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ResourceManagementClient } from '@azure/arm-resources';
import { createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
import type { ValidationContext, ValidatorClients } from '../../functions/validate-request/validate';
import { startAwsEmulator } from '../../local/aws/server';
import { startAzureEmulator } from '../../local/azure/server';
import { SimulatedClock } from '../../local/clock';
import { Recorder, type EmulatorContext, type NetworkView } from '../../local/cloud/context';
import { readWorld, stateFromWorld, type World } from '../../local/cloud/world';
import { FaultInjector, parseFaults } from '../../local/faults';
import { Latencies } from '../../local/latency';
import { emulatorCredential } from '../local-azure/support';
import { refusalProblems } from '../../functions/commons/refusal';

/** No tunnel is up: the validator never asks, and nothing here needs the network model. */
const quietNetwork: NetworkView = {
  awsTunnelTelemetry: () => [],
  azureConnectionStatus: () => ({ connectionStatus: 'NotConnected', tunnelConnectionStatus: [] }),
};

/** A public address (AWS's own range) for the callback host, so only what a test changes is refused. */
export const PUBLIC_CALLBACK_ADDRESS = '52.192.0.10';

export interface ValidatorClouds {
  ctx: EmulatorContext;
  clients: ValidatorClients;
  context: ValidationContext;
  /** A raw ARM write through the client's pipeline, for resources another team made. */
  armPut(id: string, apiVersion: string, body: unknown): Promise<number>;
  /** Calls that changed something, since `since` (an index into the recorder's AWS and ARM logs). */
  writesSince(since: Mark): string[];
  mark(): Mark;
  /** Back to `world` and a public callback host, on the same listeners (the emulators keep their state objects). */
  reset(world?: World): void;
  close(): Promise<void>;
}

export interface Mark {
  aws: Record<string, number>;
  azure: Record<string, number>;
}

export async function startValidatorClouds(world: World = readWorld()): Promise<ValidatorClouds> {
  const clock = new SimulatedClock();
  const ctx: EmulatorContext = {
    state: stateFromWorld(world),
    clock,
    latencies: new Latencies(),
    faults: new FaultInjector(parseFaults(''), 1),
    recorder: new Recorder(),
    network: quietNetwork,
  };
  const aws = await startAwsEmulator(ctx);
  const azure = await startAzureEmulator(ctx);
  const previousArmEndpoint = process.env.AZURE_ARM_ENDPOINT;
  // The validator's raw ARM reads (the deployments list) build their URL from this, as the deployed function does.
  process.env.AZURE_ARM_ENDPOINT = azure.endpoint;
  const config = {
    endpoint: aws.endpoint,
    region: 'ap-northeast-1',
    credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-secret' },
    maxAttempts: 1,
  };
  const arm = new ResourceManagementClient(emulatorCredential(azure), '00000000-0000-0000-0000-000000000000', {
    endpoint: azure.endpoint,
    credentialScopes: 'https://management.azure.com/.default',
    tlsOptions: { ca: azure.caPem },
    retryOptions: { maxRetries: 0 },
  });
  const clients: ValidatorClients = {
    ec2: new EC2Client(config),
    secrets: new SecretsManagerClient(config),
    resolver: new Route53ResolverClient(config),
    lambda: new LambdaClient(config),
    arm,
  };
  const context: ValidationContext = {
    deploymentRegion: 'ap-northeast-1',
    callbackChecks: { resolveHost: async () => [PUBLIC_CALLBACK_ADDRESS] },
  };
  const reset = (next: World = readWorld()) => {
    const fresh = stateFromWorld(next);
    for (const cloud of ['aws', 'azure'] as const) {
      const target = ctx.state[cloud] as unknown as Record<string, unknown>;
      for (const key of Object.keys(target)) delete target[key];
      Object.assign(target, fresh[cloud]);
    }
    context.deploymentRegion = 'ap-northeast-1';
    context.callbackChecks = { resolveHost: async () => [PUBLIC_CALLBACK_ADDRESS] };
  };
  const mark = (): Mark => ({ aws: { ...ctx.recorder.apiCalls.aws }, azure: { ...ctx.recorder.apiCalls.azure } });
  return {
    ctx,
    clients,
    context,
    async armPut(id, apiVersion, body) {
      const response = await arm.sendRequest(
        createPipelineRequest({
          url: `${azure.endpoint}${id}?api-version=${apiVersion}`,
          method: 'PUT',
          headers: createHttpHeaders({ 'content-type': 'application/json' }),
          body: JSON.stringify(body),
        }),
      );
      return response.status;
    },
    mark,
    reset,
    writesSince(since) {
      const now = mark();
      const changed: string[] = [];
      for (const [name, count] of Object.entries(now.aws)) {
        if (count > (since.aws[name] ?? 0) && !/^(Describe|List|Get)/.test(name)) changed.push(`aws ${name}`);
      }
      for (const [name, count] of Object.entries(now.azure)) {
        // ARM's read-only POST lists (DnsResolvers_ListByVirtualNetwork) change nothing.
        if (count > (since.azure[name] ?? 0) && !name.startsWith('GET ') && !/^POST .*\/listDnsResolvers$/i.test(name)) changed.push(`azure ${name}`);
      }
      return changed;
    },
    async close() {
      for (const client of [clients.ec2, clients.secrets, clients.resolver, clients.lambda]) client.destroy();
      if (previousArmEndpoint === undefined) delete process.env.AZURE_ARM_ENDPOINT;
      else process.env.AZURE_ARM_ENDPOINT = previousArmEndpoint;
      clock.stop();
      await azure.close();
      await aws.close();
    },
  };
}

/** The problems a RequestRefused lists, read back from its message as Step Functions would hand it over. */
export function problemsOf(error: unknown): { path: string; message: string }[] {
  if (!(error instanceof Error) || error.name !== 'RequestRefused') throw new Error(`expected a RequestRefused, got ${String(error)}`);
  const problems = refusalProblems({ name: error.name, message: error.message });
  if (!problems) throw new Error(`a RequestRefused whose message carries no problems: ${error.message}`);
  return problems;
}

/** The refusal's field paths, sorted. */
export function pathsOf(error: unknown): string[] {
  return problemsOf(error)
    .map((p) => p.path)
    .sort();
}
