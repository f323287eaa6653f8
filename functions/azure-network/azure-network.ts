/**
 * The Azure network side: GatewaySubnet and public IP, the VPN gateway, NSGs, the private endpoint subnet and
 * endpoint with its private DNS zone, and the DNS Private Resolver with its inbound endpoint.
 *
 * Each function starts one piece (a PUT, from a terminal state only) or reads one back; none waits. A
 * dependency that is not ready yet raises ResourceNotReady, and the state's Retry waits on the clock.
 * Subnet writes on one VNet are serialised by the state machine (one branch writes them in order).
 */
import type { ResourceManagementClient } from '@azure/arm-resources';
import { API_VERSIONS, ensureArmResource, getArmResource, provisioningStateOf, requireSucceeded, type ArmResourceView } from '../commons/arm';
import { GatewayBuildFailed, ResourceNotReady, WaitTimedOut } from '../commons/errors';
import { armTags, resourceNames, type ResourceNames } from '../commons/naming';
import type { EnvironmentRequest } from '../commons/request';
import type { EnvironmentFacts } from '../validate-request/validate';

export interface StepInput {
  request: EnvironmentRequest;
  facts: EnvironmentFacts;
}

export interface PollInput extends StepInput {
  attempt?: number;
  maxAttempts: number;
}

const NET = API_VERSIONS.network;

function names(input: StepInput): ResourceNames {
  return resourceNames(input.request);
}

// ---------------------------------------------------------------------------------------------------------
// The gateway's address and the gateway
// ---------------------------------------------------------------------------------------------------------

/** GatewaySubnet (no NSG: Azure policy forbids one there) and a Standard, Static, zone-redundant public IP. */
export async function createGatewaySubnetAndPublicIp(arm: ResourceManagementClient, input: StepInput) {
  const n = names(input);
  const subnet = await ensureArmResource(arm, n.azure.gatewaySubnet.id, NET, {
    properties: { addressPrefix: input.request.azure.gatewaySubnetPrefix },
  });
  // Raw JSON: the generic resource model drops the top-level `zones` a zone-redundant IP needs.
  const publicIp = await ensureArmResource(
    arm,
    n.azure.publicIp.id,
    NET,
    {
      location: input.facts.location,
      tags: armTags(input.request.environmentId),
      sku: { name: 'Standard', tier: 'Regional' },
      zones: ['1', '2', '3'],
      properties: { publicIPAllocationMethod: 'Static', publicIPAddressVersion: 'IPv4' },
    },
    { raw: true },
  );
  return { gatewaySubnet: subnet.provisioningState, publicIp: publicIp.provisioningState };
}

/** The public IP's address, known as soon as the IP is provisioned: the AWS side needs nothing else. */
export async function readGatewayPublicIp(arm: ResourceManagementClient, input: StepInput) {
  const n = names(input);
  await requireSucceeded(arm, n.azure.gatewaySubnet.id, NET, 'GatewaySubnet');
  const pip = await requireSucceeded(arm, n.azure.publicIp.id, NET, 'The gateway public IP');
  const address = pip.properties.ipAddress as string | undefined;
  if (!address) throw new ResourceNotReady(`The gateway public IP ${n.azure.publicIp.id} has no address yet`);
  return { publicIp: address, publicIpId: n.azure.publicIp.id };
}

/** VpnGw1AZ–3AZ are Generation1 SKUs; 4AZ and 5AZ exist only as Generation2. */
function gatewayGeneration(sku: string): string {
  return /VpnGw[45]AZ/.test(sku) ? 'Generation2' : 'Generation1';
}

export async function createVpnGateway(arm: ResourceManagementClient, input: StepInput) {
  const n = names(input);
  const sku = input.request.azure.gatewaySku;
  const result = await ensureArmResource(arm, n.azure.vpnGateway.id, NET, {
    location: input.facts.location,
    tags: armTags(input.request.environmentId),
    properties: {
      gatewayType: 'Vpn',
      vpnType: 'RouteBased',
      sku: { name: sku, tier: sku },
      vpnGatewayGeneration: gatewayGeneration(sku),
      activeActive: false,
      enableBgp: false,
      ipConfigurations: [
        {
          name: 'default',
          properties: {
            privateIPAllocationMethod: 'Dynamic',
            subnet: { id: n.azure.gatewaySubnet.id },
            publicIPAddress: { id: n.azure.publicIp.id },
          },
        },
      ],
    },
  });
  return { provisioningState: result.provisioningState, attempt: 0 };
}

/** One poll of the ~40-minute build. Bounded: after maxAttempts polls it says what the gateway last reported. */
export async function checkVpnGateway(arm: ResourceManagementClient, input: PollInput) {
  const n = names(input);
  const attempt = (input.attempt ?? 0) + 1;
  const gateway = await getArmResource(arm, n.azure.vpnGateway.id, NET);
  const state = gateway ? provisioningStateOf(gateway) : 'NotFound';
  if (state === 'Succeeded') return { ready: true, provisioningState: state, attempt };
  if (state === 'Failed' || state === 'Canceled') {
    throw new GatewayBuildFailed(
      `The Azure VPN gateway ${n.azure.vpnGateway.name} build ended with provisioningState ${state}. ` +
        `Check the gateway's activity log in resource group ${n.azure.resourceGroup}; re-running the request re-sends the gateway PUT.`,
    );
  }
  if (attempt >= input.maxAttempts) {
    throw new WaitTimedOut(
      `The Azure VPN gateway ${n.azure.vpnGateway.name} was not ready after ${attempt} checks (the 90-minute bound); it last reported provisioningState ${state}.`,
    );
  }
  return { ready: false, provisioningState: state, attempt };
}

// ---------------------------------------------------------------------------------------------------------
// NSGs and the two subnets (written in order: one subnet operation at a time per VNet)
// ---------------------------------------------------------------------------------------------------------

function allowFromVpc(name: string, priority: number, protocol: 'Tcp' | 'Udp', port: string, vpcCidrs: string[]) {
  return {
    name,
    properties: {
      protocol,
      access: 'Allow',
      direction: 'Inbound',
      priority,
      sourceAddressPrefixes: vpcCidrs,
      sourcePortRange: '*',
      destinationAddressPrefix: '*',
      destinationPortRange: port,
      description: 'From the AWS VPC over the site-to-site VPN',
    },
  };
}

export function privateEndpointNsgRules(vpcCidrs: string[]) {
  return [allowFromVpc('allow-https-from-aws-vpc', 100, 'Tcp', '443', vpcCidrs)];
}

export function dnsInboundNsgRules(vpcCidrs: string[]) {
  return [allowFromVpc('allow-dns-udp-from-aws-vpc', 100, 'Udp', '53', vpcCidrs), allowFromVpc('allow-dns-tcp-from-aws-vpc', 110, 'Tcp', '53', vpcCidrs)];
}

export async function createNetworkSecurityGroups(arm: ResourceManagementClient, input: StepInput) {
  const n = names(input);
  const tags = armTags(input.request.environmentId);
  const location = input.facts.location;
  const pe = await ensureArmResource(arm, n.azure.privateEndpointNsg.id, NET, {
    location,
    tags,
    properties: { securityRules: privateEndpointNsgRules(input.facts.vpcCidrs) },
  });
  const dns = await ensureArmResource(arm, n.azure.dnsInboundNsg.id, NET, {
    location,
    tags,
    properties: { securityRules: dnsInboundNsgRules(input.facts.vpcCidrs) },
  });
  return { privateEndpointNsg: pe.provisioningState, dnsInboundNsg: dns.provisioningState };
}

function subnetDiffers(expected: { addressPrefix: string; nsgId: string }) {
  return (current: ArmResourceView) =>
    current.properties.addressPrefix !== expected.addressPrefix ||
    (current.properties.networkSecurityGroup?.id ?? '').toLowerCase() !== expected.nsgId.toLowerCase();
}

export async function createPrivateEndpointSubnet(arm: ResourceManagementClient, input: StepInput) {
  const n = names(input);
  await requireSucceeded(arm, n.azure.privateEndpointNsg.id, NET, 'The private endpoint NSG');
  const addressPrefix = input.request.azure.privateEndpointSubnetPrefix;
  const result = await ensureArmResource(
    arm,
    n.azure.privateEndpointSubnet.id,
    NET,
    {
      properties: {
        addressPrefix,
        networkSecurityGroup: { id: n.azure.privateEndpointNsg.id },
        // Without this the NSG is not applied to private endpoint traffic, and the 443 rule means nothing.
        privateEndpointNetworkPolicies: 'Enabled',
      },
    },
    { needsUpdate: (c) => subnetDiffers({ addressPrefix, nsgId: n.azure.privateEndpointNsg.id })(c) || c.properties.privateEndpointNetworkPolicies !== 'Enabled' },
  );
  return { provisioningState: result.provisioningState };
}

export async function createDnsResolverSubnet(arm: ResourceManagementClient, input: StepInput) {
  const n = names(input);
  await requireSucceeded(arm, n.azure.dnsInboundNsg.id, NET, 'The DNS inbound NSG');
  // The previous subnet write must have finished: Azure refuses concurrent subnet operations on a VNet.
  await requireSucceeded(arm, n.azure.privateEndpointSubnet.id, NET, 'The private endpoint subnet');
  const addressPrefix = input.request.azure.dnsResolverSubnetPrefix;
  const result = await ensureArmResource(
    arm,
    n.azure.dnsInboundSubnet.id,
    NET,
    {
      properties: {
        addressPrefix,
        networkSecurityGroup: { id: n.azure.dnsInboundNsg.id },
        delegations: [{ name: 'Microsoft.Network.dnsResolvers', properties: { serviceName: 'Microsoft.Network/dnsResolvers' } }],
      },
    },
    { needsUpdate: subnetDiffers({ addressPrefix, nsgId: n.azure.dnsInboundNsg.id }) },
  );
  return { provisioningState: result.provisioningState };
}

// ---------------------------------------------------------------------------------------------------------
// Private endpoint and its DNS zone
// ---------------------------------------------------------------------------------------------------------

export async function createPrivateDnsZone(arm: ResourceManagementClient, input: StepInput) {
  const n = names(input);
  const result = await ensureArmResource(arm, n.azure.privateDnsZone.id, API_VERSIONS.privateDns, {
    location: 'global',
    tags: armTags(input.request.environmentId),
    properties: {},
  });
  return { provisioningState: result.provisioningState };
}

export async function linkPrivateDnsZone(arm: ResourceManagementClient, input: StepInput) {
  const n = names(input);
  await requireSucceeded(arm, n.azure.privateDnsZone.id, API_VERSIONS.privateDns, 'The private DNS zone');
  const result = await ensureArmResource(arm, n.azure.virtualNetworkLink.id, API_VERSIONS.privateDns, {
    location: 'global',
    tags: armTags(input.request.environmentId),
    properties: { virtualNetwork: { id: n.azure.virtualNetwork.id }, registrationEnabled: false },
  });
  return { provisioningState: result.provisioningState };
}

export async function createPrivateEndpoint(arm: ResourceManagementClient, input: StepInput) {
  const n = names(input);
  await requireSucceeded(arm, n.azure.privateEndpointSubnet.id, NET, 'The private endpoint subnet');
  const result = await ensureArmResource(arm, n.azure.privateEndpoint.id, NET, {
    location: input.facts.location,
    tags: armTags(input.request.environmentId),
    properties: {
      subnet: { id: n.azure.privateEndpointSubnet.id },
      customNetworkInterfaceName: n.azure.privateEndpointNicName,
      privateLinkServiceConnections: [
        {
          name: n.azure.privateLinkServiceConnectionName,
          properties: { privateLinkServiceId: input.request.azure.openAiAccountId, groupIds: ['account'] },
        },
      ],
    },
  });
  return { provisioningState: result.provisioningState };
}

/** The zone group makes Azure write the endpoint's A record into the zone (and keep it current). */
export async function registerPrivateEndpointInZone(arm: ResourceManagementClient, input: StepInput) {
  const n = names(input);
  await requireSucceeded(arm, n.azure.privateEndpoint.id, NET, 'The private endpoint');
  await requireSucceeded(arm, n.azure.virtualNetworkLink.id, API_VERSIONS.privateDns, 'The private DNS zone link');
  const result = await ensureArmResource(arm, n.azure.privateDnsZoneGroup.id, NET, {
    properties: { privateDnsZoneConfigs: [{ name: 'openai', properties: { privateDnsZoneId: n.azure.privateDnsZone.id } }] },
  });
  return { provisioningState: result.provisioningState };
}

export async function readPrivateEndpointAddress(arm: ResourceManagementClient, input: StepInput) {
  const n = names(input);
  const endpoint = await requireSucceeded(arm, n.azure.privateEndpoint.id, NET, 'The private endpoint');
  await requireSucceeded(arm, n.azure.privateDnsZoneGroup.id, NET, 'The private endpoint zone group');
  const connection = endpoint.properties.privateLinkServiceConnections?.[0]?.properties;
  const status = connection?.privateLinkServiceConnectionState?.status;
  if (status !== 'Approved') {
    throw new ResourceNotReady(`The private endpoint connection to the OpenAI account is ${status ?? 'unknown'}, not Approved`);
  }
  const privateIp = endpoint.properties.customDnsConfigs?.[0]?.ipAddresses?.[0] as string | undefined;
  if (!privateIp) throw new ResourceNotReady(`The private endpoint ${n.azure.privateEndpoint.name} has no private IP yet`);
  return { privateIp, connectionStatus: status };
}

// ---------------------------------------------------------------------------------------------------------
// DNS Private Resolver
// ---------------------------------------------------------------------------------------------------------

export async function createDnsResolver(arm: ResourceManagementClient, input: StepInput) {
  const n = names(input);
  const result = await ensureArmResource(arm, n.azure.dnsResolver.id, API_VERSIONS.dnsResolver, {
    location: input.facts.location,
    tags: armTags(input.request.environmentId),
    properties: { virtualNetwork: { id: n.azure.virtualNetwork.id } },
  });
  return { provisioningState: result.provisioningState };
}

export async function createInboundEndpoint(arm: ResourceManagementClient, input: StepInput) {
  const n = names(input);
  await requireSucceeded(arm, n.azure.dnsResolver.id, API_VERSIONS.dnsResolver, 'The DNS private resolver');
  await requireSucceeded(arm, n.azure.dnsInboundSubnet.id, NET, 'The DNS resolver subnet');
  const result = await ensureArmResource(arm, n.azure.inboundEndpoint.id, API_VERSIONS.dnsResolver, {
    location: input.facts.location,
    tags: armTags(input.request.environmentId),
    properties: { ipConfigurations: [{ subnet: { id: n.azure.dnsInboundSubnet.id }, privateIpAllocationMethod: 'Dynamic' }] },
  });
  return { provisioningState: result.provisioningState };
}

export async function readInboundEndpointAddress(arm: ResourceManagementClient, input: StepInput) {
  const n = names(input);
  const endpoint = await requireSucceeded(arm, n.azure.inboundEndpoint.id, API_VERSIONS.dnsResolver, 'The DNS inbound endpoint');
  const inboundIp = endpoint.properties.ipConfigurations?.[0]?.privateIpAddress as string | undefined;
  if (!inboundIp) throw new ResourceNotReady(`The DNS inbound endpoint ${n.azure.inboundEndpoint.name} has no IP yet`);
  return { inboundIp };
}
