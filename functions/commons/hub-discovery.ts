/**
 * What the Azure hub VNet already holds, and what one environment does with each piece: create it, use the one
 * the product built earlier, or adopt another team's as it is. Reads only: discovery never writes, so a refused
 * request has created nothing, and the teardown can call it to learn which hub resources there are.
 *
 * Each hub resource is found the way Azure links it to the VNet, not by a name the product would give it: the
 * gateway by the GatewaySubnet's IP configurations, the resolver by the VNet's resolver list, the zone by its
 * link to the VNet (or by the request's azure.privateDnsZoneId), the private endpoint by the account's approved
 * connections. The product's own names (hub.ts hubResourceNames) are read too: a build in flight, or a
 * look-alike of someone else's that the product must not take for its own.
 *
 * `hubProblems` turns the findings into refusals (the validator's concern); `discoverHub` returns both.
 */
import { DescribeVpnGatewaysCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { ResourceManagementClient } from '@azure/arm-resources';
import { createPipelineRequest } from '@azure/core-rest-pipeline';
import { API_VERSIONS, armRequest, getArmResource, provisioningStateOf, type ArmResourceView } from './arm';
import { cidrContains, cidrOverlaps } from './cidr';
import { armEndpoint } from './clients/azure';
import { bgpTable, planBgp, slash30Containing, type GatewayBgpUse } from './bgp';
import { greenfieldHub, hubResourceNames, isOurHubResource, type HubResourceNames } from './hub';
import { MANAGED_BY, OPENAI_PRIVATE_DNS_ZONE, TAG_ENVIRONMENT, TAG_MANAGED_BY, resourceNames, type AzureResourceName } from './naming';
import { carriesOurTags, tagObject } from './ownership';
import { GATEWAY_SUBNET_NAME, usesBgp, type EnvironmentRequest, type RequestProblem, type SubnetPrefixField } from './request/contract';
import type { BgpFacts, HubAction, HubFacts, HubResource } from './workflow-data';

const NET = API_VERSIONS.network;
const DNS = API_VERSIONS.privateDns;
const RESOLVER = API_VERSIONS.dnsResolver;

/** What the caller has read already (the validator reads the VNet and the account for its own checks). */
export interface HubObservation {
  /** The request's VNet as ARM answers it; undefined when it does not exist (then nothing can be discovered). */
  vnet: ArmResourceView | undefined;
  /** The OpenAI account as ARM answers it (undefined: not found, or not read yet: then discovery reads it). */
  account?: ArmResourceView;
  /** The VPC's CIDR blocks: compared with the other environments' on the same gateway. */
  vpcCidrs?: string[];
}

/** What discovery found that the decisions and the refusals rest on, for the teardown and the tests. */
export interface HubFindings {
  /** Address spaces of the local network gateways of other environments' connections on the hub gateway. */
  otherEnvironmentsOnGateway: { connectionId: string; localNetworkGatewayId: string; addressPrefixes: string[] }[];
  /** This environment's subnet prefix fields whose subnet the product is to build (the others exist). */
  subnetsToBuild: SubnetPrefixField[];
}

export interface HubDiscovery {
  hub: HubFacts;
  /** With BGP routing: the tunnel mapping on this gateway (undefined when refused, or with static routing). */
  bgp?: BgpFacts;
  /** One line per hub resource: "create …", "use …" or "adopt …". */
  plan: string[];
  problems: RequestProblem[];
  findings: HubFindings;
}

// ---------------------------------------------------------------------------------------------------------
// Ownership
// ---------------------------------------------------------------------------------------------------------

/**
 * Ours (built for a hub, or by an environment's run from before hubs: managed-by with any environment tag) is
 * used; anything else is another team's and adopted, read only.
 */
export function hubActionOf(tags: Record<string, string> | undefined): Exclude<HubAction, 'create'> {
  if (isOurHubResource(tags)) return 'use';
  if (tags?.[TAG_MANAGED_BY] === MANAGED_BY && typeof tags[TAG_ENVIRONMENT] === 'string' && tags[TAG_ENVIRONMENT] !== '') return 'use';
  return 'adopt';
}

const sameId = (a: string | undefined, b: string | undefined): boolean => a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
const lastSegment = (id: string): string => id.split('/').pop() ?? id;
const isSucceeded = (resource: ArmResourceView | undefined): boolean => resource !== undefined && provisioningStateOf(resource) === 'Succeeded';

function existing(resource: ArmResourceView, id: string, action: Exclude<HubAction, 'create'>): HubResource {
  return { id: resource.id ?? id, action, ready: isSucceeded(resource) };
}
const toCreate = (id: string): HubResource => ({ id, action: 'create', ready: false });

/** The part of an id before `/{childType}/…` (the gateway of an IP configuration, the resolver of an endpoint). */
function parentOf(id: string, childType: string): string | undefined {
  const at = id.toLowerCase().lastIndexOf(`/${childType.toLowerCase()}/`);
  return at < 0 ? undefined : id.slice(0, at);
}

// ---------------------------------------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------------------------------------

/** Every item of an ARM list, following nextLink only on the ARM endpoint itself (the token goes nowhere else). */
async function listAll(arm: ResourceManagementClient, method: 'GET' | 'POST', path: string, apiVersion: string): Promise<ArmResourceView[]> {
  const items: ArmResourceView[] = [];
  let page = await armRequest(arm, method, path, apiVersion, method === 'POST' ? {} : undefined);
  for (;;) {
    items.push(...((page.value ?? []) as ArmResourceView[]));
    const next: unknown = page.nextLink;
    if (typeof next !== 'string' || !next) return items;
    if (new URL(next).origin !== new URL(armEndpoint()).origin) throw new Error(`ARM returned a nextLink outside ${new URL(armEndpoint()).origin}`);
    const response = await arm.sendRequest(createPipelineRequest({ url: next, method }));
    if (response.status >= 400) throw Object.assign(new Error(`HTTP ${response.status} following a list's nextLink`), { statusCode: response.status, code: 'ArmError' });
    page = JSON.parse(response.bodyAsText || '{}');
  }
}

interface SubnetView {
  id: string;
  name: string;
  prefixes: string[];
  resource: ArmResourceView;
}

function subnetView(resource: ArmResourceView): SubnetView {
  const props = resource.properties ?? {};
  const prefixes: string[] = props.addressPrefix ? [props.addressPrefix] : (props.addressPrefixes ?? []);
  return { id: resource.id, name: resource.name ?? lastSegment(resource.id), prefixes, resource };
}

async function readSubnet(arm: ResourceManagementClient, id: string): Promise<SubnetView | undefined> {
  const resource = await getArmResource(arm, id, NET);
  return resource ? subnetView({ ...resource, id: resource.id ?? id }) : undefined;
}

/** A subnet of the VNet as the VNet read listed it (ARM lists each subnet whole), or as read on its own. */
async function subnetById(ctx: Context, id: string): Promise<SubnetView | undefined> {
  return ctx.subnets.find((s) => sameId(s.id, id)) ?? (await readSubnet(ctx.arm, id));
}

// ---------------------------------------------------------------------------------------------------------
// Discovery
// ---------------------------------------------------------------------------------------------------------

interface Context {
  arm: ResourceManagementClient;
  request: EnvironmentRequest;
  names: HubResourceNames;
  vnetId: string;
  subnets: SubnetView[];
  /** Every refusal found so far, each with its field path and the fix in plain words. */
  problems: RequestProblem[];
  subnetsToBuild: SubnetPrefixField[];
}

function refuse(ctx: Context, path: string, message: string): void {
  ctx.problems.push({ path, message });
}

/** A resource with one of the product's hub names that is someone else's: taking it would change another team's resource. */
function lookAlike(ctx: Context, path: string, kind: string, resource: ArmResourceView, why: string): void {
  refuse(
    ctx,
    path,
    `Azure ${kind} ${resource.name ?? lastSegment(resource.id)} (${resource.id}) already exists with the name this product gives the hub's ${kind}, ` +
      `but this product did not create it (${why}); the workflow would take it for its own. Remove or rename that resource, or choose another ${path}`,
  );
}

/**
 * The product's hub-named resource: ours from an earlier run (use), someone else's (refused as a look-alike,
 * and reported as create so the plan stays whole), or absent (create).
 */
async function ourNamed(ctx: Context, kind: string, name: AzureResourceName, apiVersion: string, path: string): Promise<HubResource> {
  const found = await getArmResource(ctx.arm, name.id, apiVersion);
  if (!found) return toCreate(name.id);
  if (hubActionOf(found.tags) === 'use') return existing(found, name.id, 'use');
  lookAlike(ctx, path, kind, { ...found, id: found.id ?? name.id }, `it lacks the tag ${TAG_MANAGED_BY}=${MANAGED_BY}`);
  return toCreate(name.id);
}

/** A subnet carries no tags: it is ours when its NSG is (the product builds each of its subnets with its NSG). */
async function subnetWithNsg(ctx: Context, subnet: SubnetView): Promise<{ subnet: HubResource; nsg?: HubResource }> {
  const nsgId: string | undefined = subnet.resource.properties?.networkSecurityGroup?.id;
  const nsgResource = nsgId ? await getArmResource(ctx.arm, nsgId, NET) : undefined;
  const nsg = nsgId ? (nsgResource ? existing(nsgResource, nsgId, hubActionOf(nsgResource.tags)) : undefined) : undefined;
  return { subnet: existing(subnet.resource, subnet.id, nsg?.action === 'use' ? 'use' : 'adopt'), nsg };
}

function samePrefix(subnet: SubnetView, prefix: string): boolean {
  return subnet.prefixes.length === 1 && subnet.prefixes[0] === prefix;
}

/** A prefix given for something that exists must be what exists: anything else is a request that means another subnet. */
function prefixMustMatch(ctx: Context, field: SubnetPrefixField, subnet: SubnetView, what: string): void {
  const given = ctx.request.azure[field];
  if (given === undefined || samePrefix(subnet, given)) return;
  refuse(
    ctx,
    `azure.${field}`,
    `${what} is already in subnet ${subnet.name} (${subnet.prefixes.join(', ') || 'no prefix'}), not in ${given}; ` +
      `leave azure.${field} out to use what is there, or give ${subnet.prefixes[0] ?? 'its prefix'}`,
  );
}

/**
 * The subnet a prefix names for something to build: an existing subnet with exactly that prefix (used or
 * adopted), our hub-named one, or a new one (which must fit the VNet and overlap nothing: the cross-check's
 * rules, applied by the validator to `subnetsToBuild`).
 */
async function subnetForPrefix(
  ctx: Context,
  field: SubnetPrefixField,
  ourSubnet: AzureResourceName,
  ourNsg: AzureResourceName,
  what: string,
): Promise<{ subnet: HubResource; nsg?: HubResource; view?: SubnetView }> {
  const prefix = ctx.request.azure[field];
  if (prefix === undefined) {
    refuse(ctx, `azure.${field}`, `the VNet has no ${what}, so the product must build one and needs a subnet for it: give azure.${field} (a free range of ${ctx.request.azure.virtualNetworkName})`);
    return { subnet: toCreate(ourSubnet.id), nsg: toCreate(ourNsg.id) };
  }
  const named = ctx.subnets.find((s) => sameId(s.name, ourSubnet.name));
  const matching = named && samePrefix(named, prefix) ? named : ctx.subnets.find((s) => samePrefix(s, prefix));
  if (matching) {
    const found = await subnetWithNsg(ctx, matching);
    return { ...found, view: matching };
  }
  // Our name with another prefix: building ours would change that subnet (the cross-check reports it).
  ctx.subnetsToBuild.push(field);
  return { subnet: toCreate(ourSubnet.id), nsg: await ourNamed(ctx, 'network security group', ourNsg, NET, 'azure.virtualNetworkName') };
}

// --- the gateway -------------------------------------------------------------------------------------------

async function discoverGateway(ctx: Context, hub: HubFacts): Promise<ArmResourceView | undefined> {
  const { names, request } = ctx;
  const listed = ctx.subnets.find((s) => s.name.toLowerCase() === GATEWAY_SUBNET_NAME.toLowerCase());
  // ARM leaves out an empty list: the subnet is read on its own only when the VNet read shows none.
  const gatewaySubnet = listed && !Array.isArray(listed.resource.properties?.ipConfigurations) ? ((await readSubnet(ctx.arm, listed.id)) ?? listed) : listed;
  const configurationIds: string[] = (gatewaySubnet?.resource.properties?.ipConfigurations ?? []).map((c: { id?: string }) => c.id ?? '');
  const gatewayIds = [...new Set(configurationIds.map((id) => parentOf(id, 'ipConfigurations')).filter((id): id is string => id !== undefined && /\/virtualNetworkGateways\//i.test(id)))];
  let gateway: ArmResourceView | undefined;
  for (const id of gatewayIds) {
    gateway = await getArmResource(ctx.arm, id, NET);
    if (gateway) break;
  }
  // Our hub-named gateway while its build is in flight (its IP configuration may not show on the subnet yet).
  const ours = gateway ? undefined : await getArmResource(ctx.arm, names.vpnGateway.id, NET);
  if (!gateway && ours) {
    if (hubActionOf(ours.tags) === 'use') gateway = ours;
    else lookAlike(ctx, 'azure.virtualNetworkName', 'virtual network gateway', { ...ours, id: ours.id ?? names.vpnGateway.id }, `it lacks the tag ${TAG_MANAGED_BY}=${MANAGED_BY}`);
  }

  if (gateway) {
    const id = gateway.id ?? names.vpnGateway.id;
    const action = hubActionOf(gateway.tags);
    checkGatewayKind(ctx, gateway);
    const firstConfiguration = (gateway.properties?.ipConfigurations ?? [])[0] as { id?: string; properties?: { publicIPAddress?: { id?: string } } } | undefined;
    const publicIpId = firstConfiguration?.properties?.publicIPAddress?.id;
    const publicIp = publicIpId ? await getArmResource(ctx.arm, publicIpId, NET) : undefined;
    hub.vpnGateway = { ...existing(gateway, id, action), ipConfigurationId: firstConfiguration?.id ?? `${id}/ipConfigurations/default` };
    hub.publicIp = publicIp && publicIpId ? existing(publicIp, publicIpId, hubActionOf(publicIp.tags)) : { id: publicIpId ?? names.publicIp.id, action, ready: false };
    if (gatewaySubnet) {
      hub.gatewaySubnet = existing(gatewaySubnet.resource, gatewaySubnet.id, action);
      prefixMustMatch(ctx, 'gatewaySubnetPrefix', gatewaySubnet, `the VPN gateway ${lastSegment(id)}`);
    } else {
      hub.gatewaySubnet = { id: names.gatewaySubnet.id, action, ready: false };
    }
    return gateway;
  }

  // No gateway: the product builds it, with its public IP, in the GatewaySubnet (which it builds when absent).
  hub.vpnGateway = { ...toCreate(names.vpnGateway.id), ipConfigurationId: names.vpnGatewayIpConfigurationId };
  hub.publicIp = await ourNamed(ctx, 'public IP address', names.publicIp, NET, 'azure.virtualNetworkName');
  if (gatewaySubnet) {
    // The public IP is built in the same step as the subnet: ours there shows the subnet is ours too.
    hub.gatewaySubnet = existing(gatewaySubnet.resource, gatewaySubnet.id, hub.publicIp.action === 'use' ? 'use' : 'adopt');
    prefixMustMatch(ctx, 'gatewaySubnetPrefix', gatewaySubnet, 'the GatewaySubnet');
  } else if (request.azure.gatewaySubnetPrefix === undefined) {
    hub.gatewaySubnet = toCreate(names.gatewaySubnet.id);
    refuse(
      ctx,
      'azure.gatewaySubnetPrefix',
      `the VNet has no VPN gateway and no GatewaySubnet, so the product must build both: give azure.gatewaySubnetPrefix (a free /27 or larger range of ${request.azure.virtualNetworkName})`,
    );
  } else {
    hub.gatewaySubnet = toCreate(names.gatewaySubnet.id);
    ctx.subnetsToBuild.push('gatewaySubnetPrefix');
  }
  return undefined;
}

/** Static routing over IPsec to AWS needs a route-based VPN gateway of a current SKU. */
function checkGatewayKind(ctx: Context, gateway: ArmResourceView): void {
  const name = gateway.name ?? lastSegment(gateway.id);
  const props = gateway.properties ?? {};
  const path = 'azure.virtualNetworkName';
  const gatewayType = String(props.gatewayType ?? '');
  if (gatewayType.toLowerCase() !== 'vpn') {
    refuse(ctx, path, `the VNet's gateway ${name} is of type ${gatewayType || '(none)'}, not Vpn: AWS site-to-site VPN needs a VPN gateway. Add a VPN gateway (Azure allows one of each type per VNet) or use another VNet`);
    return;
  }
  const vpnType = String(props.vpnType ?? '');
  if (vpnType.toLowerCase() !== 'routebased') {
    refuse(ctx, path, `the VNet's VPN gateway ${name} is ${vpnType || 'of no VPN type'}, not RouteBased: AWS VPN connections need a route-based gateway. Its owner must replace it with a route-based one (the type cannot be changed)`);
  }
  const sku = String(props.sku?.name ?? props.sku?.tier ?? '');
  if (sku.toLowerCase() === 'basic') {
    refuse(ctx, path, `the VNet's VPN gateway ${name} has the Basic SKU, which does not support the IKEv2 settings AWS uses; its owner must resize it to a VpnGw SKU (VpnGw1AZ or larger)`);
  }
}

/** Other environments' VPC CIDRs on this gateway: the local network gateways of its connections, other than ours. */
async function otherEnvironmentsOn(ctx: Context, gatewayId: string): Promise<HubFindings['otherEnvironmentsOnGateway']> {
  const own = new Set(resourceNames(ctx.request).azure.tunnels.map((t) => t.localNetworkGateway.id.toLowerCase()));
  const connections = await listAll(ctx.arm, 'GET', `${gatewayId}/connections`, NET);
  const others: HubFindings['otherEnvironmentsOnGateway'] = [];
  for (const connection of connections) {
    const lngId: string | undefined = connection.properties?.localNetworkGateway2?.id;
    if (!lngId || own.has(lngId.toLowerCase())) continue;
    const lng = await getArmResource(ctx.arm, lngId, NET);
    others.push({ connectionId: connection.id, localNetworkGatewayId: lngId, addressPrefixes: lng?.properties?.localNetworkAddressSpace?.addressPrefixes ?? [] });
  }
  return others;
}

// --- the gateway's BGP (options.routing bgp) ----------------------------------------------------------------

interface GatewayView {
  properties?: {
    activeActive?: boolean;
    enableBgp?: boolean;
    ipConfigurations?: { id?: string; name?: string; properties?: { publicIPAddress?: { id?: string } } }[];
    bgpSettings?: { asn?: number; bgpPeeringAddresses?: { ipconfigurationId?: string; customBgpIpAddresses?: string[] }[] };
  };
}

/** What the gateway's other connections use (their custom addresses and their peers'), and this environment's own /30s. */
async function bgpAddressesOnGateway(ctx: Context, gatewayId: string): Promise<{ used: string[]; own?: string[] }> {
  const ownLngs = resourceNames(ctx.request).azure.tunnels.map((t) => t.localNetworkGateway.id.toLowerCase());
  const used: string[] = [];
  const ownPeers = new Map<string, string>();
  for (const connection of await listAll(ctx.arm, 'GET', `${gatewayId}/connections`, NET)) {
    const lngId: string | undefined = connection.properties?.localNetworkGateway2?.id;
    const lng = lngId ? await getArmResource(ctx.arm, lngId, NET) : undefined;
    const peer: string | undefined = lng?.properties?.bgpSettings?.bgpPeeringAddress;
    if (lngId && ownLngs.includes(lngId.toLowerCase())) {
      if (peer) ownPeers.set(lngId.toLowerCase(), peer);
      continue;
    }
    for (const custom of connection.properties?.gatewayCustomBgpIpAddresses ?? []) if (custom?.customBgpIpAddress) used.push(custom.customBgpIpAddress);
    if (peer) used.push(peer);
  }
  // A re-run keeps the /30s its tunnels were built with, whatever was freed since.
  const own = ownLngs.map((id) => {
    const peer = ownPeers.get(id);
    return peer === undefined ? undefined : slash30Containing(peer);
  });
  return { used, own: own.every((cidr): cidr is string => cidr !== undefined) ? own : undefined };
}

/**
 * The tunnel mapping for this environment, and the gateway's second instance. A gateway already there must be
 * active-active with BGP on (converting one would cut every other environment's tunnels); another team's is
 * never changed, so the environment must fit in the custom addresses it already has.
 */
async function discoverBgp(ctx: Context, hub: HubFacts, gateway: (ArmResourceView & GatewayView) | undefined): Promise<BgpFacts | undefined> {
  const { names, request } = ctx;
  const path = 'options.routing';
  const requested = request.options.bgp ?? {};
  if (!gateway) {
    const plan = planBgp(requested, { usedAddresses: [] });
    if (!plan.ok) {
      ctx.problems.push(...plan.problems);
      return undefined;
    }
    const secondPublicIp = await ourNamed(ctx, 'public IP address', names.secondPublicIp, NET, 'azure.virtualNetworkName');
    return { ...plan.mapping, ipConfigurationIds: [names.vpnGatewayIpConfigurationId, names.vpnGatewaySecondIpConfigurationId], secondPublicIp };
  }
  const name = gateway.name ?? lastSegment(gateway.id);
  const props = gateway.properties ?? {};
  const configurations = props.ipConfigurations ?? [];
  if (props.activeActive !== true || props.enableBgp !== true || configurations.length < 2) {
    refuse(
      ctx,
      path,
      `the hub's VPN gateway ${name} is ${props.activeActive === true ? 'active-active' : 'active-standby'} with BGP ${props.enableBgp === true ? 'on' : 'off'}: ` +
        'BGP over four tunnels needs an active-active gateway with BGP on, and converting it would interrupt every connection already on it. Use options.routing "static" on this hub, or have its owner convert the gateway',
    );
    return undefined;
  }
  const ipConfigurationIds: [string, string] = [configurations[0].id ?? names.vpnGatewayIpConfigurationId, configurations[1].id ?? names.vpnGatewaySecondIpConfigurationId];
  const configuredOn = (configurationId: string) =>
    (props.bgpSettings?.bgpPeeringAddresses ?? []).find((p) => sameId(p.ipconfigurationId, configurationId))?.customBgpIpAddresses ?? [];
  const addresses = await bgpAddressesOnGateway(ctx, gateway.id);
  const use: GatewayBgpUse = {
    asn: props.bgpSettings?.asn,
    usedAddresses: addresses.used,
    configured: hub.vpnGateway.action === 'adopt' ? [configuredOn(ipConfigurationIds[0]), configuredOn(ipConfigurationIds[1])] : undefined,
  };
  const plan = planBgp(requested.tunnelInsideCidrs || !addresses.own ? requested : { ...requested, tunnelInsideCidrs: addresses.own }, use);
  if (!plan.ok) {
    ctx.problems.push(...plan.problems);
    return undefined;
  }
  // Our own gateway gets this environment's addresses added (another team's already has them: planBgp saw to it).
  const missing = plan.mapping.tunnels.some((t) => !configuredOn(ipConfigurationIds[t.azureInstance]).includes(t.azureAddress));
  const secondPublicIpId = configurations[1].properties?.publicIPAddress?.id ?? names.secondPublicIp.id;
  const secondPublicIp = await getArmResource(ctx.arm, secondPublicIpId, NET);
  return {
    ...plan.mapping,
    ipConfigurationIds,
    ...(missing ? { gatewayNeedsAddresses: true as const } : {}),
    secondPublicIp: secondPublicIp ? existing(secondPublicIp, secondPublicIpId, hubActionOf(secondPublicIp.tags)) : { id: secondPublicIpId, action: hub.vpnGateway.action, ready: false },
  };
}

// --- the resolver ------------------------------------------------------------------------------------------

async function discoverResolver(ctx: Context, hub: HubFacts): Promise<void> {
  const { names, vnetId } = ctx;
  const listed = await listAll(ctx.arm, 'POST', `${vnetId}/listDnsResolvers`, RESOLVER);
  // Read only when the product may have to build its own: a resolver of that name elsewhere would stop it.
  const ourNamedResolver = listed.length === 0 ? await getArmResource(ctx.arm, names.dnsResolver.id, RESOLVER) : undefined;
  if (ourNamedResolver && !sameId(ourNamedResolver.properties?.virtualNetwork?.id, vnetId)) {
    refuse(
      ctx,
      'azure.virtualNetworkName',
      `the DNS private resolver ${names.dnsResolver.name} (${ourNamedResolver.id ?? names.dnsResolver.id}) has the name this product gives this VNet's resolver, ` +
        `but it serves another VNet (${ourNamedResolver.properties?.virtualNetwork?.id ?? 'none'}); the product cannot build its own under that name. Remove or rename that resolver`,
    );
  }
  const resolverId = listed[0]?.id ?? (ourNamedResolver && sameId(ourNamedResolver.properties?.virtualNetwork?.id, vnetId) ? (ourNamedResolver.id ?? names.dnsResolver.id) : undefined);
  const resolver = resolverId ? await getArmResource(ctx.arm, resolverId, RESOLVER) : undefined;
  if (!resolver || !resolverId) {
    hub.dnsResolver = toCreate(names.dnsResolver.id);
    hub.inboundEndpoint = toCreate(names.inboundEndpoint.id);
    const { subnet, nsg, view } = await subnetForPrefix(ctx, 'dnsResolverSubnetPrefix', names.dnsResolverSubnet, names.dnsInboundNsg, 'DNS private resolver');
    if (view) requireResolverDelegation(ctx, view);
    hub.dnsResolverSubnet = subnet;
    hub.dnsInboundNsg = nsg;
    return;
  }
  const action = hubActionOf(resolver.tags);
  hub.dnsResolver = existing(resolver, resolverId, action);
  const endpoints = await listAll(ctx.arm, 'GET', `${resolverId}/inboundEndpoints`, RESOLVER);
  const endpoint = endpoints[0];
  if (!endpoint) {
    if (action === 'adopt') {
      refuse(
        ctx,
        'azure.virtualNetworkName',
        `the VNet's DNS private resolver ${resolver.name ?? lastSegment(resolverId)} is another team's and has no inbound endpoint, which AWS must forward openai.azure.com to; ` +
          `its owner must add one (the product adds nothing to a resolver it did not build)`,
      );
      hub.inboundEndpoint = toCreate(`${resolverId}/inboundEndpoints/${names.inboundEndpoint.name}`);
      return;
    }
    // Ours without its endpoint (an earlier run stopped between the two): build the endpoint on it.
    hub.inboundEndpoint = toCreate(`${resolverId}/inboundEndpoints/${names.inboundEndpoint.name}`);
    const { subnet, nsg } = await subnetForPrefix(ctx, 'dnsResolverSubnetPrefix', names.dnsResolverSubnet, names.dnsInboundNsg, 'DNS resolver inbound endpoint');
    hub.dnsResolverSubnet = subnet;
    hub.dnsInboundNsg = nsg;
    return;
  }
  hub.inboundEndpoint = existing(endpoint, endpoint.id, hubActionOf(endpoint.tags ?? resolver.tags));
  const subnetId: string | undefined = endpoint.properties?.ipConfigurations?.[0]?.subnet?.id;
  const subnet = subnetId ? await subnetById(ctx, subnetId) : undefined;
  if (!subnet || !subnetId) {
    hub.dnsResolverSubnet = { id: subnetId ?? names.dnsResolverSubnet.id, action: 'adopt', ready: false };
    return;
  }
  const found = await subnetWithNsg(ctx, subnet);
  hub.dnsResolverSubnet = found.subnet;
  hub.dnsInboundNsg = found.nsg;
  prefixMustMatch(ctx, 'dnsResolverSubnetPrefix', subnet, `the VNet's DNS resolver inbound endpoint ${endpoint.name ?? lastSegment(endpoint.id)}`);
}

/** An inbound endpoint goes only into a subnet delegated to Microsoft.Network/dnsResolvers, which the product cannot add to a subnet it did not build. */
function requireResolverDelegation(ctx: Context, subnet: SubnetView): void {
  const delegations: { properties?: { serviceName?: string } }[] = subnet.resource.properties?.delegations ?? [];
  if (delegations.some((d) => d.properties?.serviceName?.toLowerCase() === 'microsoft.network/dnsresolvers')) return;
  refuse(
    ctx,
    'azure.dnsResolverSubnetPrefix',
    `the existing subnet ${subnet.name} (${subnet.prefixes.join(', ')}) is not delegated to Microsoft.Network/dnsResolvers, which a resolver inbound endpoint needs; ` +
      `delegate it (it must hold nothing else), or give a free range for the product to build a delegated subnet`,
  );
}

// --- the zone and its link ---------------------------------------------------------------------------------

async function linkToVnet(ctx: Context, zoneId: string): Promise<ArmResourceView | undefined> {
  const links = await listAll(ctx.arm, 'GET', `${zoneId}/virtualNetworkLinks`, DNS);
  return links.find((link) => sameId(link.properties?.virtualNetwork?.id, ctx.vnetId));
}

async function discoverZone(ctx: Context, hub: HubFacts): Promise<void> {
  const { names, request } = ctx;
  const requestedId = request.azure.privateDnsZoneId;
  // Zones of the namespace in the VNet's subscription already linked to it: Azure allows one per VNet.
  const zonesHere = (await listAll(ctx.arm, 'GET', `/subscriptions/${request.azure.subscriptionId}/providers/Microsoft.Network/privateDnsZones`, DNS)).filter(
    (zone) => (zone.name ?? lastSegment(zone.id)).toLowerCase() === OPENAI_PRIVATE_DNS_ZONE,
  );
  const linkedHere: { zone: ArmResourceView; link: ArmResourceView }[] = [];
  for (const zone of zonesHere) {
    const link = await linkToVnet(ctx, zone.id);
    if (link) linkedHere.push({ zone, link });
  }

  let zone: ArmResourceView | undefined;
  let link: ArmResourceView | undefined;
  if (requestedId) {
    zone = await getArmResource(ctx.arm, requestedId, DNS);
    if (!zone) {
      refuse(ctx, 'azure.privateDnsZoneId', `the private DNS zone ${requestedId} was not found; name an existing ${OPENAI_PRIVATE_DNS_ZONE} zone, or leave azure.privateDnsZoneId out to have the product build one`);
      hub.privateDnsZone = { id: requestedId, action: 'adopt', ready: false };
      hub.virtualNetworkLink = toCreate(`${requestedId}/virtualNetworkLinks/${names.virtualNetworkLink.name}`);
      return;
    }
    if ((zone.name ?? lastSegment(zone.id ?? requestedId)).toLowerCase() !== OPENAI_PRIVATE_DNS_ZONE) {
      refuse(ctx, 'azure.privateDnsZoneId', `the zone ${requestedId} is named ${zone.name}, not ${OPENAI_PRIVATE_DNS_ZONE}; name the ${OPENAI_PRIVATE_DNS_ZONE} zone`);
    }
    const other = linkedHere.find((l) => !sameId(l.zone.id, zone!.id ?? requestedId));
    if (other) {
      refuse(
        ctx,
        'azure.privateDnsZoneId',
        `${request.azure.virtualNetworkName} is already linked to another ${OPENAI_PRIVATE_DNS_ZONE} zone (${other.zone.id}, link ${other.link.name}), and Azure links a VNet to one zone of a namespace only; ` +
          `name that zone in azure.privateDnsZoneId, or have its owner remove that link first`,
      );
    }
    link = await linkToVnet(ctx, zone.id ?? requestedId);
    hub.privateDnsZone = existing(zone, requestedId, hubActionOf(zone.tags));
  } else if (linkedHere.length > 0) {
    ({ zone, link } = linkedHere[0]);
    hub.privateDnsZone = existing(zone, zone.id, hubActionOf(zone.tags));
  } else {
    const ourZone = await getArmResource(ctx.arm, names.privateDnsZone.id, DNS);
    if (ourZone && hubActionOf(ourZone.tags) === 'adopt') {
      lookAlike(ctx, 'azure.resourceGroup', 'private DNS zone', { ...ourZone, id: ourZone.id ?? names.privateDnsZone.id }, `it lacks the tag ${TAG_MANAGED_BY}=${MANAGED_BY}`);
    }
    zone = ourZone;
    hub.privateDnsZone = ourZone ? existing(ourZone, names.privateDnsZone.id, hubActionOf(ourZone.tags)) : toCreate(names.privateDnsZone.id);
  }
  const zoneId = hub.privateDnsZone.id;
  hub.virtualNetworkLink = link ? existing(link, link.id, hubActionOf(link.tags)) : toCreate(`${zoneId}/virtualNetworkLinks/${names.virtualNetworkLink.name}`);
}

// --- the private endpoint ----------------------------------------------------------------------------------

async function discoverEndpoint(ctx: Context, hub: HubFacts, account: ArmResourceView | undefined): Promise<void> {
  const { names } = ctx;
  const inThisVnet = (subnetId: string | undefined) => subnetId !== undefined && subnetId.toLowerCase().startsWith(`${ctx.vnetId.toLowerCase()}/subnets/`);
  const connections: { properties?: { privateEndpoint?: { id?: string }; privateLinkServiceConnectionState?: { status?: string } } }[] =
    account?.properties?.privateEndpointConnections ?? [];
  let endpoint: ArmResourceView | undefined;
  for (const connection of connections) {
    const endpointId = connection.properties?.privateEndpoint?.id;
    if (!endpointId || connection.properties?.privateLinkServiceConnectionState?.status !== 'Approved') continue;
    const candidate = await getArmResource(ctx.arm, endpointId, NET);
    if (candidate && inThisVnet(candidate.properties?.subnet?.id)) {
      endpoint = { ...candidate, id: candidate.id ?? endpointId };
      break;
    }
  }
  if (!endpoint) {
    // Ours, built earlier and not approved yet, or someone's endpoint with our name.
    const ourEndpoint = await getArmResource(ctx.arm, names.privateEndpoint.id, NET);
    if (ourEndpoint && hubActionOf(ourEndpoint.tags) === 'use') endpoint = { ...ourEndpoint, id: ourEndpoint.id ?? names.privateEndpoint.id };
    else if (ourEndpoint) lookAlike(ctx, 'azure.virtualNetworkName', 'private endpoint', { ...ourEndpoint, id: ourEndpoint.id ?? names.privateEndpoint.id }, `it lacks the tag ${TAG_MANAGED_BY}=${MANAGED_BY}`);
  }
  if (!endpoint) {
    hub.privateEndpoint = toCreate(names.privateEndpoint.id);
    hub.privateDnsZoneGroup = toCreate(names.privateDnsZoneGroup.id);
    const { subnet, nsg } = await subnetForPrefix(ctx, 'privateEndpointSubnetPrefix', names.privateEndpointSubnet, names.privateEndpointNsg, 'private endpoint to the account');
    hub.privateEndpointSubnet = subnet;
    hub.privateEndpointNsg = nsg;
    return;
  }
  const action = hubActionOf(endpoint.tags);
  hub.privateEndpoint = existing(endpoint, endpoint.id, action);
  if (action === 'use') {
    const groupId = `${endpoint.id}/privateDnsZoneGroups/default`;
    const group = await getArmResource(ctx.arm, groupId, NET);
    hub.privateDnsZoneGroup = group ? existing(group, groupId, 'use') : toCreate(groupId);
  } else {
    delete hub.privateDnsZoneGroup;
  }
  const subnetId: string = endpoint.properties?.subnet?.id;
  const subnet = await subnetById(ctx, subnetId);
  if (!subnet) {
    hub.privateEndpointSubnet = { id: subnetId, action: 'adopt', ready: false };
    delete hub.privateEndpointNsg;
    return;
  }
  const found = await subnetWithNsg(ctx, subnet);
  hub.privateEndpointSubnet = found.subnet;
  hub.privateEndpointNsg = found.nsg;
  prefixMustMatch(ctx, 'privateEndpointSubnetPrefix', subnet, `the account's private endpoint ${endpoint.name ?? lastSegment(endpoint.id)}`);
}

// --- the AWS side ------------------------------------------------------------------------------------------

/** AWS attaches one virtual private gateway to a VPC: another one there (not this environment's) leaves no room for ours. */
export async function foreignVpnGatewayProblems(ec2: EC2Client, request: EnvironmentRequest): Promise<RequestProblem[]> {
  const answer = await ec2.send(
    new DescribeVpnGatewaysCommand({ Filters: [{ Name: 'attachment.vpc-id', Values: [request.aws.vpcId] }, { Name: 'state', Values: ['pending', 'available'] }] }),
  );
  const problems: RequestProblem[] = [];
  for (const gateway of answer.VpnGateways ?? []) {
    const attached = (gateway.VpcAttachments ?? []).some((a) => a.VpcId === request.aws.vpcId && (a.State === 'attaching' || a.State === 'attached'));
    if (!attached || carriesOurTags(tagObject(gateway.Tags), request.environmentId)) continue;
    problems.push({
      path: 'aws.vpcId',
      message:
        `${request.aws.vpcId} already has the virtual private gateway ${gateway.VpnGatewayId} attached, which this environment did not create, and AWS attaches one per VPC; ` +
        `detach it (if nothing uses it) or choose another VPC`,
    });
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------
// The whole
// ---------------------------------------------------------------------------------------------------------

const PLAN_LABELS: [keyof HubFacts, string][] = [
  ['gatewaySubnet', 'gateway subnet'],
  ['vpnGateway', 'VPN gateway'],
  ['publicIp', "gateway's public IP"],
  ['privateEndpointSubnet', 'private endpoint subnet'],
  ['privateEndpointNsg', 'private endpoint NSG'],
  ['privateEndpoint', 'private endpoint'],
  ['privateDnsZoneGroup', 'private DNS zone group'],
  ['privateDnsZone', 'private DNS zone'],
  ['virtualNetworkLink', 'VNet link'],
  ['dnsResolverSubnet', 'DNS resolver subnet'],
  ['dnsInboundNsg', 'DNS inbound NSG'],
  ['dnsResolver', 'DNS private resolver'],
  ['inboundEndpoint', 'resolver inbound endpoint'],
];

const ACTION_WORDS: Record<HubAction, string> = {
  create: 'to be built for the hub',
  use: "the product's, built earlier",
  adopt: "another team's, used as it is",
};

/** One line per hub resource, in the order the workflow meets them. */
export function hubPlan(hub: HubFacts, bgp?: BgpFacts): string[] {
  const lines: string[] = [];
  for (const [key, label] of PLAN_LABELS) {
    const resource = hub[key] as HubResource | undefined;
    if (!resource) continue;
    const state = resource.action === 'create' ? '' : resource.ready ? '' : ', not ready yet';
    lines.push(`${resource.action} ${label} ${lastSegment(resource.id)} (${ACTION_WORDS[resource.action]}${state}): ${resource.id}`);
  }
  if (bgp) {
    const second = bgp.secondPublicIp;
    lines.push(`${second.action} gateway's second public IP ${lastSegment(second.id)} (${ACTION_WORDS[second.action]}${second.action !== 'create' && !second.ready ? ', not ready yet' : ''}): ${second.id}`);
    lines.push(...bgpTable(bgp));
  }
  return lines;
}

/** The refusals about the VPC's place among the other environments on the gateway (pure, over the findings). */
export function sharedGatewayProblems(request: EnvironmentRequest, vpcCidrs: string[], findings: HubFindings): RequestProblem[] {
  const problems: RequestProblem[] = [];
  for (const other of findings.otherEnvironmentsOnGateway) {
    for (const theirs of other.addressPrefixes) {
      for (const ours of vpcCidrs) {
        if (!cidrOverlaps(ours, theirs) && !cidrContains(theirs, ours)) continue;
        problems.push({
          path: 'aws.vpcId',
          message:
            `the VPC CIDR ${ours} overlaps ${theirs}, which the hub's VPN gateway already routes to another network (local network gateway ${lastSegment(other.localNetworkGatewayId)}, ` +
            `connection ${lastSegment(other.connectionId)}); the gateway could not tell the two apart. Use a VPC whose CIDR does not overlap it`,
        });
      }
    }
  }
  return problems;
}

/**
 * Reads the hub and decides, per resource, create, use or adopt. `ec2`, when given, also checks the VPC's
 * virtual private gateway. Never writes. Problems are every refusal found, each with its field path.
 */
export async function discoverHub(
  arm: ResourceManagementClient,
  ec2: EC2Client | undefined,
  request: EnvironmentRequest,
  observed: HubObservation,
): Promise<HubDiscovery> {
  const names = hubResourceNames(request);
  const hub = greenfieldHub(request);
  const findings: HubFindings = { otherEnvironmentsOnGateway: [], subnetsToBuild: [] };
  const problems: RequestProblem[] = ec2 ? await foreignVpnGatewayProblems(ec2, request) : [];
  if (!observed.vnet) {
    // Nothing to discover on a VNet that is not there (the validator refuses it); the greenfield names stand.
    return { hub, plan: hubPlan(hub), problems, findings };
  }
  const vnetId = observed.vnet.id ?? names.virtualNetwork.id;
  const ctx: Context = {
    arm,
    request,
    names,
    vnetId,
    subnets: ((observed.vnet.properties?.subnets ?? []) as ArmResourceView[]).map((s) => subnetView({ ...s, id: s.id ?? `${vnetId}/subnets/${s.name}` })),
    problems,
    subnetsToBuild: findings.subnetsToBuild,
  };
  const account = observed.account ?? (await getArmResource(arm, request.azure.openAiAccountId, API_VERSIONS.cognitiveServices));
  const gateway = await discoverGateway(ctx, hub);
  if (gateway) findings.otherEnvironmentsOnGateway = await otherEnvironmentsOn(ctx, hub.vpnGateway.id);
  const bgp = usesBgp(request) ? await discoverBgp(ctx, hub, gateway) : undefined;
  await discoverResolver(ctx, hub);
  await discoverZone(ctx, hub);
  await discoverEndpoint(ctx, hub, account);
  if (observed.vpcCidrs) problems.push(...sharedGatewayProblems(request, observed.vpcCidrs, findings));
  return { hub, bgp, plan: hubPlan(hub, bgp), problems, findings };
}
