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
import { hubResourceNames, isOurHubResource } from '../commons/hub';
import { otherEnvironmentsOnTheHub } from '../commons/hub-users';
import { MANAGED_BY, TAG_ENVIRONMENT, TAG_MANAGED_BY, resourceNames, resourceNamesOfAnyRouting } from '../commons/naming';
import { environmentRuleNames, nsgIdsOnSubnets } from '../commons/security-rules';
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
  'network security group rule': 'Microsoft.Network/networkSecurityGroups/securityRules',
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

/** Why a resource with one of our hub names is not the hub's that the product built. */
function whyNotTheHubs(resource: NamedResource): string {
  if (resource.ownershipNote && !resource.tags) return resource.ownershipNote;
  if (resource.tags?.[TAG_MANAGED_BY] !== MANAGED_BY) return `it lacks the tag ${TAG_MANAGED_BY}=${MANAGED_BY}: this product did not create it`;
  return 'it carries our name for the hub but not the hub tag: not built by this product for the hub';
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
  const n = resourceNamesOfAnyRouting(request).azure;
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
  const n = resourceNamesOfAnyRouting(request).azure;
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
  found.push(...zoneGroupRecords(group).map((record) => child('private DNS zone A record', record.name, record.id)));
  return found;
}

/** The A records a zone group registered, as the group reports them. */
function zoneGroupRecords(group: NonNullable<Awaited<ReturnType<typeof getArmResource>>>): { name: string; id: string }[] {
  type ZoneConfig = { properties?: { privateDnsZoneId?: string; recordSets?: { recordSetName?: string; recordType?: string }[] } };
  const records: { name: string; id: string }[] = [];
  for (const config of (group.properties.privateDnsZoneConfigs ?? []) as ZoneConfig[]) {
    const zoneId = config.properties?.privateDnsZoneId;
    for (const record of config.properties?.recordSets ?? []) {
      if (zoneId && record.recordSetName && (record.recordType ?? 'A') === 'A') records.push({ name: record.recordSetName, id: `${zoneId}/A/${record.recordSetName}` });
    }
  }
  return records;
}

/**
 * What the product built for the hub (named for the VNet, tagged for the hub), with what goes with it: the
 * subnets carrying our hub NSGs, the GatewaySubnet while our hub gateway or its IP is there, the endpoint's
 * NIC, zone group and record. They are the last environment's to remove.
 */
async function hubResources(arm: ResourceManagementClient, request: EnvironmentRequest, vnet: Awaited<ReturnType<typeof getArmResource>>): Promise<NamedResource[]> {
  const hub = hubResourceNames(request);
  const NET = API_VERSIONS.network;
  const candidates = [
    { kind: 'public IP address', resource: hub.publicIp, apiVersion: NET },
    // An active-active gateway's (BGP routing): there whichever environment's run built the gateway.
    { kind: 'public IP address', resource: hub.secondPublicIp, apiVersion: NET },
    { kind: 'virtual network gateway', resource: hub.vpnGateway, apiVersion: NET },
    { kind: 'network security group', resource: hub.privateEndpointNsg, apiVersion: NET },
    { kind: 'network security group', resource: hub.dnsInboundNsg, apiVersion: NET },
    { kind: 'private endpoint', resource: hub.privateEndpoint, apiVersion: NET },
    { kind: 'private endpoint DNS zone group', resource: hub.privateDnsZoneGroup, apiVersion: NET },
    { kind: 'private DNS zone virtual network link', resource: hub.virtualNetworkLink, apiVersion: API_VERSIONS.privateDns },
    { kind: 'DNS private resolver', resource: hub.dnsResolver, apiVersion: API_VERSIONS.dnsResolver },
    { kind: 'DNS resolver inbound endpoint', resource: hub.inboundEndpoint, apiVersion: API_VERSIONS.dnsResolver },
  ];
  const found: NamedResource[] = [];
  const byId = new Map<string, Awaited<ReturnType<typeof getArmResource>>>();
  for (const candidate of candidates) {
    const existing = await getArmResource(arm, candidate.resource.id, candidate.apiVersion);
    if (!existing) continue;
    byId.set(candidate.resource.id.toLowerCase(), existing);
    // The zone group carries no tags: it is the hub's when its endpoint is.
    const tags = candidate.resource === hub.privateDnsZoneGroup ? byId.get(hub.privateEndpoint.id.toLowerCase())?.tags : existing.tags ?? {};
    found.push({ cloud: 'azure', kind: candidate.kind, name: candidate.resource.name, id: existing.id ?? candidate.resource.id, path: 'azure.virtualNetworkName', tags, sharedAcrossEnvironments: true });
  }
  const endpoint = byId.get(hub.privateEndpoint.id.toLowerCase());
  if (endpoint && isOurHubResource(endpoint.tags)) {
    const withTheEndpoint = (kind: string, name: string, id: string): NamedResource => ({ cloud: 'azure', kind, name, id, path: 'azure.virtualNetworkName', tags: endpoint.tags, sharedAcrossEnvironments: true });
    for (const nic of (endpoint.properties.networkInterfaces ?? []) as { id?: string }[]) {
      if (nic.id) found.push(withTheEndpoint('network interface', nic.id.split('/').pop() ?? nic.id, nic.id));
    }
    const group = byId.get(hub.privateDnsZoneGroup.id.toLowerCase());
    if (group) found.push(...zoneGroupRecords(group).map((record) => withTheEndpoint('private DNS zone A record', record.name, record.id)));
  }
  const subnets: { name: string; id?: string; properties?: { networkSecurityGroup?: { id?: string } } }[] = vnet?.properties.subnets ?? [];
  for (const [subnetName, nsg] of [
    [hub.privateEndpointSubnet, hub.privateEndpointNsg],
    [hub.dnsResolverSubnet, hub.dnsInboundNsg],
  ] as const) {
    const subnet = subnets.find((s) => s.name.toLowerCase() === subnetName.name.toLowerCase());
    if (!subnet) continue;
    const carriesOurNsg = (subnet.properties?.networkSecurityGroup?.id ?? '').toLowerCase() === nsg.id.toLowerCase();
    const nsgTags = carriesOurNsg ? byId.get(nsg.id.toLowerCase())?.tags : undefined;
    found.push({
      cloud: 'azure',
      kind: 'subnet',
      name: subnetName.name,
      id: subnet.id ?? subnetName.id,
      path: 'azure.virtualNetworkName',
      tags: isOurHubResource(nsgTags) ? nsgTags : undefined,
      sharedAcrossEnvironments: true,
      ownershipNote: `a subnet carries no tags, and the hub's network security group ${nsg.name} is not on it`,
    });
  }
  return found;
}

/** This environment's rules in the NSGs on the VNet's subnets: named for the environment, they carry no tags. */
async function environmentSecurityRules(arm: ResourceManagementClient, request: EnvironmentRequest, vnet: Awaited<ReturnType<typeof getArmResource>>): Promise<NamedResource[]> {
  const nsgIds = nsgIdsOnSubnets(vnet);
  const found: NamedResource[] = [];
  for (const nsgId of nsgIds) {
    for (const rule of environmentRuleNames(request.environmentId)) {
      const existing = await getArmResource(arm, `${nsgId}/securityRules/${rule}`, API_VERSIONS.network);
      if (!existing) continue;
      // The rule's name is the product's claim on it (rules have no tags): ours for this environment.
      found.push({ cloud: 'azure', kind: 'network security group rule', name: rule, id: existing.id ?? `${nsgId}/securityRules/${rule}`, path: 'environmentId', tags: { [TAG_MANAGED_BY]: MANAGED_BY, [TAG_ENVIRONMENT]: request.environmentId } });
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

  const names = resourceNamesOfAnyRouting(request);
  const aws = await awsResourcesWithOurNames(clients, request, NOT_DELETED_EC2_STATES);
  const ourRules = aws.filter((r) => r.kind === 'Route 53 Resolver rule' && isOurs(r, request.environmentId));
  aws.push(...(await ruleAssociations(clients.resolver, request, ourRules)));
  const vnet = await getArmResource(clients.arm, names.azure.virtualNetwork.id, API_VERSIONS.network);
  const azure = vnet ? await azureResourcesWithOurNames(clients.arm, request, vnet) : [];
  azure.push(...(await privateEndpointChildren(clients.arm, request, azure)));
  const hub = vnet ? await hubResources(clients.arm, request, vnet) : [];
  azure.push(...(vnet ? await environmentSecurityRules(clients.arm, request, vnet) : []));
  // The GatewaySubnet carries no tags: it is the hub's while our hub gateway or its public IP (made in the same
  // step) is there, and from before hubs the environment's while its own gateway or IP is.
  const hubGatewayProof = hub.find((r) => (r.kind === 'virtual network gateway' || r.kind === 'public IP address') && isOurHubResource(r.tags));
  const hasGatewaySubnet = (vnet?.properties.subnets ?? []).some((s: { name: string }) => s.name.toLowerCase() === 'gatewaysubnet');
  if (hubGatewayProof && hasGatewaySubnet) {
    hub.push({ cloud: 'azure', kind: 'subnet', name: 'GatewaySubnet', id: hubResourceNames(request).gatewaySubnet.id, path: 'azure.gatewaySubnetPrefix', tags: hubGatewayProof.tags, sharedAcrossEnvironments: true });
  } else {
    azure.push(...(await gatewaySubnet(clients.arm, request, vnet, azure)));
  }
  // The hub's resources go with the last environment on it; while others are there they are kept.
  const others = vnet ? await otherEnvironmentsOnTheHub(clients.arm, request) : [];
  const keptBecause = (environments: string[]) =>
    `the hub's: ${environments.length === 1 ? 'environment' : 'environments'} ${environments.join(', ')} still ${environments.length === 1 ? 'uses' : 'use'} it`;

  const declared = declaredSharedResourceIds(request);
  const ours: InventoryEntry[] = [];
  const foreign: LeftEntry[] = [];
  const kept: LeftEntry[] = [];
  const seen = new Set<string>();
  for (const resource of [...aws, ...azure]) {
    seen.add(resource.id.toLowerCase());
    const isDeclared = declared.has(resource.id.toLowerCase());
    if (!isDeclared && resource.sharedAcrossEnvironments && isOurHubResource(resource.tags) && others.length) kept.push({ ...entryOf(resource), reason: keptBecause(others) });
    else if (!isDeclared && isOurs(resource, request.environmentId)) ours.push(entryOf(resource));
    else foreign.push({ ...entryOf(resource), reason: whyNotOurs(resource, request.environmentId, isDeclared) });
  }
  for (const resource of hub) {
    if (seen.has(resource.id.toLowerCase())) continue;
    if (declared.has(resource.id.toLowerCase())) foreign.push({ ...entryOf(resource), reason: whyNotOurs(resource, request.environmentId, true) });
    else if (!isOurHubResource(resource.tags)) foreign.push({ ...entryOf(resource), reason: whyNotTheHubs(resource) });
    else if (others.length) kept.push({ ...entryOf(resource), reason: keptBecause(others) });
    else ours.push(entryOf(resource));
  }
  return {
    request,
    inventory: {
      environmentId: request.environmentId,
      ours,
      foreign,
      kept,
      nothingToRemove: ours.length === 0,
      restorePublicNetworkAccess: request.options.publicNetworkAccessOnTeardown === 'restore',
    },
  };
}
