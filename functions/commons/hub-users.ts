/**
 * Who else is on the hub? A hub resource the product built (the gateway, the resolver, the endpoint, the
 * zone, the subnets and their NSGs) goes only with the last environment that uses it. Every environment on a
 * hub has its own connections on the hub's VPN gateway, so the gateway's connections say which environments
 * are there; read when each removal runs, not only by the inventory, since another environment may arrive
 * in between.
 */
import type { ResourceManagementClient } from '@azure/arm-resources';
import { API_VERSIONS, armRequest, getArmResource } from './arm';
import { unlessNotFound } from './cloud-errors';
import { hubResourceNames } from './hub';
import { MANAGED_BY, TAG_ENVIRONMENT, TAG_MANAGED_BY, resourceNames } from './naming';
import type { EnvironmentRequest } from './request/contract';

const NET = API_VERSIONS.network;
const GATEWAY_IP_CONFIGURATION = /^(.*\/virtualNetworkGateways\/[^/]+)\/ipConfigurations\/[^/]+$/i;

/**
 * The VNet's VPN gateway: the one whose IP configuration sits in the GatewaySubnet (whoever built it), else
 * the one the product names for the hub or, from before hubs, for this environment, while it is still there.
 */
export async function hubGatewayId(arm: ResourceManagementClient, request: EnvironmentRequest): Promise<string | undefined> {
  const hub = hubResourceNames(request);
  const subnet = await getArmResource(arm, hub.gatewaySubnet.id, NET);
  const configurations: { id?: string }[] = subnet?.properties.ipConfigurations ?? [];
  for (const configuration of configurations) {
    const match = GATEWAY_IP_CONFIGURATION.exec(configuration.id ?? '');
    if (match) return match[1];
  }
  for (const id of [hub.vpnGateway.id, resourceNames(request).azure.vpnGateway.id]) {
    if (await getArmResource(arm, id, NET)) return id;
  }
  return undefined;
}

/** The other environments the product connected to the hub's gateway, by the tags of their connections. */
export async function otherEnvironmentsOnTheHub(arm: ResourceManagementClient, request: EnvironmentRequest): Promise<string[]> {
  const gatewayId = await hubGatewayId(arm, request);
  if (!gatewayId) return [];
  // VirtualNetworkGateways_ListConnections: a gateway that is already gone has none.
  const page = await unlessNotFound(() => armRequest(arm, 'GET', `${gatewayId}/connections`, NET));
  const others = new Set<string>();
  for (const connection of (page?.value ?? []) as { tags?: Record<string, string> }[]) {
    const tags = connection.tags;
    const environment = tags?.[TAG_ENVIRONMENT];
    if (tags?.[TAG_MANAGED_BY] === MANAGED_BY && environment && environment !== request.environmentId) others.add(environment);
  }
  return [...others].sort();
}
