/**
 * Starts the emulated clouds of local mode on 127.0.0.1, around one shared cloud state and simulated clock:
 * the network model, the Azure endpoints (ARM over https, the OpenAI data plane), and the AWS endpoint
 * (EC2, Route 53 Resolver, Secrets Manager, Lambda) whose Lambda runs the probe in-process from the
 * function's VPC subnet.
 */
import { FUNCTION_RUNTIME_NAME, PROBE_FUNCTION_ENTRY, PROBE_FUNCTION_HANDLER } from '../../functions/catalog';
import { bundledFunctionRuntime } from '../aws/lambda-runtime';
import { projectRoot } from '../runner/project';
import { startAwsEmulator } from '../aws/server';
import { LOCAL_SERVICE_PRINCIPAL } from '../azure/entra';
import { startAzureEmulator } from '../azure/server';
import { SimulatedClock } from '../clock';
import { FaultInjector, type FaultSpec } from '../faults';
import { Latencies } from '../latency';
import { LocalNetwork } from '../network';
import { Recorder, type EmulatorContext } from './context';
import type { CloudState, LambdaFunction, Secret } from './state';

/** The Secrets Manager secret the workflow reads the Azure service principal from. */
export const AZURE_CREDENTIAL_SECRET_NAME = 'aoai-link/azure-credential';

export interface LocalCloudOptions {
  state: CloudState;
  faults: FaultSpec;
  /** Seed of the fault draws. */
  seed: number;
  /** Given only with `--jitter`: latencies are then drawn within ±25% of the table. */
  jitterSeed?: number;
  /** Simulated second the clock starts at (after everything a loaded state file already holds). */
  clockStart?: number;
}

export interface LocalClouds {
  /** AWS endpoint (http://127.0.0.1:port), for AWS_ENDPOINT_URL. */
  awsEndpoint: string;
  /** Azure Resource Manager endpoint (https://127.0.0.1:port), for AZURE_ARM_ENDPOINT. */
  azureEndpoint: string;
  /** The CA that signed the emulated Azure endpoints' certificates. */
  caPem: string;
  /** The emulated Entra ID (https://127.0.0.1:port), for AZURE_AUTHORITY_HOST. */
  authorityHost: string;
  /** ARN of the seeded Azure credential secret, for AZURE_CREDENTIAL_SECRET_ARN. */
  azureCredentialSecretArn: string;
  clock: SimulatedClock;
  recorder: Recorder;
  state: CloudState;
  network: LocalNetwork;
  context: EmulatorContext;
  close(): Promise<void>;
}

/**
 * Puts the Azure service principal secret in emulated Secrets Manager, as an operator would before deploying.
 * The emulated Entra ID knows this principal and issues it tokens. Kept if a loaded state already has it.
 */
export function seedAzureCredentialSecret(state: CloudState): string {
  const existing = state.aws.secrets.find((s) => s.Name === AZURE_CREDENTIAL_SECRET_NAME && s.DeletedDate === undefined);
  if (existing) return existing.ARN;
  const secret: Secret = {
    // Secrets Manager appends six random characters; fixed here so runs are reproducible.
    ARN: `arn:aws:secretsmanager:${state.aws.region}:${state.aws.accountId}:secret:${AZURE_CREDENTIAL_SECRET_NAME}-Lc4lMd`,
    Name: AZURE_CREDENTIAL_SECRET_NAME,
    Description: 'Azure service principal for aoai-link (local mode: the emulated directory\'s principal)',
    SecretString: JSON.stringify({
      tenantId: LOCAL_SERVICE_PRINCIPAL.tenantId,
      clientId: LOCAL_SERVICE_PRINCIPAL.clientId,
      clientSecret: LOCAL_SERVICE_PRINCIPAL.clientSecret,
    }),
    VersionId: '00000000-0000-0000-0000-000000000001',
    ClientRequestTokens: [],
    Tags: [{ Key: 'managed-by', Value: 'aoai-link-local' }],
    CreatedDate: 0,
  };
  state.aws.secrets.push(secret);
  return secret.ARN;
}

export async function startLocalClouds(options: LocalCloudOptions): Promise<LocalClouds> {
  const state = options.state;
  const clock = new SimulatedClock(options.clockStart ?? 0);
  const latencies = new Latencies(options.jitterSeed);
  const faults = new FaultInjector(options.faults, options.seed);
  const recorder = new Recorder();
  const azureCredentialSecretArn = seedAzureCredentialSecret(state);

  // The network model exists from the start; the OpenAI data plane ports are given once Azure listens.
  const network = LocalNetwork.start({ state: () => state, clock, latencies, faults: options.faults });
  const context: EmulatorContext = { state, clock, latencies, faults, recorder, network: network.model };

  const closers: (() => Promise<void>)[] = [() => network.close()];
  const closeAll = async () => {
    // Reverse order of start; one failing close must not leave the others open.
    const results = await Promise.allSettled(closers.reverse().map((close) => close()));
    closers.length = 0;
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  };

  try {
    const azure = await startAzureEmulator(context);
    closers.push(() => azure.close());
    network.setOpenAi(azure.openAi);

    // The emulated Lambda runs a function's declared handler from its bundle, inside its VPC. Local mode has no
    // S3: code named by an S3 location is the probe's asset, wherever the stack would have put it.
    const invokeFunction = bundledFunctionRuntime({
      projectRoot: projectRoot(),
      network,
      caPem: azure.caPem,
      codeFor: (fn) =>
        typeof fn.Code.S3Key === 'string' ? { entry: PROBE_FUNCTION_ENTRY, runtime: FUNCTION_RUNTIME_NAME, file: PROBE_FUNCTION_HANDLER.split('.')[0] } : undefined,
    });
    const aws = await startAwsEmulator(context, { invokeFunction });
    closers.push(() => aws.close());

    return {
      awsEndpoint: aws.endpoint,
      azureEndpoint: azure.endpoint,
      caPem: azure.caPem,
      authorityHost: azure.authorityHost,
      azureCredentialSecretArn,
      clock,
      recorder,
      state,
      network,
      context,
      close: closeAll,
    };
  } catch (error) {
    await closeAll().catch(() => undefined);
    throw error;
  }
}
