/**
 * The teardown's Azure removals: each action looks one resource up by the id provisioning derives for it
 * (../commons/naming.ts), leaves it untouched when it is not ours, and otherwise starts its deletion and
 * answers only once it is gone. None waits: a deletion in progress, or one ARM refuses while what uses the
 * resource is still going, raises ResourceNotReady and the state's Retry looks again.
 *
 * A DELETE is sent only from a terminal state (never over a create, an update or a deletion in flight), so a
 * retry, a re-run or a redrive never starts a deletion twice.
 */
import type { ResourceManagementClient } from '@azure/arm-resources';
import { createPipelineRequest } from '@azure/core-rest-pipeline';
import { API_VERSIONS, armRequest, getArmResource, provisioningStateOf, type ArmResourceView } from '../commons/arm';
import { armEndpoint } from '../commons/clients/azure';
import { isAzureDeletionRefusedWhileInUse } from '../commons/cloud-errors';
import { ResourceNotReady } from '../commons/errors';
import { hubResourceNames, isOurHubResource, type HubResourceNames } from '../commons/hub';
import { otherEnvironmentsOnTheHub } from '../commons/hub-users';
import { environmentRuleNames, nsgIdsOnSubnets } from '../commons/security-rules';
import { invocationLog } from '../commons/logger';
import { MANAGED_BY, TAG_ENVIRONMENT, TAG_MANAGED_BY, resourceNamesOfAnyRouting, type ResourceNames } from '../commons/naming';
import { carriesOurTags, declaredSharedResourceIds } from '../commons/ownership';
import type { RemovableNsg, RemovableSubnet, RemovalInput, RemovalOutcome, TunnelRemovals } from '../commons/teardown-data';

const NET = API_VERSIONS.network;
const TERMINAL = new Set(['Succeeded', 'Failed', 'Canceled']);

/** Whose a resource is, judged from what ARM answers now; `leave` says why it is not ours. */
type Verdict = { ours: true } | { ours: false; reason: string };

/** Before the DELETE: something that is not ours still uses the resource (leave it), or ours still goes (wait). */
type Blocker = { leave: string } | { wait: string } | undefined;

interface Removal {
  /** Plain words for the messages: "The private endpoint". */
  what: string;
  id: string;
  apiVersion: string;
  judge(resource: ArmResourceView): Verdict | Promise<Verdict>;
  blocker?(resource: ArmResourceView): Blocker | Promise<Blocker>;
}

const OURS: Verdict = { ours: true };

/** Ours when it carries both of our tags; otherwise why not, in plain words. */
function byTags(environmentId: string) {
  return (resource: ArmResourceView): Verdict => {
    if (carriesOurTags(resource.tags, environmentId)) return OURS;
    return { ours: false, reason: whyTagsAreNotOurs(resource.tags, environmentId) };
  };
}

function whyTagsAreNotOurs(tags: Record<string, string> | undefined, environmentId: string): string {
  if (tags?.[TAG_MANAGED_BY] !== MANAGED_BY) return `it lacks the tag ${TAG_MANAGED_BY}=${MANAGED_BY}: this product did not create it`;
  return `it carries ${TAG_ENVIRONMENT}=${tags?.[TAG_ENVIRONMENT] ?? '(none)'}, not ${environmentId}: another environment's`;
}

/**
 * The one shape every removal has. Absent: nothing to do. Not ours: left as it is. Ours: a deletion already
 * running is waited for; an operation of another kind in flight is let finish first; from a terminal state
 * (a Failed deletion included) the DELETE is sent, and the answer is `removed` once ARM no longer has it.
 */
async function removeArmResource(arm: ResourceManagementClient, removal: Removal): Promise<RemovalOutcome> {
  const log = invocationLog();
  const resource = await getArmResource(arm, removal.id, removal.apiVersion);
  if (!resource) {
    log.info('absent', { resource: removal.id });
    return { outcome: 'absent' };
  }
  const id = resource.id ?? removal.id;
  const verdict = await removal.judge(resource);
  if (!verdict.ours) {
    log.info('left', { resource: id, reason: verdict.reason });
    return { outcome: 'left', id, reason: verdict.reason };
  }
  const state = provisioningStateOf(resource);
  if (state === 'Deleting') throw new ResourceNotReady(`${removal.what} ${id} is being deleted`);
  if (!TERMINAL.has(state)) throw new ResourceNotReady(`${removal.what} ${id} is still ${state}; it is deleted once that operation has ended`);
  const blocker = await removal.blocker?.(resource);
  if (blocker && 'leave' in blocker) {
    log.info('left', { resource: id, reason: blocker.leave });
    return { outcome: 'left', id, reason: blocker.leave };
  }
  if (blocker) throw new ResourceNotReady(`${removal.what} ${id} is not deleted yet: ${blocker.wait}`);

  log.info('deleting', { resource: id, provisioningState: state });
  await sendDelete(arm, id, removal.apiVersion, removal.what);
  const after = await getArmResource(arm, id, removal.apiVersion);
  if (!after) {
    log.info('removed', { resource: id });
    return { outcome: 'removed', id };
  }
  throw new ResourceNotReady(`${removal.what} ${id}: its deletion was started; ARM reports provisioningState ${provisioningStateOf(after)}`);
}

/**
 * DELETE through the client's own pipeline (auth, retries, TLS), without following the operation: the next
 * look says whether the resource is gone. 404 means someone was first; a refusal while what uses the
 * resource still goes waits; any other error status throws with ARM's code for the shell to classify.
 */
async function sendDelete(arm: ResourceManagementClient, id: string, apiVersion: string, what: string): Promise<void> {
  const response = await arm.sendRequest(createPipelineRequest({ url: `${armEndpoint()}${id}?api-version=${apiVersion}`, method: 'DELETE' }));
  if (response.status < 400 || response.status === 404) return;
  let parsed: { error?: { code?: string; message?: string } } = {};
  try {
    parsed = JSON.parse(response.bodyAsText || '{}');
  } catch {
    parsed = {};
  }
  const error = Object.assign(new Error(parsed.error?.message ?? `HTTP ${response.status}`), {
    code: parsed.error?.code ?? 'ArmError',
    statusCode: response.status,
  });
  if (isAzureDeletionRefusedWhileInUse(error)) {
    throw new ResourceNotReady(`${what} ${id} cannot be deleted yet: ARM answered ${error.code} (HTTP ${error.statusCode}): ${error.message}`);
  }
  throw error;
}

function names(input: RemovalInput): ResourceNames {
  return resourceNamesOfAnyRouting(input.request);
}

function hubNames(input: RemovalInput): HubResourceNames {
  return hubResourceNames(input.request);
}

/**
 * A hub resource (named for the VNet): the product's when it carries the hub tag, whichever environment's run
 * built it, and removed only by the last environment on the hub. Who is left is read now, not taken from the
 * inventory: another environment may have arrived since.
 */
function hubJudge(arm: ResourceManagementClient, input: RemovalInput) {
  return async (resource: ArmResourceView): Promise<Verdict> => {
    if (!isOurHubResource(resource.tags)) {
      if (resource.tags?.[TAG_MANAGED_BY] !== MANAGED_BY) return { ours: false, reason: `it lacks the tag ${TAG_MANAGED_BY}=${MANAGED_BY}: this product did not create it` };
      return { ours: false, reason: 'it carries our name for the hub but not the hub tag: not built by this product for the hub' };
    }
    const others = await otherEnvironmentsOnTheHub(arm, input.request);
    if (others.length) {
      return { ours: false, reason: `it belongs to the hub, and ${others.length === 1 ? 'environment' : 'environments'} ${others.join(', ')} still ${others.length === 1 ? 'uses' : 'use'} it` };
    }
    return OURS;
  };
}

/**
 * The hub's resource, then the one this environment made before resources were shared on a hub (named for
 * the environment): each is removed in turn, and the answer says what happened to whichever was there.
 */
async function removeEach(arm: ResourceManagementClient, removals: Removal[]): Promise<RemovalOutcome> {
  const outcomes: RemovalOutcome[] = [];
  for (const removal of removals) outcomes.push(await removeArmResource(arm, removal));
  return oneOutcome(outcomes);
}

/** What happened to whichever was there: removed over left over absent. */
function oneOutcome(outcomes: RemovalOutcome[]): RemovalOutcome {
  return outcomes.find((o) => o.outcome === 'removed') ?? outcomes.find((o) => o.outcome === 'left') ?? { outcome: 'absent' };
}

/**
 * Removals that nothing in Azure serialises (local network gateways, public IPs): every deletion is started
 * before any is waited for, so two or four of them take as long as one. Waits while any is still going.
 */
async function removeTogether<T>(removals: (() => Promise<T>)[]): Promise<T[]> {
  const outcomes: T[] = [];
  const waiting: string[] = [];
  for (const remove of removals) {
    try {
      outcomes.push(await remove());
    } catch (error) {
      if (!(error instanceof ResourceNotReady)) throw error;
      waiting.push(error.message);
    }
  }
  if (waiting.length) throw new ResourceNotReady(waiting.join('; '));
  return outcomes;
}

function lower(id: string | undefined): string {
  return (id ?? '').toLowerCase();
}

/**
 * Ids of everything the environment's Azure side is made of, as prefixes: a reference to one of them (or to
 * something under one, such as the gateway's ip configuration) is a reference to something of ours.
 */
function ourIdPrefixes(n: ResourceNames, hub: HubResourceNames): string[] {
  const a = n.azure;
  return [
    hub.vpnGateway.id,
    hub.publicIp.id,
    hub.secondPublicIp.id,
    hub.privateEndpoint.id,
    `${a.resourceGroupId}/providers/Microsoft.Network/networkInterfaces/${hub.privateEndpointNicName}`,
    hub.dnsResolver.id,
    hub.privateEndpointSubnet.id,
    hub.dnsResolverSubnet.id,
    hub.privateEndpointNsg.id,
    hub.dnsInboundNsg.id,
    a.vpnGateway.id,
    a.publicIp.id,
    a.privateEndpoint.id,
    `${a.resourceGroupId}/providers/Microsoft.Network/networkInterfaces/${a.privateEndpointNicName}`,
    a.dnsResolver.id,
    a.gatewaySubnet.id,
    a.privateEndpointSubnet.id,
    a.dnsInboundSubnet.id,
    a.privateEndpointNsg.id,
    a.dnsInboundNsg.id,
    ...a.tunnels.flatMap((t) => [t.connection.id, t.localNetworkGateway.id]),
  ].map(lower);
}

function isOurReference(n: ResourceNames, hub: HubResourceNames, id: string | undefined): boolean {
  const target = lower(id);
  return ourIdPrefixes(n, hub).some((prefix) => target === prefix || target.startsWith(`${prefix}/`));
}

/** The first of these references that is not to something of ours. */
function foreignReference(input: RemovalInput, references: (string | undefined)[]): string | undefined {
  const n = names(input);
  const hub = hubNames(input);
  return references.find((id) => id !== undefined && !isOurReference(n, hub, id));
}

function idsOf(list: unknown): string[] {
  return Array.isArray(list) ? list.map((item: { id?: unknown }) => item?.id).filter((id): id is string => typeof id === 'string') : [];
}

// ---------------------------------------------------------------------------------------------------------
// This environment's rules in the hub's network security groups
// ---------------------------------------------------------------------------------------------------------

/**
 * The rules provisioning added to the NSGs on the VNet's subnets (the hub's, or another team's it adopted).
 * Rules carry no tags: the environment id in their names is what makes them this environment's, and only
 * those names are touched. A rule goes on its own; the NSG stays for the other environments.
 */
export async function removeSecurityRules(arm: ResourceManagementClient, input: RemovalInput): Promise<RemovalOutcome> {
  const n = names(input).azure;
  const vnet = await getArmResource(arm, n.virtualNetwork.id, NET);
  const nsgIds = nsgIdsOnSubnets(vnet);
  const ruleNames = environmentRuleNames(input.request.environmentId);
  const removals: Removal[] = nsgIds.flatMap((nsgId) =>
    ruleNames.map((rule) => ({ what: `The rule ${rule} of ${nsgId.split('/').pop()}`, id: `${nsgId}/securityRules/${rule}`, apiVersion: NET, judge: () => OURS })),
  );
  return removeEach(arm, removals);
}

// ---------------------------------------------------------------------------------------------------------
// The private endpoint and its DNS zone
// ---------------------------------------------------------------------------------------------------------

/** The zone group carries no tags: it is ours when the endpoint it belongs to is. Azure removes its A record with it. */
export async function removeZoneGroup(arm: ResourceManagementClient, input: RemovalInput): Promise<RemovalOutcome> {
  const n = names(input).azure;
  const hub = hubNames(input);
  const hubEndpoint = hubJudge(arm, input);
  return removeEach(arm, [
    {
      what: "The hub private endpoint's DNS zone group",
      id: hub.privateDnsZoneGroup.id,
      apiVersion: NET,
      async judge() {
        const endpoint = await getArmResource(arm, hub.privateEndpoint.id, NET);
        const verdict = endpoint ? await hubEndpoint(endpoint) : undefined;
        if (verdict?.ours) return OURS;
        return { ours: false, reason: `it belongs to the private endpoint ${hub.privateEndpoint.name}, which stays (${verdict && !verdict.ours ? verdict.reason : 'it is gone'})` };
      },
    },
    {
      what: "The private endpoint's DNS zone group",
      id: n.privateDnsZoneGroup.id,
      apiVersion: NET,
      async judge() {
        const endpoint = await getArmResource(arm, n.privateEndpoint.id, NET);
        if (endpoint && carriesOurTags(endpoint.tags, input.request.environmentId)) return OURS;
        return { ours: false, reason: `it belongs to the private endpoint ${n.privateEndpoint.name}, which is not this environment's (${whyTagsAreNotOurs(endpoint?.tags, input.request.environmentId)})` };
      },
    },
  ]);
}

export async function removePrivateEndpoint(arm: ResourceManagementClient, input: RemovalInput): Promise<RemovalOutcome> {
  const n = names(input).azure;
  return removeEach(arm, [
    { what: "The hub's private endpoint", id: hubNames(input).privateEndpoint.id, apiVersion: NET, judge: hubJudge(arm, input) },
    { what: 'The private endpoint', id: n.privateEndpoint.id, apiVersion: NET, judge: byTags(input.request.environmentId) },
  ]);
}

export async function removeZoneLink(arm: ResourceManagementClient, input: RemovalInput): Promise<RemovalOutcome> {
  const n = names(input).azure;
  return removeEach(arm, [
    { what: "The private DNS zone's link to the hub VNet", id: hubNames(input).virtualNetworkLink.id, apiVersion: API_VERSIONS.privateDns, judge: hubJudge(arm, input) },
    { what: "The private DNS zone's VNet link", id: n.virtualNetworkLink.id, apiVersion: API_VERSIONS.privateDns, judge: byTags(input.request.environmentId) },
  ]);
}

/**
 * One zone per resource group serves every environment in it, so the zone is the product's when it carries
 * managed-by (whichever environment made it), and it goes only with the last user: while another VNet link
 * or any record set besides its SOA is left, it stays. A zone the request names as a shared hub resource is
 * never deleted.
 */
export async function removeZone(arm: ResourceManagementClient, input: RemovalInput): Promise<RemovalOutcome> {
  const n = names(input).azure;
  const declared = declaredSharedResourceIds(input.request);
  const hubZone = hubJudge(arm, input);
  const ourLinks = [n.virtualNetworkLink.id, hubNames(input).virtualNetworkLink.id].map(lower);
  return removeArmResource(arm, {
    what: 'The private DNS zone',
    id: n.privateDnsZone.id,
    apiVersion: API_VERSIONS.privateDns,
    judge(zone) {
      if (declared.has(lower(zone.id ?? n.privateDnsZone.id))) {
        return { ours: false, reason: 'the request names it as a shared hub resource, used as it is and never deleted' };
      }
      if (zone.tags?.[TAG_MANAGED_BY] !== MANAGED_BY) return { ours: false, reason: `it lacks the tag ${TAG_MANAGED_BY}=${MANAGED_BY}: this product did not create it` };
      return isOurHubResource(zone.tags) ? hubZone(zone) : OURS;
    },
    async blocker(zone) {
      const links: ArmResourceView[] = (await armRequest(arm, 'GET', `${zone.id ?? n.privateDnsZone.id}/virtualNetworkLinks`, API_VERSIONS.privateDns)).value ?? [];
      const ourLink = links.find((link) => ourLinks.includes(lower(link.id)));
      if (ourLink) return { wait: `our VNet link ${ourLink.name ?? ourLink.id} is still being removed` };
      if (links.length > 0) {
        return { leave: `it is still linked to ${links.length} other virtual network${links.length === 1 ? '' : 's'} (${links.map((l) => l.name ?? l.id).join(', ')}): another environment still uses it` };
      }
      // The SOA record set is always there; anything else is another environment's record or someone else's.
      const recordSets = Number(zone.properties.numberOfRecordSets ?? 1);
      if (recordSets > 1) return { leave: `it still holds ${recordSets - 1} record set${recordSets === 2 ? '' : 's'} besides its SOA record: another environment's or someone else's` };
      return undefined;
    },
  });
}

// ---------------------------------------------------------------------------------------------------------
// The DNS Private Resolver
// ---------------------------------------------------------------------------------------------------------

export async function removeInboundEndpoint(arm: ResourceManagementClient, input: RemovalInput): Promise<RemovalOutcome> {
  const n = names(input).azure;
  return removeEach(arm, [
    { what: "The hub DNS private resolver's inbound endpoint", id: hubNames(input).inboundEndpoint.id, apiVersion: API_VERSIONS.dnsResolver, judge: hubJudge(arm, input) },
    { what: "The DNS private resolver's inbound endpoint", id: n.inboundEndpoint.id, apiVersion: API_VERSIONS.dnsResolver, judge: byTags(input.request.environmentId) },
  ]);
}

/** Azure refuses while an inbound or outbound endpoint is left under it (CannotDeleteResource): that waits. */
export async function removeResolver(arm: ResourceManagementClient, input: RemovalInput): Promise<RemovalOutcome> {
  const n = names(input).azure;
  return removeEach(arm, [
    { what: "The hub's DNS private resolver", id: hubNames(input).dnsResolver.id, apiVersion: API_VERSIONS.dnsResolver, judge: hubJudge(arm, input) },
    { what: 'The DNS private resolver', id: n.dnsResolver.id, apiVersion: API_VERSIONS.dnsResolver, judge: byTags(input.request.environmentId) },
  ]);
}

// ---------------------------------------------------------------------------------------------------------
// Subnets and network security groups
// ---------------------------------------------------------------------------------------------------------

function prefixesOf(subnet: ArmResourceView): string[] {
  const props = subnet.properties;
  if (Array.isArray(props.addressPrefixes) && props.addressPrefixes.length) return props.addressPrefixes;
  return props.addressPrefix ? [props.addressPrefix] : [];
}

/**
 * Subnets carry no tags. The endpoint and resolver subnets are ours as the request check judges them: our
 * name with the request's prefix, and (since provisioning creates each with its NSG in the same PUT) our
 * tagged NSG on it. The GatewaySubnet's name is Azure's, not ours, and it has no NSG: it is ours only as
 * provisioning writes it, the request's prefix and nothing else (no NSG, route table, delegation or service
 * endpoint someone added).
 */
async function judgeSubnet(arm: ResourceManagementClient, input: RemovalInput, which: RemovableSubnet, subnet: ArmResourceView, ofTheHub: boolean): Promise<Verdict> {
  const n = names(input).azure;
  const azure = input.request.azure;
  const expectedPrefix = which === 'gateway' ? azure.gatewaySubnetPrefix : which === 'privateEndpoint' ? azure.privateEndpointSubnetPrefix : azure.dnsResolverSubnetPrefix;
  const prefixes = prefixesOf(subnet);
  if (ofTheHub || which === 'gateway') {
    const others = await otherEnvironmentsOnTheHub(arm, input.request);
    if (others.length) return { ours: false, reason: `it belongs to the hub, and ${others.length === 1 ? 'environment' : 'environments'} ${others.join(', ')} still ${others.length === 1 ? 'uses' : 'use'} it` };
  }
  if (expectedPrefix === undefined && which === 'gateway') {
    return { ours: false, reason: 'a subnet carries no tags, and this request names no prefix for it: the environment used the subnet it found there' };
  }
  if (ofTheHub && which !== 'gateway') {
    // Ours when our hub NSG is on it (provisioning creates the subnet with it in one PUT), and the prefix asked for, if any.
    if (expectedPrefix !== undefined && (prefixes.length !== 1 || prefixes[0] !== expectedPrefix)) {
      return { ours: false, reason: `its prefix is ${prefixes.join(', ') || '(none)'}, not the ${expectedPrefix} this environment asked for: it is not the subnet provisioning made` };
    }
    const hub = hubNames(input);
    const hubNsg = which === 'privateEndpoint' ? hub.privateEndpointNsg : hub.dnsInboundNsg;
    const nsgId: string | undefined = subnet.properties.networkSecurityGroup?.id;
    const nsg = lower(nsgId) === lower(hubNsg.id) ? await getArmResource(arm, hubNsg.id, NET) : undefined;
    if (!nsg || !isOurHubResource(nsg.tags)) {
      return { ours: false, reason: `a subnet carries no tags, and its network security group is ${nsgId ? nsgId.split('/').pop() : 'none'}, not the hub's ${hubNsg.name} that this product builds with it` };
    }
    return OURS;
  }
  if (prefixes.length !== 1 || prefixes[0] !== expectedPrefix) {
    return { ours: false, reason: `its prefix is ${prefixes.join(', ') || '(none)'}, not the ${expectedPrefix} this environment asked for: it is not the subnet provisioning made` };
  }
  const nsgId: string | undefined = subnet.properties.networkSecurityGroup?.id;
  if (which === 'gateway') {
    const added = [
      nsgId ? 'a network security group' : undefined,
      subnet.properties.routeTable?.id ? 'a route table' : undefined,
      (subnet.properties.delegations ?? []).length ? 'a delegation' : undefined,
      (subnet.properties.serviceEndpoints ?? []).length ? 'service endpoints' : undefined,
    ].filter(Boolean);
    if (added.length) return { ours: false, reason: `a subnet carries no tags, and this one has ${added.join(' and ')}, which provisioning never sets on the GatewaySubnet: someone else's` };
    return OURS;
  }
  const ourNsg = which === 'privateEndpoint' ? n.privateEndpointNsg : n.dnsInboundNsg;
  if (lower(nsgId) !== lower(ourNsg.id)) {
    return { ours: false, reason: `a subnet carries no tags, and its network security group is ${nsgId ? nsgId.split('/').pop() : 'none'}, not this environment's ${ourNsg.name}` };
  }
  const nsg = await getArmResource(arm, ourNsg.id, NET);
  if (!nsg || !carriesOurTags(nsg.tags, input.request.environmentId)) {
    return { ours: false, reason: `a subnet carries no tags, and its network security group ${ourNsg.name} is not this environment's (${whyTagsAreNotOurs(nsg?.tags, input.request.environmentId)})` };
  }
  return OURS;
}

/** What still sits in the subnet: ours (the endpoint's NIC, the gateway, the resolver) goes first; anything else stays. */
function subnetBlocker(input: RemovalInput, subnet: ArmResourceView): Blocker {
  const props = subnet.properties;
  const links: { properties?: { link?: string } }[] = props.serviceAssociationLinks ?? [];
  const users = [...idsOf(props.ipConfigurations), ...idsOf(props.privateEndpoints), ...links.map((l) => l.properties?.link)];
  const foreign = foreignReference(input, users);
  if (foreign) return { leave: `it is still used by ${foreign}, which is not this environment's` };
  return undefined;
}

const SUBNET_NAMES: Record<RemovableSubnet, string> = { gateway: 'The GatewaySubnet', privateEndpoint: 'The private endpoint subnet', dnsInbound: 'The DNS resolver subnet' };

/**
 * One subnet operation at a time per VNet, and a subnet goes only once nothing is left in it: both refusals
 * (AnotherOperationInProgress, InUseSubnetCannotBeDeleted) wait.
 */
export async function removeSubnet(arm: ResourceManagementClient, input: RemovalInput & { subnet: RemovableSubnet }): Promise<RemovalOutcome> {
  const n = names(input).azure;
  const hub = hubNames(input);
  const which = input.subnet;
  const removal = (id: string, ofTheHub: boolean): Removal => ({
    what: SUBNET_NAMES[which],
    id,
    apiVersion: NET,
    judge: (subnet) => judgeSubnet(arm, input, which, subnet, ofTheHub),
    blocker: (subnet) => subnetBlocker(input, subnet),
  });
  // The GatewaySubnet's name is Azure's: one subnet, whoever's run made it.
  if (which === 'gateway') return removeArmResource(arm, removal(n.gatewaySubnet.id, false));
  const hubSubnet = which === 'privateEndpoint' ? hub.privateEndpointSubnet : hub.dnsResolverSubnet;
  const environmentSubnet = which === 'privateEndpoint' ? n.privateEndpointSubnet : n.dnsInboundSubnet;
  return removeEach(arm, [removal(hubSubnet.id, true), removal(environmentSubnet.id, false)]);
}

/** Azure refuses while a subnet still uses it (InUseNetworkSecurityGroupCannotBeDeleted): ours goes first; someone else's keeps it. */
export async function removeNetworkSecurityGroup(arm: ResourceManagementClient, input: RemovalInput & { nsg: RemovableNsg }): Promise<RemovalOutcome> {
  const n = names(input);
  const hub = hubNames(input);
  const removal = (target: { id: string }, ofTheHub: boolean): Removal => ({
    what: input.nsg === 'privateEndpoint' ? "The private endpoint subnet's network security group" : "The DNS resolver subnet's network security group",
    id: target.id,
    apiVersion: NET,
    judge: ofTheHub ? hubJudge(arm, input) : byTags(input.request.environmentId),
    async blocker(nsg) {
      // ARM lists the subnets and NICs an NSG is on (read-only back-references); the request's VNet is read
      // as well, so a subnet of it that carries the NSG is seen even where that list is not given.
      const vnet = await getArmResource(arm, n.azure.virtualNetwork.id, NET);
      const vnetSubnets: { id?: string; properties?: { networkSecurityGroup?: { id?: string } } }[] = vnet?.properties.subnets ?? [];
      const carriers = vnetSubnets.filter((s) => lower(s.properties?.networkSecurityGroup?.id) === lower(target.id)).map((s) => s.id);
      const foreign = foreignReference(input, [...idsOf(nsg.properties.subnets), ...idsOf(nsg.properties.networkInterfaces), ...carriers]);
      return foreign ? { leave: `it is still attached to ${foreign}, which is not this environment's` } : undefined;
    },
  });
  return removeEach(arm, [
    removal(input.nsg === 'privateEndpoint' ? hub.privateEndpointNsg : hub.dnsInboundNsg, true),
    removal(input.nsg === 'privateEndpoint' ? n.azure.privateEndpointNsg : n.azure.dnsInboundNsg, false),
  ]);
}

// ---------------------------------------------------------------------------------------------------------
// The tunnels and the gateway
// ---------------------------------------------------------------------------------------------------------

export async function removeConnection(arm: ResourceManagementClient, input: RemovalInput & { tunnel: number }): Promise<RemovalOutcome> {
  const tunnel = tunnelNamed(input, input.tunnel);
  return removeArmResource(arm, { what: `The Azure connection of tunnel ${input.tunnel}`, id: tunnel.connection.id, apiVersion: NET, judge: byTags(input.request.environmentId) });
}

/** Azure refuses while a connection still uses it (InUseLocalNetworkGatewayCannotBeDeleted): that waits. */
export async function removeLocalNetworkGateway(arm: ResourceManagementClient, input: RemovalInput & { tunnel: number }): Promise<RemovalOutcome> {
  const tunnel = tunnelNamed(input, input.tunnel);
  return removeArmResource(arm, {
    what: `The local network gateway of tunnel ${input.tunnel}`,
    id: tunnel.localNetworkGateway.id,
    apiVersion: NET,
    judge: byTags(input.request.environmentId),
  });
}

function tunnelNamed(input: RemovalInput, tunnel: number) {
  const found = names(input).azure.tunnels.find((t) => t.tunnel === tunnel);
  if (!found) throw new RangeError(`The request has no tunnel ${tunnel}`);
  return found;
}

/**
 * Every tunnel's connection (two, or four with BGP), in tunnel order and one at a time: Azure runs one
 * connection operation at a time per gateway, so the next deletion starts only once the one before is gone.
 */
export async function removeConnections(arm: ResourceManagementClient, input: RemovalInput): Promise<TunnelRemovals> {
  const tunnels: TunnelRemovals['tunnels'] = [];
  for (const { tunnel } of names(input).azure.tunnels) tunnels.push({ tunnel, ...(await removeConnection(arm, { request: input.request, tunnel })) });
  return { tunnels };
}

/** Every tunnel's local network gateway, all deletions started together (no per-gateway rule holds them). */
export async function removeLocalNetworkGateways(arm: ResourceManagementClient, input: RemovalInput): Promise<TunnelRemovals> {
  const tunnels = await removeTogether(
    names(input).azure.tunnels.map(({ tunnel }) => async () => ({ tunnel, ...(await removeLocalNetworkGateway(arm, { request: input.request, tunnel })) })),
  );
  return { tunnels };
}

/** Azure refuses while a connection is left on it: that waits. Its deletion is the longest of the Azure side. */
export async function removeVpnGateway(arm: ResourceManagementClient, input: RemovalInput): Promise<RemovalOutcome> {
  const n = names(input).azure;
  return removeEach(arm, [
    { what: "The hub's Azure VPN gateway", id: hubNames(input).vpnGateway.id, apiVersion: NET, judge: hubJudge(arm, input) },
    { what: 'The Azure VPN gateway', id: n.vpnGateway.id, apiVersion: NET, judge: byTags(input.request.environmentId) },
  ]);
}

/** A public IP still allocated to a resource cannot go (PublicIPAddressCannotBeDeleted): our gateway first; anyone else's keeps it. Both of an active-active gateway's go together. */
export async function removePublicIp(arm: ResourceManagementClient, input: RemovalInput): Promise<RemovalOutcome> {
  const n = names(input);
  const blocker = (pip: ArmResourceView): Blocker => {
    const allocatedTo: string | undefined = pip.properties.ipConfiguration?.id;
    const foreign = foreignReference(input, [allocatedTo]);
    return foreign ? { leave: `it is still allocated to ${foreign}, which is not this environment's` } : undefined;
  };
  const hub = hubNames(input);
  // The second goes with an active-active gateway (BGP routing), whichever environment's run built it.
  const removals: Removal[] = [
    { what: "The hub gateway's public IP", id: hub.publicIp.id, apiVersion: NET, judge: hubJudge(arm, input), blocker },
    { what: "The hub gateway's second public IP", id: hub.secondPublicIp.id, apiVersion: NET, judge: hubJudge(arm, input), blocker },
    { what: 'The gateway public IP', id: n.azure.publicIp.id, apiVersion: NET, judge: byTags(input.request.environmentId), blocker },
  ];
  return oneOutcome(await removeTogether(removals.map((removal) => () => removeArmResource(arm, removal))));
}
