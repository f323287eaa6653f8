/**
 * Test harness: a fresh emulated Azure on the simulated clock, and the real ResourceManagementClient
 * pointed at it (trusting the emulator's CA through the client option `tlsOptions`).
 */
import * as https from 'node:https';
import { ResourceManagementClient } from '@azure/arm-resources';
import { createHttpHeaders, createPipelineRequest, RestError, type PipelineResponse } from '@azure/core-rest-pipeline';
import type { AzureConnectionView, EmulatorContext, NetworkView } from '../../local/cloud/context';
import { Recorder } from '../../local/cloud/context';
import { readWorld, stateFromWorld, type World } from '../../local/cloud/world';
import { SimulatedClock } from '../../local/clock';
import { FaultInjector, parseFaults } from '../../local/faults';
import { Latencies } from '../../local/latency';
import { startAzureEmulator, type AzureEmulator } from '../../local/azure/server';
import { LOCAL_SERVICE_PRINCIPAL } from '../../local/azure/entra';
import { ClientSecretCredential } from '@azure/identity';

export const SUB = '11111111-2222-3333-4444-555555555555';
export const RG = `/subscriptions/${SUB}/resourceGroups/rg-network`;
export const VNET = `${RG}/providers/Microsoft.Network/virtualNetworks/vnet-hub`;
export const ACCOUNT = `/subscriptions/${SUB}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/aoai-prod`;
export const NET = `${RG}/providers/Microsoft.Network`;
export const NETWORK_API = '2025-05-01';
export const DNS_API = '2024-06-01';
export const COGNITIVE_API = '2024-10-01';

/** A NetworkView stub: connection status as the test sets it (the real network model lives in local/network). */
export class StubNetwork implements NetworkView {
  readonly status = new Map<string, AzureConnectionView>();
  awsTunnelTelemetry() {
    return [];
  }
  azureConnectionStatus(connectionId: string): AzureConnectionView {
    return this.status.get(connectionId.toLowerCase()) ?? { connectionStatus: 'NotConnected', tunnelConnectionStatus: [] };
  }
}

export interface TestAzure {
  ctx: EmulatorContext;
  clock: SimulatedClock;
  network: StubNetwork;
  azure: AzureEmulator;
  client: ResourceManagementClient;
  /** Raw call through the client's own pipeline (bearer token, TLS settings, retries). */
  send(method: string, id: string, apiVersion: string, body?: unknown): Promise<PipelineResponse & { json: any }>;
  close(): Promise<void>;
}

/** The real ClientSecretCredential, getting its tokens from the emulated Entra ID (ARM checks them). */
export function emulatorCredential(azure: AzureEmulator, principal: { tenantId: string; clientId: string; clientSecret: string } = LOCAL_SERVICE_PRINCIPAL) {
  return new ClientSecretCredential(principal.tenantId, principal.clientId, principal.clientSecret, {
    authorityHost: azure.authorityHost,
    disableInstanceDiscovery: true,
    tlsOptions: { ca: azure.caPem },
  });
}

export async function startTestAzure(faults = '', seed = 1, world: World = readWorld()): Promise<TestAzure> {
  const clock = new SimulatedClock();
  const network = new StubNetwork();
  const ctx: EmulatorContext = {
    state: stateFromWorld(world),
    clock,
    latencies: new Latencies(),
    faults: new FaultInjector(parseFaults(faults), seed),
    recorder: new Recorder(),
    network,
  };
  const azure = await startAzureEmulator(ctx);
  const client = new ResourceManagementClient(emulatorCredential(azure), SUB, {
    endpoint: azure.endpoint,
    credentialScopes: 'https://management.azure.com/.default',
    tlsOptions: { ca: azure.caPem },
    // Short real-time back-off so retried faults do not slow the suite (429s still honour Retry-After: 1).
    retryOptions: { retryDelayInMs: 5, maxRetryDelayInMs: 20 },
  });
  // The SDK's pollers wait a successful answer's Retry-After in real seconds while the clock here is simulated,
  // which made these tests slow enough to time out on a loaded machine. Raw requests (`send`) and throttling
  // answers keep the header, so the tests can still read what ARM sent.
  const rawRequests = new WeakSet<object>();
  client.pipeline.addPolicy({
    name: 'pollOnTheSimulatedClock',
    async sendRequest(request, next) {
      const response = await next(request);
      if (response.status < 400 && !rawRequests.has(request)) response.headers.delete('retry-after');
      return response;
    },
  });
  const send: TestAzure['send'] = async (method, id, apiVersion, body) => {
    const request = createPipelineRequest({
      url: `${azure.endpoint}${id}?api-version=${apiVersion}`,
      method: method as 'GET',
      headers: createHttpHeaders({ 'content-type': 'application/json' }),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    rawRequests.add(request);
    const response = await client.sendRequest(request);
    return Object.assign(response, { json: response.bodyAsText ? JSON.parse(response.bodyAsText) : undefined });
  };
  return {
    ctx,
    clock,
    network,
    azure,
    client,
    send,
    async close() {
      clock.stop();
      await azure.close();
    },
  };
}

/** Creates through the SDK without waiting for completion (the poller has polled once). */
export async function begin(env: TestAzure, id: string, body: any, apiVersion = NETWORK_API) {
  return env.client.resources.beginCreateOrUpdateById(id, apiVersion, body, { updateIntervalInMs: 5 });
}

/**
 * Creates through the SDK and polls to completion (short updateIntervalInMs) while the simulated clock
 * advances exactly to the operation's readyAt, so later steps start where the cloud would be.
 */
export async function createAndWait(env: TestAzure, id: string, body: any, apiVersion = NETWORK_API): Promise<any> {
  const poller = await begin(env, id, body, apiVersion);
  const done = poller.pollUntilDone();
  await advanceToReady(env, id);
  return done;
}

/** getById, typed loosely: GenericResource's `properties` is `unknown` to TypeScript. */
export function getById(env: TestAzure, id: string, apiVersion: string): Promise<any> {
  return env.client.resources.getById(id, apiVersion);
}

/** Sleeps on the simulated clock until the resource's current operation is ready. */
export async function advanceToReady(env: TestAzure, id: string): Promise<void> {
  const key = id.toLowerCase().includes('/securityrules/') ? id.toLowerCase().split('/securityrules/')[0] : id.toLowerCase();
  const op = env.ctx.state.azure.resources[key]?.operation;
  await env.clock.sleep(Math.max(0, (op?.readyAt ?? 0) - env.clock.now()));
}

/** The RestError a call fails with. */
export async function restError(promise: Promise<unknown>): Promise<RestError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof RestError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

/** A raw https call to the emulator (no SDK), trusting its CA. */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: unknown; ca: string; servername?: string },
): Promise<{ status: number; headers: Record<string, unknown>; json: any }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = https.request(
      {
        host: '127.0.0.1',
        port: u.port,
        path: url.slice(url.indexOf('/', 'https://'.length)),
        method: options.method ?? 'GET',
        ca: options.ca,
        servername: options.servername,
        headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...(options.headers ?? {}) },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, json: text ? JSON.parse(text) : undefined });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

// ---- bodies the product sends (cloud-apis.md 1.1) -------------------------------------------------------

export const ids = {
  gatewaySubnet: `${VNET}/subnets/GatewaySubnet`,
  peSubnet: `${VNET}/subnets/snet-pe`,
  dnsSubnet: `${VNET}/subnets/snet-dns-in`,
  pip: `${NET}/publicIPAddresses/pip-vpngw`,
  gateway: `${NET}/virtualNetworkGateways/vpngw`,
  lng1: `${NET}/localNetworkGateways/lng-aws-t1`,
  connection1: `${NET}/connections/cn-aws-t1`,
  nsgPe: `${NET}/networkSecurityGroups/nsg-pe`,
  zone: `${NET}/privateDnsZones/privatelink.openai.azure.com`,
  link: `${NET}/privateDnsZones/privatelink.openai.azure.com/virtualNetworkLinks/link-hub`,
  pe: `${NET}/privateEndpoints/pe-aoai`,
  zoneGroup: `${NET}/privateEndpoints/pe-aoai/privateDnsZoneGroups/default`,
  resolver: `${NET}/dnsResolvers/dnsr-hub`,
  inbound: `${NET}/dnsResolvers/dnsr-hub/inboundEndpoints/in-1`,
};

export const bodies = {
  gatewaySubnet: { properties: { addressPrefix: '192.168.0.0/27' } },
  peSubnet: (nsg?: string) => ({
    properties: { addressPrefix: '192.168.1.0/27', privateEndpointNetworkPolicies: 'Enabled', ...(nsg ? { networkSecurityGroup: { id: nsg } } : {}) },
  }),
  dnsSubnet: {
    properties: {
      addressPrefix: '192.168.2.0/28',
      delegations: [{ name: 'Microsoft.Network.dnsResolvers', properties: { serviceName: 'Microsoft.Network/dnsResolvers' } }],
    },
  },
  pip: {
    location: 'japaneast',
    sku: { name: 'Standard', tier: 'Regional' },
    zones: ['1', '2', '3'],
    properties: { publicIPAllocationMethod: 'Static', publicIPAddressVersion: 'IPv4' },
  },
  gateway: {
    location: 'japaneast',
    properties: {
      gatewayType: 'Vpn',
      vpnType: 'RouteBased',
      sku: { name: 'VpnGw1AZ', tier: 'VpnGw1AZ' },
      vpnGatewayGeneration: 'Generation1',
      activeActive: false,
      enableBgp: false,
      ipConfigurations: [
        { name: 'default', properties: { privateIPAllocationMethod: 'Dynamic', subnet: { id: `${VNET}/subnets/GatewaySubnet` }, publicIPAddress: { id: `${NET}/publicIPAddresses/pip-vpngw` } } },
      ],
    },
  },
  lng: (ip: string) => ({ location: 'japaneast', properties: { gatewayIpAddress: ip, localNetworkAddressSpace: { addressPrefixes: ['172.17.0.0/16'] } } }),
  connection: (psk: string) => ({
    location: 'japaneast',
    properties: {
      connectionType: 'IPsec',
      connectionProtocol: 'IKEv2',
      virtualNetworkGateway1: { id: `${NET}/virtualNetworkGateways/vpngw` },
      localNetworkGateway2: { id: `${NET}/localNetworkGateways/lng-aws-t1` },
      sharedKey: psk,
      enableBgp: false,
      dpdTimeoutSeconds: 45,
    },
  }),
};

/** GatewaySubnet + public IP (raw PUT, keeping zones), both Succeeded. */
export async function gatewayPrerequisites(env: TestAzure): Promise<void> {
  await createAndWait(env, ids.gatewaySubnet, bodies.gatewaySubnet);
  const pip = await env.send('PUT', ids.pip, NETWORK_API, bodies.pip);
  expect(pip.status).toBe(201);
  await env.clock.sleep(15);
}
