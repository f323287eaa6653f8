/**
 * The Azure hub's resources: the ones Azure allows once per VNet (a VPN gateway, a DNS private resolver, a link
 * per zone namespace) and the ones every environment on the VNet shares (the private endpoint to an account, the
 * endpoint and resolver subnets with their NSGs). When the product has to build one, it is named for the VNet,
 * not for the environment that happened to come first, and tagged as the product's without an environment, so
 * that no one environment's teardown takes it away from the others.
 */
import { createHash } from 'crypto';
import { GATEWAY_SUBNET_NAME, type EnvironmentRequest } from './request/contract';
import { parseOpenAiAccountId } from './request/schema';
import { MANAGED_BY, networkIdsOf, OPENAI_PRIVATE_DNS_ZONE, TAG_MANAGED_BY, type AzureResourceName } from './naming';
import type { HubFacts, HubResource } from './workflow-data';

/** The tag that marks a resource the product built for a hub, with the VNet's name as its value. */
export const TAG_HUB = 'hub';
/** Which environment's run built a hub resource: a record for people, never an owner. */
export const TAG_BUILT_FOR = 'built-for-environment';

/** Longest VNet name kept whole in hub names; longer ones are cut and given a hash of the VNet id. */
const LONGEST_WHOLE_VNET_NAME = 40;

function shortHash(value: string): string {
  return createHash('sha256').update(value.toLowerCase()).digest('hex').slice(0, 8);
}

/** The stem of every hub name: the VNet's name, or for a long one its start and a hash of its id. */
export function hubStem(virtualNetworkName: string, virtualNetworkId: string): string {
  if (virtualNetworkName.length <= LONGEST_WHOLE_VNET_NAME) return virtualNetworkName;
  return `${virtualNetworkName.slice(0, LONGEST_WHOLE_VNET_NAME - 9)}-${shortHash(virtualNetworkId)}`;
}

export interface HubResourceNames {
  virtualNetwork: AzureResourceName;
  gatewaySubnet: AzureResourceName;
  publicIp: AzureResourceName;
  /** Active-active (BGP routing): the second instance's public IP and IP configuration. */
  secondPublicIp: AzureResourceName;
  vpnGateway: AzureResourceName;
  vpnGatewayIpConfigurationId: string;
  vpnGatewaySecondIpConfigurationId: string;
  privateEndpointSubnet: AzureResourceName;
  privateEndpointNsg: AzureResourceName;
  /** One endpoint per OpenAI account per hub: two for one account in one zone would overwrite each other's record. */
  privateEndpoint: AzureResourceName;
  privateEndpointNicName: string;
  privateLinkServiceConnectionName: string;
  privateDnsZoneGroup: AzureResourceName;
  /** Ours, in the request's resource group, unless the request names the landing zone's (azure.privateDnsZoneId). */
  privateDnsZone: AzureResourceName;
  virtualNetworkLink: AzureResourceName;
  dnsResolverSubnet: AzureResourceName;
  dnsInboundNsg: AzureResourceName;
  dnsResolver: AzureResourceName;
  inboundEndpoint: AzureResourceName;
}

/** The names the product gives the hub's resources when it builds them, from the request alone. */
export function hubResourceNames(request: EnvironmentRequest): HubResourceNames {
  const { virtualNetworkName, openAiAccountId } = request.azure;
  const { network, child } = networkIdsOf(request);
  const virtualNetwork = network('virtualNetworks', virtualNetworkName);
  const stem = hubStem(virtualNetworkName, virtualNetwork.id);
  const vpnGateway = network('virtualNetworkGateways', `vpngw-${stem}`);
  const accountName = parseOpenAiAccountId(openAiAccountId)?.accountName ?? openAiAccountId.split('/').pop() ?? '';
  // Private endpoint names are limited to 64 characters; the account's name is kept when it fits.
  const endpointSuffix = `pe-${stem}-${accountName}`.length <= 64 ? accountName : shortHash(openAiAccountId);
  const privateEndpoint = network('privateEndpoints', `pe-${stem}-${endpointSuffix}`);
  const requestedZone = (request.azure as { privateDnsZoneId?: string }).privateDnsZoneId;
  const privateDnsZone: AzureResourceName = requestedZone
    ? { name: requestedZone.split('/').pop() ?? OPENAI_PRIVATE_DNS_ZONE, id: requestedZone }
    : network('privateDnsZones', OPENAI_PRIVATE_DNS_ZONE);
  const dnsResolver = network('dnsResolvers', `dnspr-${stem}`);
  return {
    virtualNetwork,
    gatewaySubnet: child(virtualNetwork, 'subnets', GATEWAY_SUBNET_NAME),
    publicIp: network('publicIPAddresses', `pip-${stem}-vpngw`),
    secondPublicIp: network('publicIPAddresses', `pip-${stem}-vpngw-2`),
    vpnGateway,
    vpnGatewayIpConfigurationId: `${vpnGateway.id}/ipConfigurations/default`,
    vpnGatewaySecondIpConfigurationId: `${vpnGateway.id}/ipConfigurations/active-active`,
    privateEndpointSubnet: child(virtualNetwork, 'subnets', `snet-${stem}-private-endpoint`),
    privateEndpointNsg: network('networkSecurityGroups', `nsg-${stem}-private-endpoint`),
    privateEndpoint,
    privateEndpointNicName: `${privateEndpoint.name}-nic`,
    privateLinkServiceConnectionName: `plsc-${stem}-${endpointSuffix}`,
    privateDnsZoneGroup: child(privateEndpoint, 'privateDnsZoneGroups', 'default'),
    privateDnsZone,
    virtualNetworkLink: child(privateDnsZone, 'virtualNetworkLinks', `link-${stem}`),
    dnsResolverSubnet: child(virtualNetwork, 'subnets', `snet-${stem}-dns-inbound`),
    dnsInboundNsg: network('networkSecurityGroups', `nsg-${stem}-dns-inbound`),
    dnsResolver,
    inboundEndpoint: child(dnsResolver, 'inboundEndpoints', `in-${stem}`),
  };
}

/** ARM tags of a resource the product builds for a hub: ours, for no one environment. */
export function hubTags(request: EnvironmentRequest, extra: Record<string, string> = {}): Record<string, string> {
  return { [TAG_MANAGED_BY]: MANAGED_BY, [TAG_HUB]: request.azure.virtualNetworkName, [TAG_BUILT_FOR]: request.environmentId, ...extra };
}

/** The product built this for a hub (any environment's run): it may use it, and the last environment removes it. */
export function isOurHubResource(tags: Record<string, string> | undefined): boolean {
  return tags?.[TAG_MANAGED_BY] === MANAGED_BY && typeof tags[TAG_HUB] === 'string';
}

/** The hub of an empty VNet: everything is to be created, with the names above. */
export function greenfieldHub(request: EnvironmentRequest): HubFacts {
  const n = hubResourceNames(request);
  const create = (resource: AzureResourceName): HubResource => ({ id: resource.id, action: 'create', ready: false });
  const requestedZone = (request.azure as { privateDnsZoneId?: string }).privateDnsZoneId;
  return {
    gatewaySubnet: create(n.gatewaySubnet),
    vpnGateway: { ...create(n.vpnGateway), ipConfigurationId: n.vpnGatewayIpConfigurationId },
    publicIp: create(n.publicIp),
    privateEndpointSubnet: create(n.privateEndpointSubnet),
    privateEndpointNsg: create(n.privateEndpointNsg),
    privateEndpoint: create(n.privateEndpoint),
    privateDnsZoneGroup: create(n.privateDnsZoneGroup),
    // A zone the request names exists (the validator checks it) and is someone else's.
    privateDnsZone: requestedZone ? { id: requestedZone, action: 'adopt', ready: true } : create(n.privateDnsZone),
    virtualNetworkLink: create(n.virtualNetworkLink),
    dnsResolverSubnet: create(n.dnsResolverSubnet),
    dnsInboundNsg: create(n.dnsInboundNsg),
    dnsResolver: create(n.dnsResolver),
    inboundEndpoint: create(n.inboundEndpoint),
  };
}
