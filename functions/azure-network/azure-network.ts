/**
 * The Azure network side: GatewaySubnet and public IP, the VPN gateway, NSGs, the private endpoint subnet and
 * endpoint with its private DNS zone, and the DNS Private Resolver with its inbound endpoint.
 *
 * Each function starts one piece (a PUT, from a terminal state only) or reads one back; none waits. A
 * dependency that is not ready yet raises ResourceNotReady, and the state's Retry waits on the clock.
 * Subnet writes on one VNet are serialised by the state machine (one branch writes them in order).
 */
import type { ResourceManagementClient } from '@azure/arm-resources';
import {
  API_VERSIONS,
  ensureArmResource,
  getArmResource,
  provisioningStateOf,
  repairFailedResource,
  REPAIR_TAG,
  requireSucceeded,
  type ArmResourceView,
  type DesiredResource,
} from '../commons/arm';
import { GatewayBuildFailed, ResourceNotReady, WaitTimedOut } from '../commons/errors';
import { armTags, resourceNames, type ResourceNames } from '../commons/naming';
import { publicAccessRecordTags } from '../commons/public-access-record';
import type {
  GatewayAddress,
  GatewayBuild,
  GatewaySubnetAndPublicIpOutcome,
  InboundEndpointAddress,
  NetworkSecurityGroupsOutcome,
  PollInput,
  PrivateEndpointAddress,
  ProvisioningOutcome,
  StepInput,
} from '../commons/workflow-data';

export type { PollInput, StepInput };

const NET = API_VERSIONS.network;

function names(input: StepInput): ResourceNames {
  return resourceNames(input.request);
}

// ---------------------------------------------------------------------------------------------------------
// The gateway's address and the gateway
// ---------------------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------------------
// The bodies each create step sends; the checks re-send the same one to repair a resource left Failed.
// ---------------------------------------------------------------------------------------------------------

/** GatewaySubnet: no NSG (Azure policy forbids one there). */
function gatewaySubnet(input: StepInput): DesiredResource {
  return { body: { properties: { addressPrefix: input.request.azure.gatewaySubnetPrefix } } };
}

/** A Standard, Static, zone-redundant public IP. Raw JSON: the generic resource model drops the top-level `zones`. */
function gatewayPublicIp(input: StepInput): DesiredResource {
  return {
    body: {
      location: input.facts.location,
      tags: armTags(input.request.environmentId),
      sku: { name: 'Standard', tier: 'Regional' },
      zones: ['1', '2', '3'],
      properties: { publicIPAllocationMethod: 'Static', publicIPAddressVersion: 'IPv4' },
    },
    options: { raw: true },
  };
}

/**
 * The public IP's body with the record of the OpenAI account's network settings before any lock (see
 * ../commons/public-access-record.ts): written by the PUT that creates it, kept by any repair.
 */
async function gatewayPublicIpWithRecord(arm: ResourceManagementClient, input: StepInput): Promise<DesiredResource> {
  const desired = gatewayPublicIp(input);
  const current = await getArmResource(arm, names(input).azure.publicIp.id, NET);
  const record = await publicAccessRecordTags(arm, input.request, current);
  return { ...desired, body: { ...desired.body, tags: { ...desired.body.tags, ...record } } };
}

/** Creates the desired resource (or re-PUTs it from Failed, or when it differs); never waits. */
function ensure(arm: ResourceManagementClient, id: string, apiVersion: string, desired: DesiredResource) {
  return ensureArmResource(arm, id, apiVersion, desired.body, desired.options);
}

export async function createGatewaySubnetAndPublicIp(arm: ResourceManagementClient, input: StepInput): Promise<GatewaySubnetAndPublicIpOutcome> {
  const n = names(input);
  const subnet = await ensure(arm, n.azure.gatewaySubnet.id, NET, gatewaySubnet(input));
  const publicIp = await ensure(arm, n.azure.publicIp.id, NET, await gatewayPublicIpWithRecord(arm, input));
  return { gatewaySubnet: subnet.provisioningState, publicIp: publicIp.provisioningState };
}

/** The public IP's address, known as soon as the IP is provisioned: the AWS side needs nothing else. */
export async function readGatewayPublicIp(arm: ResourceManagementClient, input: StepInput): Promise<GatewayAddress> {
  const n = names(input);
  await requireSucceeded(arm, n.azure.gatewaySubnet.id, NET, 'GatewaySubnet', gatewaySubnet(input));
  const pip = await requireSucceeded(arm, n.azure.publicIp.id, NET, 'The gateway public IP', await gatewayPublicIpWithRecord(arm, input));
  const address = pip.properties.ipAddress as string | undefined;
  if (!address) throw new ResourceNotReady(`The gateway public IP ${n.azure.publicIp.id} has no address yet`);
  return { publicIp: address, publicIpId: n.azure.publicIp.id };
}

/** VpnGw1AZ–3AZ are Generation1 SKUs; 4AZ and 5AZ exist only as Generation2. */
function gatewayGeneration(sku: string): string {
  return /VpnGw[45]AZ/.test(sku) ? 'Generation2' : 'Generation1';
}

function vpnGateway(input: StepInput): DesiredResource {
  const n = names(input);
  const sku = input.request.azure.gatewaySku;
  return {
    body: {
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
    },
  };
}

/** A gateway build takes about 40 minutes: the 90-minute bound leaves room for one rebuild after a failure. */
const MAX_GATEWAY_REBUILDS = 1;

export async function createVpnGateway(arm: ResourceManagementClient, input: StepInput): Promise<GatewayBuild> {
  const result = await ensure(arm, names(input).azure.vpnGateway.id, NET, vpnGateway(input));
  return { provisioningState: result.provisioningState, attempt: 0 };
}

/** One poll of the ~40-minute build. Bounded: after maxAttempts polls it says what the gateway last reported. */
export async function checkVpnGateway(arm: ResourceManagementClient, input: PollInput): Promise<GatewayBuild> {
  const n = names(input);
  // A redrive resumes at this check, past "Create the Azure VPN gateway": its first look does what a re-run
  // does there (a Failed gateway's PUT is sent again, with a fresh rebuild budget) and restarts the bound.
  const redriveCount = input.redriveCount ?? 0;
  const firstLookAfterRedrive = redriveCount > (input.previous?.redriveCount ?? 0);
  if (firstLookAfterRedrive) await createVpnGateway(arm, input);
  const attempt = firstLookAfterRedrive ? 1 : (input.attempt ?? 0) + 1;
  const polled = await pollVpnGateway(arm, n, input, attempt);
  return { ...polled, redriveCount };
}

async function pollVpnGateway(arm: ResourceManagementClient, n: ResourceNames, input: PollInput, attempt: number) {
  const gateway = await getArmResource(arm, n.azure.vpnGateway.id, NET);
  const state = gateway ? provisioningStateOf(gateway) : 'NotFound';
  if (state === 'Succeeded') return { ready: true, provisioningState: state, attempt };
  if ((state === 'Failed' || state === 'Canceled') && gateway) {
    // A build can fail after Azure accepted it: rebuild once; a build that fails again ends the run.
    const rebuilds = Number(gateway.tags?.[REPAIR_TAG] ?? 0) || 0;
    if (rebuilds < MAX_GATEWAY_REBUILDS) {
      await repairFailedResource(arm, gateway, NET, 'The Azure VPN gateway', vpnGateway(input), MAX_GATEWAY_REBUILDS);
      return { ready: false, provisioningState: 'Updating', attempt, rebuiltAfter: state };
    }
  }
  if (state === 'Failed' || state === 'Canceled') {
    const rebuilds = Number(gateway?.tags?.[REPAIR_TAG] ?? 0) || 0;
    throw new GatewayBuildFailed(
      `The Azure VPN gateway ${n.azure.vpnGateway.name} build ended with provisioningState ${state}` +
        `${rebuilds ? ` again after ${rebuilds} rebuild${rebuilds === 1 ? '' : 's'} in this run` : ''}. ` +
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

function nsg(input: StepInput, securityRules: ReturnType<typeof allowFromVpc>[]): DesiredResource {
  return { body: { location: input.facts.location, tags: armTags(input.request.environmentId), properties: { securityRules } } };
}

export async function createNetworkSecurityGroups(arm: ResourceManagementClient, input: StepInput): Promise<NetworkSecurityGroupsOutcome> {
  const n = names(input);
  const pe = await ensure(arm, n.azure.privateEndpointNsg.id, NET, nsg(input, privateEndpointNsgRules(input.facts.vpcCidrs)));
  const dns = await ensure(arm, n.azure.dnsInboundNsg.id, NET, nsg(input, dnsInboundNsgRules(input.facts.vpcCidrs)));
  return { privateEndpointNsg: pe.provisioningState, dnsInboundNsg: dns.provisioningState };
}

function subnetDiffers(expected: { addressPrefix: string; nsgId: string }) {
  return (current: ArmResourceView) =>
    current.properties.addressPrefix !== expected.addressPrefix ||
    (current.properties.networkSecurityGroup?.id ?? '').toLowerCase() !== expected.nsgId.toLowerCase();
}

function privateEndpointSubnet(input: StepInput): DesiredResource {
  const n = names(input);
  const addressPrefix = input.request.azure.privateEndpointSubnetPrefix;
  return {
    body: {
      properties: {
        addressPrefix,
        networkSecurityGroup: { id: n.azure.privateEndpointNsg.id },
        // Without this the NSG is not applied to private endpoint traffic, and the 443 rule means nothing.
        privateEndpointNetworkPolicies: 'Enabled',
      },
    },
    options: { needsUpdate: (c) => subnetDiffers({ addressPrefix, nsgId: n.azure.privateEndpointNsg.id })(c) || c.properties.privateEndpointNetworkPolicies !== 'Enabled' },
  };
}

function dnsResolverSubnet(input: StepInput): DesiredResource {
  const n = names(input);
  const addressPrefix = input.request.azure.dnsResolverSubnetPrefix;
  return {
    body: {
      properties: {
        addressPrefix,
        networkSecurityGroup: { id: n.azure.dnsInboundNsg.id },
        delegations: [{ name: 'Microsoft.Network.dnsResolvers', properties: { serviceName: 'Microsoft.Network/dnsResolvers' } }],
      },
    },
    options: { needsUpdate: subnetDiffers({ addressPrefix, nsgId: n.azure.dnsInboundNsg.id }) },
  };
}

export async function createPrivateEndpointSubnet(arm: ResourceManagementClient, input: StepInput): Promise<ProvisioningOutcome> {
  const n = names(input);
  await requireSucceeded(arm, n.azure.privateEndpointNsg.id, NET, 'The private endpoint NSG', nsg(input, privateEndpointNsgRules(input.facts.vpcCidrs)));
  const result = await ensure(arm, n.azure.privateEndpointSubnet.id, NET, privateEndpointSubnet(input));
  return { provisioningState: result.provisioningState };
}

export async function createDnsResolverSubnet(arm: ResourceManagementClient, input: StepInput): Promise<ProvisioningOutcome> {
  const n = names(input);
  await requireSucceeded(arm, n.azure.dnsInboundNsg.id, NET, 'The DNS inbound NSG', nsg(input, dnsInboundNsgRules(input.facts.vpcCidrs)));
  // The previous subnet write must have finished: Azure refuses concurrent subnet operations on a VNet.
  await requireSucceeded(arm, n.azure.privateEndpointSubnet.id, NET, 'The private endpoint subnet', privateEndpointSubnet(input));
  const result = await ensure(arm, n.azure.dnsInboundSubnet.id, NET, dnsResolverSubnet(input));
  return { provisioningState: result.provisioningState };
}

// ---------------------------------------------------------------------------------------------------------
// Private endpoint and its DNS zone
// ---------------------------------------------------------------------------------------------------------

function privateDnsZone(input: StepInput): DesiredResource {
  return { body: { location: 'global', tags: armTags(input.request.environmentId), properties: {} } };
}

function virtualNetworkLink(input: StepInput): DesiredResource {
  const n = names(input);
  return {
    body: {
      location: 'global',
      tags: armTags(input.request.environmentId),
      properties: { virtualNetwork: { id: n.azure.virtualNetwork.id }, registrationEnabled: false },
    },
  };
}

function privateEndpoint(input: StepInput): DesiredResource {
  const n = names(input);
  return {
    body: {
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
    },
  };
}

function privateDnsZoneGroup(input: StepInput): DesiredResource {
  const n = names(input);
  return { body: { properties: { privateDnsZoneConfigs: [{ name: 'openai', properties: { privateDnsZoneId: n.azure.privateDnsZone.id } }] } } };
}

export async function createPrivateDnsZone(arm: ResourceManagementClient, input: StepInput): Promise<ProvisioningOutcome> {
  const result = await ensure(arm, names(input).azure.privateDnsZone.id, API_VERSIONS.privateDns, privateDnsZone(input));
  return { provisioningState: result.provisioningState };
}

export async function linkPrivateDnsZone(arm: ResourceManagementClient, input: StepInput): Promise<ProvisioningOutcome> {
  const n = names(input);
  await requireSucceeded(arm, n.azure.privateDnsZone.id, API_VERSIONS.privateDns, 'The private DNS zone', privateDnsZone(input));
  const result = await ensure(arm, n.azure.virtualNetworkLink.id, API_VERSIONS.privateDns, virtualNetworkLink(input));
  return { provisioningState: result.provisioningState };
}

export async function createPrivateEndpoint(arm: ResourceManagementClient, input: StepInput): Promise<ProvisioningOutcome> {
  const n = names(input);
  await requireSucceeded(arm, n.azure.privateEndpointSubnet.id, NET, 'The private endpoint subnet', privateEndpointSubnet(input));
  const result = await ensure(arm, n.azure.privateEndpoint.id, NET, privateEndpoint(input));
  return { provisioningState: result.provisioningState };
}

/** The zone group makes Azure write the endpoint's A record into the zone (and keep it current). */
export async function registerPrivateEndpointInZone(arm: ResourceManagementClient, input: StepInput): Promise<ProvisioningOutcome> {
  const n = names(input);
  await requireSucceeded(arm, n.azure.privateEndpoint.id, NET, 'The private endpoint', privateEndpoint(input));
  await requireSucceeded(arm, n.azure.virtualNetworkLink.id, API_VERSIONS.privateDns, 'The private DNS zone link', virtualNetworkLink(input));
  const result = await ensure(arm, n.azure.privateDnsZoneGroup.id, NET, privateDnsZoneGroup(input));
  return { provisioningState: result.provisioningState };
}

/** The first private address among a NIC's ip configurations. */
function nicAddress(nic: ArmResourceView | undefined): string | undefined {
  const configs: { properties?: { privateIPAddress?: string } }[] = nic?.properties?.ipConfigurations ?? [];
  return configs.map((c) => c.properties?.privateIPAddress).find((ip): ip is string => !!ip);
}

/** The A record the zone group wrote for the endpoint (the group's view of its record sets). */
function zoneGroupAddress(group: ArmResourceView): string | undefined {
  const configs: { properties?: { recordSets?: { recordType?: string; ipAddresses?: string[] }[] } }[] = group.properties?.privateDnsZoneConfigs ?? [];
  for (const config of configs) {
    const record = (config.properties?.recordSets ?? []).find((r) => r.recordType === 'A' && r.ipAddresses?.length);
    if (record) return record.ipAddresses![0];
  }
  return undefined;
}

/**
 * The endpoint's address. With a zone group Azure leaves `customDnsConfigs` empty, so the address comes from
 * the endpoint's NIC (the id the endpoint names) or, failing that, from the record the zone group wrote.
 */
export async function readPrivateEndpointAddress(arm: ResourceManagementClient, input: StepInput): Promise<PrivateEndpointAddress> {
  const n = names(input);
  const endpoint = await requireSucceeded(arm, n.azure.privateEndpoint.id, NET, 'The private endpoint', privateEndpoint(input));
  const group = await requireSucceeded(arm, n.azure.privateDnsZoneGroup.id, NET, 'The private endpoint zone group', privateDnsZoneGroup(input));
  const connection = endpoint.properties.privateLinkServiceConnections?.[0]?.properties;
  const status = connection?.privateLinkServiceConnectionState?.status;
  if (status !== 'Approved') {
    throw new ResourceNotReady(`The private endpoint connection to the OpenAI account is ${status ?? 'unknown'}, not Approved`);
  }
  const nicId = endpoint.properties.networkInterfaces?.[0]?.id as string | undefined;
  const nic = nicId ? await getArmResource(arm, nicId, NET) : undefined;
  const privateIp = nicAddress(nic) ?? zoneGroupAddress(group);
  if (!privateIp) throw new ResourceNotReady(`The private endpoint ${n.azure.privateEndpoint.name} has no private IP yet (neither its NIC nor its zone group shows one)`);
  return { privateIp, connectionStatus: status };
}

// ---------------------------------------------------------------------------------------------------------
// DNS Private Resolver
// ---------------------------------------------------------------------------------------------------------

function dnsResolver(input: StepInput): DesiredResource {
  const n = names(input);
  return {
    body: { location: input.facts.location, tags: armTags(input.request.environmentId), properties: { virtualNetwork: { id: n.azure.virtualNetwork.id } } },
  };
}

function inboundEndpoint(input: StepInput): DesiredResource {
  const n = names(input);
  return {
    body: {
      location: input.facts.location,
      tags: armTags(input.request.environmentId),
      properties: { ipConfigurations: [{ subnet: { id: n.azure.dnsInboundSubnet.id }, privateIpAllocationMethod: 'Dynamic' }] },
    },
  };
}

export async function createDnsResolver(arm: ResourceManagementClient, input: StepInput): Promise<ProvisioningOutcome> {
  const result = await ensure(arm, names(input).azure.dnsResolver.id, API_VERSIONS.dnsResolver, dnsResolver(input));
  return { provisioningState: result.provisioningState };
}

export async function createInboundEndpoint(arm: ResourceManagementClient, input: StepInput): Promise<ProvisioningOutcome> {
  const n = names(input);
  await requireSucceeded(arm, n.azure.dnsResolver.id, API_VERSIONS.dnsResolver, 'The DNS private resolver', dnsResolver(input));
  await requireSucceeded(arm, n.azure.dnsInboundSubnet.id, NET, 'The DNS resolver subnet', dnsResolverSubnet(input));
  const result = await ensure(arm, n.azure.inboundEndpoint.id, API_VERSIONS.dnsResolver, inboundEndpoint(input));
  return { provisioningState: result.provisioningState };
}

export async function readInboundEndpointAddress(arm: ResourceManagementClient, input: StepInput): Promise<InboundEndpointAddress> {
  const n = names(input);
  const endpoint = await requireSucceeded(arm, n.azure.inboundEndpoint.id, API_VERSIONS.dnsResolver, 'The DNS inbound endpoint', inboundEndpoint(input));
  const inboundIp = endpoint.properties.ipConfigurations?.[0]?.privateIpAddress as string | undefined;
  if (!inboundIp) throw new ResourceNotReady(`The DNS inbound endpoint ${n.azure.inboundEndpoint.name} has no IP yet`);
  return { inboundIp };
}
