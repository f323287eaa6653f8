/**
 * Fast wiring for the VPN and tunnel tests: the emulated clouds of local mode in-process (one shared state,
 * the real network model, a simulated clock), real SDK clients at them, and the plain step functions called
 * in workflow order, so a test builds the VPN in a few hundred real milliseconds instead of a whole run.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { EC2Client } from '@aws-sdk/client-ec2';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ResourceManagementClient } from '@azure/arm-resources';
import { ClientSecretCredential } from '@azure/identity';
import * as awsVpn from '../../functions/aws-vpn/aws-vpn';
import * as azureNetwork from '../../functions/azure-network/azure-network';
import { ResourceNotReady } from '../../functions/commons/errors';
import type { EnvironmentRequest } from '../../functions/commons/request/contract';
import { validateRequestDocument } from '../../functions/commons/request/schema';
import * as tunnels from '../../functions/tunnels/tunnels';
import type { EnvironmentFacts } from '../../functions/commons/workflow-data';
import { LOCAL_SERVICE_PRINCIPAL } from '../../local/azure/entra';
import { startLocalClouds, type LocalClouds } from '../../local/cloud';
import type { CloudState } from '../../local/cloud/state';
import { readWorld, stateFromWorld } from '../../local/cloud/world';
import { NO_FAULTS, parseFaults } from '../../local/faults';
import { greenfieldHub } from '../../functions/commons/hub';

const ROOT = path.join(__dirname, '..', '..');

/** The default request, normalised as the request check gives it to later steps. */
export function vpnRequest(patch: (r: any) => void = () => undefined): EnvironmentRequest {
  const document = JSON.parse(readFileSync(path.join(ROOT, 'events', 'new-environment.json'), 'utf8'));
  patch(document);
  const checked = validateRequestDocument(document);
  if (!checked.ok) throw new Error(`test request invalid: ${JSON.stringify(checked.problems)}`);
  return checked.request;
}

/** What the request check reads from the default world. */
export const FACTS: EnvironmentFacts = {
  vpcCidrs: ['172.17.0.0/16'],
  vnetAddressPrefixes: ['192.168.0.0/16'],
  location: 'japaneast',
  openAiHost: 'aoai-prod.openai.azure.com',
  hub: greenfieldHub(vpnRequest()),
};

export interface VpnClouds {
  clouds: LocalClouds;
  state: CloudState;
  ec2: EC2Client;
  ec2Once: EC2Client;
  secrets: SecretsManagerClient;
  arm: ResourceManagementClient;
  /** Simulated seconds pass (instantly, when nothing is in flight). */
  sleep(seconds: number): Promise<void>;
  close(): Promise<void>;
}

export async function startVpnClouds(options: { faults?: string; state?: CloudState; clockStart?: number; armMaxRetries?: number } = {}): Promise<VpnClouds> {
  const state = options.state ?? stateFromWorld(readWorld());
  const clouds = await startLocalClouds({ state, faults: options.faults ? parseFaults(options.faults) : NO_FAULTS, seed: 1, clockStart: options.clockStart });
  // armRequest (sharedkey, raw bodies) builds its URL from the handlers' environment.
  const previousArm = process.env.AZURE_ARM_ENDPOINT;
  process.env.AZURE_ARM_ENDPOINT = clouds.azureEndpoint;
  const aws = { endpoint: clouds.awsEndpoint, region: 'ap-northeast-1', credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-secret' } };
  const credential = new ClientSecretCredential(LOCAL_SERVICE_PRINCIPAL.tenantId, LOCAL_SERVICE_PRINCIPAL.clientId, LOCAL_SERVICE_PRINCIPAL.clientSecret, {
    authorityHost: clouds.authorityHost,
    disableInstanceDiscovery: true,
    tlsOptions: { ca: clouds.caPem },
  });
  const arm = new ResourceManagementClient(credential, '11111111-2222-3333-4444-555555555555', {
    endpoint: clouds.azureEndpoint,
    credentialScopes: 'https://management.azure.com/.default',
    tlsOptions: { ca: clouds.caPem },
    retryOptions: { retryDelayInMs: 5, maxRetryDelayInMs: 20, ...(options.armMaxRetries === undefined ? {} : { maxRetries: options.armMaxRetries }) },
  });
  const ec2 = new EC2Client(aws);
  const ec2Once = new EC2Client({ ...aws, maxAttempts: 1 });
  const secrets = new SecretsManagerClient(aws);
  return {
    clouds,
    state,
    ec2,
    ec2Once,
    secrets,
    arm,
    sleep: (seconds) => clouds.clock.sleep(seconds),
    async close() {
      ec2.destroy();
      ec2Once.destroy();
      secrets.destroy();
      if (previousArm === undefined) delete process.env.AZURE_ARM_ENDPOINT;
      else process.env.AZURE_ARM_ENDPOINT = previousArm;
      await clouds.close();
    },
  };
}

/** Runs a step until it stops answering ResourceNotReady, as the state's retry does, on the simulated clock. */
export async function untilReady<T>(h: VpnClouds, step: () => Promise<T>, everySeconds = 30, tries = 200): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (!(error instanceof ResourceNotReady) || attempt >= tries) throw error;
      await h.sleep(everySeconds);
    }
  }
}

export interface BuiltVpn {
  request: EnvironmentRequest;
  facts: EnvironmentFacts;
  publicIp: string;
  customerGatewayId: string;
  vpnGatewayId: string;
  vpnConnectionId: string;
  pskSecretArns: string[];
  tunnels: { tunnel: number; outsideIp: string }[];
}

/** The AWS side up to an available VPN connection with its static route, for a given Azure address. */
export async function buildAwsSide(h: VpnClouds, request: EnvironmentRequest, publicIp: string) {
  const input = { request, facts: FACTS };
  const { customerGatewayId } = await awsVpn.createCustomerGateway(h.ec2, h.ec2Once, { ...input, publicIp });
  const { vpnGatewayId } = await awsVpn.createVpnGateway(h.ec2, h.ec2Once, input);
  // Each wait is the operation's latency first, so a build makes few polls (the suite runs once per mutant).
  await h.sleep(30);
  await untilReady(h, () => awsVpn.attachVpnGateway(h.ec2, { ...input, vpnGatewayId }));
  const { vpnConnectionId, pskSecretArns } = await awsVpn.createVpnConnection(h.ec2, h.ec2Once, h.secrets, { ...input, customerGatewayId, vpnGatewayId });
  await h.sleep(300);
  await untilReady(h, () => awsVpn.enableRoutePropagation(h.ec2, { ...input, vpnGatewayId }));
  const completed = await untilReady(h, () => awsVpn.completeVpnConnection(h.ec2, { ...input, vpnConnectionId }));
  return { customerGatewayId, vpnGatewayId, vpnConnectionId, pskSecretArns, tunnels: completed.tunnels };
}

/** Both clouds as a successful run leaves the VPN: gateway built, tunnels joined, both ends up. */
export async function buildVpn(h: VpnClouds, request: EnvironmentRequest = vpnRequest()): Promise<BuiltVpn> {
  const input = { request, facts: FACTS };
  await azureNetwork.createGatewaySubnetAndPublicIp(h.arm, input);
  await h.sleep(15);
  const { publicIp } = await untilReady(h, () => azureNetwork.readGatewayPublicIp(h.arm, input), 5);
  await azureNetwork.createVpnGateway(h.arm, input);
  const aws = await buildAwsSide(h, request, publicIp);
  const tunnelInput = { ...input, vpnConnectionId: aws.vpnConnectionId, tunnels: aws.tunnels, pskSecretArns: aws.pskSecretArns };
  await tunnels.createLocalNetworkGateways(h.arm, tunnelInput);
  await h.sleep(2400);
  await untilReady(h, () => tunnels.connectTunnels(h.arm, h.secrets, tunnelInput), 60);
  await h.sleep(180);
  for (let look = 0; look < 40; look++) {
    const checked = await tunnels.checkTunnels(h.arm, h.ec2, h.secrets, { ...tunnelInput, attempt: 0, maxAttempts: 100 });
    if (checked.ready) return { request, facts: FACTS, publicIp, ...aws };
    await h.sleep(30);
  }
  throw new Error('the tunnels of the test VPN never came up');
}

/** The input of a tunnel step for a built VPN. */
export function tunnelInput(built: BuiltVpn) {
  return { request: built.request, facts: built.facts, vpnConnectionId: built.vpnConnectionId, tunnels: built.tunnels, pskSecretArns: built.pskSecretArns };
}

/** A deep copy of a state, to start another set of clouds from the same point. */
export function copyState(state: CloudState): CloudState {
  return JSON.parse(JSON.stringify(state));
}

/** A built VPN saved once per suite; each test starts its own clouds from a copy of it. */
export interface SavedVpn {
  built: BuiltVpn;
  state: CloudState;
  clockAt: number;
}

export async function saveBuiltVpn(request: EnvironmentRequest = vpnRequest()): Promise<SavedVpn> {
  const h = await startVpnClouds();
  try {
    const built = await buildVpn(h, request);
    return { built, state: copyState(h.state), clockAt: h.clouds.clock.now() };
  } finally {
    await h.close();
  }
}

/** Fresh clouds holding the saved VPN, after `breakOneThing` changed their state. */
export function resumeVpn(
  saved: SavedVpn,
  breakOneThing: (state: CloudState) => void = () => undefined,
  options: { faults?: string; armMaxRetries?: number } = {},
): Promise<VpnClouds> {
  const state = copyState(saved.state);
  breakOneThing(state);
  return startVpnClouds({ ...options, state, clockStart: saved.clockAt });
}

/** The Azure resource of a type and name in a state. */
export function azureResource(state: CloudState, type: string, name: string) {
  const found = Object.values(state.azure.resources).find((r) => r.type === `Microsoft.Network/${type}` && r.name === name);
  if (!found) throw new Error(`no ${type} ${name} in the state`);
  return found;
}
