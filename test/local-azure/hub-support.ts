/**
 * What the hub tests share: the real Network, Private DNS and DNS Resolver clients pointed at the emulated ARM,
 * and a hub written straight into the state as the world loader leaves it (pre-existing, no ARM operation), so
 * the reads are proven on resources the workflow did not build as well as on those it did.
 */
import { NetworkManagementClient } from '@azure/arm-network';
import { PrivateDnsManagementClient } from '@azure/arm-privatedns';
import { DnsResolverManagementClient } from '@azure/arm-dnsresolver';
import type { Pipeline } from '@azure/core-rest-pipeline';
import { armKey, type ArmResource } from '../../local/cloud/state';
import { emulatorCredential, SUB, VNET, type TestAzure } from './support';

export const OTHER_SUB = '22222222-3333-4444-5555-666666666666';
export const HUB_NET = `/subscriptions/${SUB}/resourceGroups/rg-hub-network/providers/Microsoft.Network`;
export const CENTRAL_ZONE = `/subscriptions/${OTHER_SUB}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/privatelink.openai.azure.com`;

export const hub = {
  gatewaySubnet: `${VNET}/subnets/GatewaySubnet`,
  dnsSubnet: `${VNET}/subnets/snet-dns-in`,
  gateway: `${HUB_NET}/virtualNetworkGateways/vpngw-platform`,
  pip: `${HUB_NET}/publicIPAddresses/pip-vpngw-platform`,
  resolver: `${HUB_NET}/dnsResolvers/dnspr-platform`,
  inbound: `${HUB_NET}/dnsResolvers/dnspr-platform/inboundEndpoints/in-platform`,
  zone: CENTRAL_ZONE,
  link: `${CENTRAL_ZONE}/virtualNetworkLinks/link-vnet-hub`,
};

/** Answers' Retry-After is waited in real seconds by the SDK pollers while the clock here is simulated: drop it. */
export function pollOnTheSimulatedClock(pipeline: Pipeline): void {
  pipeline.addPolicy({
    name: 'pollOnTheSimulatedClock',
    async sendRequest(request, next) {
      const response = await next(request);
      if (response.status < 400) response.headers.delete('retry-after');
      return response;
    },
  });
}

export function networkClient(env: TestAzure, subscriptionId = SUB): NetworkManagementClient {
  const client = new NetworkManagementClient(emulatorCredential(env.azure), subscriptionId, {
    endpoint: env.azure.endpoint,
    tlsOptions: { ca: env.azure.caPem },
    retryOptions: { retryDelayInMs: 5, maxRetryDelayInMs: 20 },
  });
  pollOnTheSimulatedClock(client.pipeline);
  return client;
}

export function privateDnsClient(env: TestAzure, subscriptionId = SUB): PrivateDnsManagementClient {
  const client = new PrivateDnsManagementClient(emulatorCredential(env.azure), subscriptionId, {
    endpoint: env.azure.endpoint,
    tlsOptions: { ca: env.azure.caPem },
    retryOptions: { retryDelayInMs: 5, maxRetryDelayInMs: 20 },
  });
  pollOnTheSimulatedClock(client.pipeline);
  return client;
}

export function dnsResolverClient(env: TestAzure, subscriptionId = SUB): DnsResolverManagementClient {
  const client = new DnsResolverManagementClient(emulatorCredential(env.azure), subscriptionId, {
    endpoint: env.azure.endpoint,
    credentialScopes: 'https://management.azure.com/.default',
    tlsOptions: { ca: env.azure.caPem },
    retryOptions: { retryDelayInMs: 5, maxRetryDelayInMs: 20 },
  });
  pollOnTheSimulatedClock(client.pipeline);
  return client;
}

/** Every item of a paged list. */
export async function all<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of pages) out.push(item);
  return out;
}

function preExisting(env: TestAzure, id: string, type: string, body: ArmResource['body']): void {
  env.ctx.state.azure.resources[armKey(id)] = { id, type, name: id.split('/').pop()!, apiVersion: '2025-05-01', preExisting: true, body };
}

/**
 * Another team's hub in vnet-hub, as the world loader writes it: a GatewaySubnet with a route-based gateway and its
 * public IP, a delegated DNS subnet with a resolver and inbound endpoint, and the central zone in another
 * subscription linked to the VNet.
 */
export function seedForeignHub(env: TestAzure): void {
  preExisting(env, hub.gatewaySubnet, 'Microsoft.Network/virtualNetworks/subnets', { properties: { addressPrefix: '192.168.255.0/27', provisioningState: 'Succeeded' } });
  preExisting(env, hub.dnsSubnet, 'Microsoft.Network/virtualNetworks/subnets', {
    properties: {
      addressPrefix: '192.168.2.0/28',
      delegations: [{ name: 'Microsoft.Network.dnsResolvers', properties: { serviceName: 'Microsoft.Network/dnsResolvers' } }],
      provisioningState: 'Succeeded',
    },
  });
  preExisting(env, hub.pip, 'Microsoft.Network/publicIPAddresses', {
    location: 'japaneast',
    sku: { name: 'Standard', tier: 'Regional' },
    properties: { publicIPAllocationMethod: 'Static', ipAddress: '20.48.100.17', ipConfiguration: { id: `${hub.gateway}/ipConfigurations/default` }, provisioningState: 'Succeeded' },
  });
  preExisting(env, hub.gateway, 'Microsoft.Network/virtualNetworkGateways', {
    location: 'japaneast',
    tags: { owner: 'platform-team' },
    properties: {
      gatewayType: 'Vpn',
      vpnType: 'RouteBased',
      sku: { name: 'VpnGw1AZ', tier: 'VpnGw1AZ', capacity: 2 },
      activeActive: false,
      enableBgp: false,
      ipConfigurations: [
        { name: 'default', id: `${hub.gateway}/ipConfigurations/default`, properties: { privateIPAllocationMethod: 'Dynamic', subnet: { id: hub.gatewaySubnet }, publicIPAddress: { id: hub.pip } } },
      ],
      provisioningState: 'Succeeded',
    },
  });
  preExisting(env, hub.resolver, 'Microsoft.Network/dnsResolvers', {
    location: 'japaneast',
    tags: { owner: 'platform-team' },
    properties: { virtualNetwork: { id: VNET }, provisioningState: 'Succeeded' },
  });
  preExisting(env, hub.inbound, 'Microsoft.Network/dnsResolvers/inboundEndpoints', {
    location: 'japaneast',
    properties: { ipConfigurations: [{ subnet: { id: hub.dnsSubnet }, privateIpAllocationMethod: 'Static', privateIpAddress: '192.168.2.4' }], provisioningState: 'Succeeded' },
  });
  preExisting(env, hub.zone, 'Microsoft.Network/privateDnsZones', { location: 'global', tags: { owner: 'platform-team' }, properties: { provisioningState: 'Succeeded' } });
  preExisting(env, hub.link, 'Microsoft.Network/privateDnsZones/virtualNetworkLinks', {
    location: 'global',
    properties: { virtualNetwork: { id: VNET }, registrationEnabled: false, provisioningState: 'Succeeded' },
  });
}
