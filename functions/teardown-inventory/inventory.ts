/**
 * The teardown's first step. Reads only: the request against the schema (the same document provisioning
 * took), then every resource carrying one of the environment's names, found as provisioning finds it, sorted
 * into what is ours (to remove) and what is not (to leave, with why). Nothing here decides a deletion: each
 * removal step checks ownership again when it runs, so a resource that changed hands in between is still safe.
 */
import type { Route53ResolverClient } from '@aws-sdk/client-route53resolver';
import { ruleAssociationsWith } from '../commons/resolver-lookups';
import type { ResourceManagementClient } from '@azure/arm-resources';
import { API_VERSIONS, getArmResource } from '../commons/arm';
import type { CallbackAllowance } from '../commons/callback-url';
import { RequestRefused } from '../commons/errors';
import { NOT_DELETED_EC2_STATES, awsResourcesWithOurNames, azureResourcesWithOurNames, type NamedResourceClients } from '../commons/named-resources';
import { MANAGED_BY, TAG_ENVIRONMENT, TAG_MANAGED_BY, resourceNames } from '../commons/naming';
import { declaredSharedResourceIds, isOurs, type NamedResource } from '../commons/ownership';
import type { EnvironmentRequest, RequestProblem } from '../commons/request/contract';
import { shownProblems, validateRequestDocument } from '../commons/request/schema';
import type { InventoriedState, InventoryEntry, LeftEntry } from '../commons/teardown-data';

export interface InventoryClients extends NamedResourceClients {
  arm: ResourceManagementClient;
}

export interface InventoryContext {
  /** The AWS region this deployment runs in: the environment's AWS resources are looked for there. */
  deploymentRegion: string | undefined;
  /** The networks a callback may reach although not public, as provisioning allowed them (callback-url.ts). */
  callbackAllowance?: CallbackAllowance;
}

/** report.json's resource types (EC2 tagging names, Route 53 Resolver and the other services' nouns, ARM types), by the ownership module's plain words. */
const TYPE_OF_KIND: Record<string, string> = {
  'customer gateway': 'customer-gateway',
  'virtual private gateway': 'vpn-gateway',
  'VPN connection': 'vpn-connection',
  'security group': 'security-group',
  'Secrets Manager secret': 'secret',
  'Route 53 Resolver outbound endpoint': 'resolver-endpoint',
  'Route 53 Resolver rule': 'resolver-rule',
  'Route 53 Resolver rule association': 'resolver-rule-association',
  'Lambda function': 'function',
  'public IP address': 'Microsoft.Network/publicIPAddresses',
  'virtual network gateway': 'Microsoft.Network/virtualNetworkGateways',
  'local network gateway': 'Microsoft.Network/localNetworkGateways',
  connection: 'Microsoft.Network/connections',
  'network security group': 'Microsoft.Network/networkSecurityGroups',
  'private endpoint': 'Microsoft.Network/privateEndpoints',
  'private DNS zone': 'Microsoft.Network/privateDnsZones',
  'private DNS zone virtual network link': 'Microsoft.Network/privateDnsZones/virtualNetworkLinks',
  'DNS private resolver': 'Microsoft.Network/dnsResolvers',
  'DNS resolver inbound endpoint': 'Microsoft.Network/dnsResolvers/inboundEndpoints',
  subnet: 'Microsoft.Network/virtualNetworks/subnets',
  'network interface': 'Microsoft.Network/networkInterfaces',
  'private endpoint DNS zone group': 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups',
  'private DNS zone A record': 'Microsoft.Network/privateDnsZones/A',
};

function entryOf(resource: NamedResource): InventoryEntry {
  return { cloud: resource.cloud, type: TYPE_OF_KIND[resource.kind] ?? resource.kind, name: resource.name, id: resource.id };
}

/** Why a resource with one of our names is not ours, in plain words. */
function whyNotOurs(resource: NamedResource, environmentId: string, declaredShared: boolean): string {
  if (declaredShared) return 'the request names it as a shared hub resource, used as it is and never deleted';
  if (resource.ownershipNote && resource.tags === undefined) return resource.ownershipNote;
  if (resource.tags?.[TAG_MANAGED_BY] !== MANAGED_BY) return `it lacks the tag ${TAG_MANAGED_BY}=${MANAGED_BY}: this product did not create it`;
  return `it carries ${TAG_ENVIRONMENT}=${resource.tags?.[TAG_ENVIRONMENT] ?? '(none)'}, not ${environmentId}: another environment's`;
}

/** Our forwarding rule's association with the request's VPC: it carries no tags, it is ours when the rule is. */
async function ruleAssociations(resolver: Route53ResolverClient, request: EnvironmentRequest, ourRules: NamedResource[]): Promise<NamedResource[]> {
  const found: NamedResource[] = [];
  for (const rule of ourRules) {
    const associations = await ruleAssociationsWith(resolver, rule.id, request.aws.vpcId);
    for (const association of associations) {
      if (!association.Id) continue;
      found.push({ ...rule, kind: 'Route 53 Resolver rule association', name: resourceNames(request).aws.resolverRuleAssociation, id: association.Id });
    }
  }
  return found;
}

/** The GatewaySubnet carries no tags and no NSG: it is ours while our gateway or our public IP (made in the same step) is. */
async function gatewaySubnet(arm: ResourceManagementClient, request: EnvironmentRequest, vnet: Awaited<ReturnType<typeof getArmResource>>, azure: NamedResource[]): Promise<NamedResource[]> {
  const n = resourceNames(request).azure;
  const subnets: { name: string; id?: string }[] = vnet?.properties.subnets ?? [];
  const existing = subnets.find((s) => s.name.toLowerCase() === n.gatewaySubnet.name.toLowerCase());
  if (!existing) return [];
  const proof = azure.find(
    (r) => (r.id.toLowerCase() === n.vpnGateway.id.toLowerCase() || r.id.toLowerCase() === n.publicIp.id.toLowerCase()) && isOurs(r, request.environmentId),
  );
  return [
    {
      cloud: 'azure',
      kind: 'subnet',
      name: n.gatewaySubnet.name,
      id: n.gatewaySubnet.id,
      path: 'azure.gatewaySubnetPrefix',
      tags: proof?.tags,
      ownershipNote: "a subnet carries no tags, and neither this environment's gateway nor its public IP is there to show it is ours",
    },
  ];
}

/**
 * What goes with our private endpoint: its network interface, its zone group and the A record the group
 * registered in the zone. They carry no tags of their own; they are ours because the endpoint is.
 */
async function privateEndpointChildren(arm: ResourceManagementClient, request: EnvironmentRequest, azure: NamedResource[]): Promise<NamedResource[]> {
  const n = resourceNames(request).azure;
  const endpoint = azure.find((r) => r.id.toLowerCase() === n.privateEndpoint.id.toLowerCase() && isOurs(r, request.environmentId));
  if (!endpoint) return [];
  const child = (kind: string, name: string, id: string): NamedResource => ({ ...endpoint, kind, name, id });
  const found: NamedResource[] = [];
  const body = await getArmResource(arm, n.privateEndpoint.id, API_VERSIONS.network);
  for (const nic of (body?.properties.networkInterfaces ?? []) as { id?: string }[]) {
    if (nic.id) found.push(child('network interface', nic.id.split('/').pop() ?? nic.id, nic.id));
  }
  const group = await getArmResource(arm, n.privateDnsZoneGroup.id, API_VERSIONS.network);
  if (!group) return found;
  found.push(child('private endpoint DNS zone group', n.privateDnsZoneGroup.name, group.id ?? n.privateDnsZoneGroup.id));
  type ZoneConfig = { properties?: { privateDnsZoneId?: string; recordSets?: { recordSetName?: string; recordType?: string }[] } };
  for (const config of (group.properties.privateDnsZoneConfigs ?? []) as ZoneConfig[]) {
    const zoneId = config.properties?.privateDnsZoneId;
    for (const record of config.properties?.recordSets ?? []) {
      if (zoneId && record.recordSetName && (record.recordType ?? 'A') === 'A') found.push(child('private DNS zone A record', record.recordSetName, `${zoneId}/A/${record.recordSetName}`));
    }
  }
  return found;
}

function regionProblems(region: string, deploymentRegion: string | undefined): RequestProblem[] {
  if (region === deploymentRegion) return [];
  return [{ path: 'aws.region', message: `this deployment works on AWS resources in ${deploymentRegion ?? '(its region is not set)'} only; the request names ${region}` }];
}

export async function takeInventory(document: unknown, clients: InventoryClients, context: InventoryContext): Promise<InventoriedState> {
  const checked = validateRequestDocument(document, { callbackAllowance: context.callbackAllowance });
  if (!checked.ok) throw new RequestRefused('The teardown request was refused; nothing was removed.', checked.problems);
  const request = checked.request;
  const wrongRegion = shownProblems(regionProblems(request.aws.region, context.deploymentRegion));
  if (wrongRegion.length) throw new RequestRefused('The teardown request was refused; nothing was removed.', wrongRegion);

  const names = resourceNames(request);
  const aws = await awsResourcesWithOurNames(clients, request, NOT_DELETED_EC2_STATES);
  const ourRules = aws.filter((r) => r.kind === 'Route 53 Resolver rule' && isOurs(r, request.environmentId));
  aws.push(...(await ruleAssociations(clients.resolver, request, ourRules)));
  const vnet = await getArmResource(clients.arm, names.azure.virtualNetwork.id, API_VERSIONS.network);
  const azure = vnet ? await azureResourcesWithOurNames(clients.arm, request, vnet) : [];
  azure.push(...(await gatewaySubnet(clients.arm, request, vnet, azure)));
  azure.push(...(await privateEndpointChildren(clients.arm, request, azure)));

  const declared = declaredSharedResourceIds(request);
  const ours: InventoryEntry[] = [];
  const foreign: LeftEntry[] = [];
  for (const resource of [...aws, ...azure]) {
    const isDeclared = declared.has(resource.id.toLowerCase());
    if (!isDeclared && isOurs(resource, request.environmentId)) ours.push(entryOf(resource));
    else foreign.push({ ...entryOf(resource), reason: whyNotOurs(resource, request.environmentId, isDeclared) });
  }
  return {
    request,
    inventory: {
      environmentId: request.environmentId,
      ours,
      foreign,
      nothingToRemove: ours.length === 0,
      restorePublicNetworkAccess: request.options.publicNetworkAccessOnTeardown === 'restore',
    },
  };
}
