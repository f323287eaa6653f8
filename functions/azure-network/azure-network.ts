/**
 * The Azure network side, on the hub the first step found (`facts.hub`): the GatewaySubnet and public IP, the
 * VPN gateway, the NSGs and this environment's rules in them, the private endpoint subnet and endpoint with
 * its private DNS zone, and the DNS Private Resolver with its inbound endpoint.
 *
 * Each hub resource comes with what this environment does with it (workflow-data.ts, HubAction): `create`
 * builds it, named for the VNet and tagged for the hub; `use` takes what the product built earlier (repaired
 * if Failed, never re-sent otherwise); `adopt` takes another team's as it is, adding only this environment's
 * own children (its NSG rules, its A record when missing).
 *
 * Each function starts one piece (a PUT, from a terminal state only) or reads one back; none waits. A
 * dependency that is not ready yet raises ResourceNotReady, and the state's Retry waits on the clock.
 * Subnet writes on one VNet are serialised by the state machine (one branch writes them in order).
 */
import type { ResourceManagementClient } from '@azure/arm-resources';
import { createHash } from 'crypto';
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
import { cloudErrorCode } from '../commons/cloud-errors';
import { GatewayBuildFailed, ResourceFailed, ResourceNotReady, WaitTimedOut } from '../commons/errors';
import { invocationLog } from '../commons/logger';
import { hubResourceNames, hubTags, type HubResourceNames } from '../commons/hub';
import { dnsInboundRules, privateEndpointRules, type EnvironmentRule } from '../commons/security-rules';

export { dnsInboundRules, privateEndpointRules, type EnvironmentRule };
import { publicAccessRecordTags } from '../commons/public-access-record';
import type {
  GatewayAddress,
  GatewayBuild,
  GatewaySubnetAndPublicIpOutcome,
  HubFacts,
  HubResource,
  InboundEndpointAddress,
  NetworkSecurityGroupsOutcome,
  PollInput,
  PrivateEndpointAddress,
  ProvisioningOutcome,
  StepInput,
} from '../commons/workflow-data';

export type { PollInput, StepInput };

const NET = API_VERSIONS.network;

function hub(input: StepInput): HubFacts {
  return input.facts.hub;
}

/** The names the product gives what it builds on the hub (the NIC, the link service connection, the VNet id). */
function built(input: StepInput): HubResourceNames {
  return hubResourceNames(input.request);
}

const nameOf = (id: string) => id.split('/').pop() ?? id;

/**
 * What a check may re-send when the resource was left Failed: the create body for what the product built
 * (create or use); nothing for another team's (adopt), which is reported, never written.
 */
function repairable(resource: HubResource | undefined, desired: () => DesiredResource): DesiredResource | undefined {
  return resource && resource.action !== 'adopt' ? desired() : undefined;
}

/** Creates the desired resource (or re-PUTs it from Failed, or when it differs); never waits. */
function ensure(arm: ResourceManagementClient, id: string, apiVersion: string, desired: DesiredResource) {
  return ensureArmResource(arm, id, apiVersion, desired.body, desired.options);
}

/** A hub resource this environment does not build: what it reports now (NotFound while another run builds it). */
async function stateOf(arm: ResourceManagementClient, resource: HubResource, apiVersion: string): Promise<string> {
  const current = await getArmResource(arm, resource.id, apiVersion);
  return current ? provisioningStateOf(current) : 'NotFound';
}

/**
 * `create` builds the resource; `use` sends its PUT again only when it is Failed, Canceled or gone (a resource
 * of ours at rest or being built is left alone, whatever this request would have sent); `adopt` reports what
 * is there and never writes.
 */
async function ensureOnHub(arm: ResourceManagementClient, resource: HubResource, apiVersion: string, desired: () => DesiredResource): Promise<string> {
  if (resource.action === 'adopt') return stateOf(arm, resource, apiVersion);
  const body = desired();
  return (await ensure(arm, resource.id, apiVersion, { body: body.body, options: { ...body.options, needsUpdate: resource.action === 'use' ? undefined : body.options?.needsUpdate } })).provisioningState;
}

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
      tags: hubTags(input.request),
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
  const current = await getArmResource(arm, hub(input).publicIp.id, NET);
  const record = await publicAccessRecordTags(arm, input.request, current);
  return { ...desired, body: { ...desired.body, tags: { ...desired.body.tags, ...record } } };
}

/** Run only when the hub has no gateway yet (the state machine skips it otherwise). */
export async function createGatewaySubnetAndPublicIp(arm: ResourceManagementClient, input: StepInput): Promise<GatewaySubnetAndPublicIpOutcome> {
  const h = hub(input);
  const subnet = await ensureOnHub(arm, h.gatewaySubnet, NET, () => gatewaySubnet(input));
  const publicIp = h.publicIp.action === 'create'
    ? (await ensure(arm, h.publicIp.id, NET, await gatewayPublicIpWithRecord(arm, input))).provisioningState
    : await stateOf(arm, h.publicIp, NET);
  const second = input.facts.bgp?.secondPublicIp;
  if (!second) return { gatewaySubnet: subnet, publicIp };
  return { gatewaySubnet: subnet, publicIp, secondPublicIp: await ensureOnHub(arm, second, NET, () => gatewayPublicIp(input)) };
}

async function addressOf(arm: ResourceManagementClient, resource: HubResource, what: string, desired: DesiredResource | undefined): Promise<string> {
  const pip = await requireSucceeded(arm, resource.id, NET, what, desired);
  const address = pip.properties.ipAddress as string | undefined;
  if (!address) throw new ResourceNotReady(`${what} ${resource.id} has no address yet`);
  return address;
}

/** The public IPs' addresses, known as soon as the IPs are provisioned: the AWS side needs nothing else. */
export async function readGatewayPublicIp(arm: ResourceManagementClient, input: StepInput): Promise<GatewayAddress> {
  const h = hub(input);
  // A gateway already on the hub has its subnet; a new one needs it Succeeded before the gateway is sent.
  if (h.vpnGateway.action === 'create') {
    await requireSucceeded(arm, h.gatewaySubnet.id, NET, 'GatewaySubnet', repairable(h.gatewaySubnet, () => gatewaySubnet(input)));
  }
  const desired = h.publicIp.action === 'adopt' ? undefined : await gatewayPublicIpWithRecord(arm, input);
  const address = await addressOf(arm, h.publicIp, 'The gateway public IP', desired);
  const second = input.facts.bgp?.secondPublicIp;
  const addresses = second ? [address, await addressOf(arm, second, "The gateway's second public IP", repairable(second, () => gatewayPublicIp(input)))] : [address];
  return { publicIp: address, publicIpId: h.publicIp.id, addresses };
}

/** VpnGw1AZ–3AZ are Generation1 SKUs; 4AZ and 5AZ exist only as Generation2. */
function gatewayGeneration(sku: string): string {
  return /VpnGw[45]AZ/.test(sku) ? 'Generation2' : 'Generation1';
}

function vpnGateway(input: StepInput): DesiredResource {
  const h = hub(input);
  const sku = input.request.azure.gatewaySku;
  const bgp = input.facts.bgp;
  const configuration = (id: string, publicIpId: string) => ({
    name: nameOf(id),
    properties: { privateIPAllocationMethod: 'Dynamic', subnet: { id: h.gatewaySubnet.id }, publicIPAddress: { id: publicIpId } },
  });
  const routing = bgp
    ? {
        // One instance per AWS customer gateway; each IP configuration carries its instance's APIPA addresses.
        activeActive: true,
        enableBgp: true,
        ipConfigurations: [configuration(bgp.ipConfigurationIds[0], h.publicIp.id), configuration(bgp.ipConfigurationIds[1], bgp.secondPublicIp.id)],
        bgpSettings: {
          asn: bgp.azureAsn,
          bgpPeeringAddresses: bgp.ipConfigurationIds.map((ipconfigurationId, instance) => ({ ipconfigurationId, customBgpIpAddresses: bgp.instanceAddresses[instance] })),
        },
      }
    : { activeActive: false, enableBgp: false, ipConfigurations: [configuration(h.vpnGateway.ipConfigurationId, h.publicIp.id)] };
  return {
    body: {
      location: input.facts.location,
      tags: hubTags(input.request),
      properties: { gatewayType: 'Vpn', vpnType: 'RouteBased', sku: { name: sku, tier: sku }, vpnGatewayGeneration: gatewayGeneration(sku), ...routing },
    },
  };
}

/**
 * Our gateway on the hub, already built for other environments: this environment's custom APIPA addresses are
 * added to what each IP configuration has (never removed: the others' tunnels use them). Undefined when nothing
 * is missing, or when the gateway is not ours to change.
 */
async function addEnvironmentBgpAddresses(arm: ResourceManagementClient, input: StepInput): Promise<string | undefined> {
  const bgp = input.facts.bgp;
  const resource = hub(input).vpnGateway;
  if (!bgp || resource.action !== 'use') return undefined;
  const current = await getArmResource(arm, resource.id, NET);
  if (!current || provisioningStateOf(current) !== 'Succeeded') return undefined;
  const peerings: { ipconfigurationId?: string; customBgpIpAddresses?: string[] }[] = current.properties.bgpSettings?.bgpPeeringAddresses ?? [];
  let missing = false;
  const merged = bgp.ipConfigurationIds.map((ipconfigurationId, instance) => {
    const have = peerings.find((p) => p.ipconfigurationId?.toLowerCase() === ipconfigurationId.toLowerCase())?.customBgpIpAddresses ?? [];
    const add = bgp.instanceAddresses[instance].filter((address) => !have.includes(address));
    missing ||= add.length > 0;
    return { ipconfigurationId, customBgpIpAddresses: [...have, ...add] };
  });
  if (!missing) return undefined;
  invocationLog().info('gateway BGP addresses added', { gateway: resource.id, bgpPeeringAddresses: merged });
  const body = { location: current.location, tags: current.tags, properties: { ...current.properties, bgpSettings: { ...current.properties.bgpSettings, bgpPeeringAddresses: merged } } };
  return (await ensureArmResource(arm, resource.id, NET, body, { needsUpdate: () => true })).provisioningState;
}

/** A gateway build takes about 40 minutes: the 90-minute bound leaves room for one rebuild after a failure. */
const MAX_GATEWAY_REBUILDS = 1;

/** Builds the hub's gateway when there is none; ours already there is re-sent only if it failed; another team's is only looked at. */
export async function createVpnGateway(arm: ResourceManagementClient, input: StepInput): Promise<GatewayBuild> {
  const provisioningState = (await addEnvironmentBgpAddresses(arm, input)) ?? (await ensureOnHub(arm, hub(input).vpnGateway, NET, () => vpnGateway(input)));
  return { provisioningState, attempt: 0 };
}

/** One poll of the ~40-minute build. Bounded: after maxAttempts polls it says what the gateway last reported. */
export async function checkVpnGateway(arm: ResourceManagementClient, input: PollInput): Promise<GatewayBuild> {
  // A redrive resumes at this check, past "Create the Azure VPN gateway": its first look does what a re-run
  // does there (a Failed gateway's PUT is sent again, with a fresh rebuild budget) and restarts the bound.
  const redriveCount = input.redriveCount ?? 0;
  const firstLookAfterRedrive = redriveCount > (input.previous?.redriveCount ?? 0);
  if (firstLookAfterRedrive) await createVpnGateway(arm, input);
  const attempt = firstLookAfterRedrive ? 1 : (input.attempt ?? 0) + 1;
  const polled = await pollVpnGateway(arm, input, attempt);
  return { ...polled, redriveCount };
}

async function pollVpnGateway(arm: ResourceManagementClient, input: PollInput, attempt: number) {
  const resource = hub(input).vpnGateway;
  const gatewayName = nameOf(resource.id);
  const gateway = await getArmResource(arm, resource.id, NET);
  const state = gateway ? provisioningStateOf(gateway) : 'NotFound';
  // A gateway the product built for others, done building, gets this environment's BGP addresses before it is ready for it.
  const updating = state === 'Succeeded' ? await addEnvironmentBgpAddresses(arm, input) : undefined;
  if (updating !== undefined) return { ready: false, provisioningState: updating, attempt };
  if (state === 'Succeeded') return { ready: true, provisioningState: state, attempt };
  const failed = state === 'Failed' || state === 'Canceled';
  if (failed && gateway && resource.action !== 'adopt') {
    // A build can fail after Azure accepted it: rebuild once; a build that fails again ends the run.
    const rebuilds = Number(gateway.tags?.[REPAIR_TAG] ?? 0) || 0;
    if (rebuilds < MAX_GATEWAY_REBUILDS) {
      await repairFailedResource(arm, gateway, NET, 'The Azure VPN gateway', vpnGateway(input), MAX_GATEWAY_REBUILDS);
      return { ready: false, provisioningState: 'Updating', attempt, rebuiltAfter: state };
    }
  }
  const resourceGroup = resource.id.split('/')[4];
  if (failed && resource.action === 'adopt') {
    throw new GatewayBuildFailed(
      `The hub's VPN gateway ${gatewayName} (not built by this product) reports provisioningState ${state}. ` +
        `Its owners must repair it (resource group ${resourceGroup}); re-run the request once it is Succeeded.`,
    );
  }
  if (failed) {
    const rebuilds = Number(gateway?.tags?.[REPAIR_TAG] ?? 0) || 0;
    throw new GatewayBuildFailed(
      `The Azure VPN gateway ${gatewayName} build ended with provisioningState ${state}` +
        `${rebuilds ? ` again after ${rebuilds} rebuild${rebuilds === 1 ? '' : 's'} in this run` : ''}. ` +
        `Check the gateway's activity log in resource group ${resourceGroup}; re-running the request re-sends the gateway PUT.`,
    );
  }
  if (attempt >= input.maxAttempts) {
    throw new WaitTimedOut(
      `The Azure VPN gateway ${gatewayName} was not ready after ${attempt} checks (the 90-minute bound); it last reported provisioningState ${state}.`,
    );
  }
  return { ready: false, provisioningState: state, attempt };
}

// ---------------------------------------------------------------------------------------------------------
// NSGs, this environment's rules in them, and the two subnets (one subnet operation at a time per VNet)
// ---------------------------------------------------------------------------------------------------------

function ruleBody(rule: EnvironmentRule, priority: number, vpcCidrs: string[]) {
  return {
    properties: {
      protocol: rule.protocol,
      access: 'Allow',
      direction: 'Inbound',
      priority,
      sourceAddressPrefixes: vpcCidrs,
      sourcePortRange: '*',
      destinationAddressPrefix: '*',
      destinationPortRange: rule.port,
      description: 'From the AWS VPC over the site-to-site VPN',
    },
  };
}

/** Azure's custom rule priorities run from 100 to 4096; each environment takes a block of consecutive ones. */
const LOWEST_PRIORITY = 100;
const HIGHEST_PRIORITY = 4096;
const PRIORITY_BLOCK = 10;
const PRIORITY_BLOCKS = Math.floor((HIGHEST_PRIORITY - LOWEST_PRIORITY + 1) / PRIORITY_BLOCK);

/** Where an environment's block starts when nothing is in the way: the same for every run, different across environments. */
export function preferredPriorityBlock(environmentId: string): number {
  const hash = createHash('sha256').update(environmentId).digest().readUInt32BE(0);
  return hash % PRIORITY_BLOCKS;
}

/**
 * The priorities of this environment's rules in an NSG. Azure refuses two inbound rules of one priority in an
 * NSG, so the block starts where the environment id says and moves up past priorities other rules hold; a rule
 * of ours already there keeps its priority (a re-run changes nothing).
 */
export function choosePriorities(environmentId: string, rules: EnvironmentRule[], existing: { name: string; properties?: Record<string, any> }[]): number[] {
  const ours = new Map(existing.map((r) => [r.name.toLowerCase(), r.properties?.priority as number | undefined]));
  const taken = new Set(
    existing
      .filter((r) => !rules.some((rule) => rule.name.toLowerCase() === r.name.toLowerCase()))
      .filter((r) => (r.properties?.direction ?? 'Inbound') === 'Inbound')
      .map((r) => r.properties?.priority as number),
  );
  const start = preferredPriorityBlock(environmentId);
  for (let step = 0; step < PRIORITY_BLOCKS; step++) {
    const base = LOWEST_PRIORITY + ((start + step) % PRIORITY_BLOCKS) * PRIORITY_BLOCK;
    const wanted = rules.map((rule, index) => ours.get(rule.name.toLowerCase()) ?? base + index);
    if (wanted.every((p) => !taken.has(p)) && new Set(wanted).size === wanted.length) return wanted;
  }
  throw new ResourceFailed(`No free block of ${rules.length} inbound priorities is left in the network security group for environment ${environmentId}`);
}

/** An NSG the product builds is created empty: the rules are children, and an NSG PUT replaces its whole list. */
function emptyNsg(input: StepInput): DesiredResource {
  return { body: { location: input.facts.location, tags: hubTags(input.request), properties: {} } };
}

/**
 * The repair of an NSG left Failed re-sends the rules it holds now, since the PUT replaces the list: an empty
 * list would delete every environment's rules.
 */
function nsgRepair(input: StepInput, current: ArmResourceView | undefined): DesiredResource {
  const rules = (current?.properties?.securityRules ?? []).map((r: any) => ({ name: r.name, properties: r.properties }));
  const base = emptyNsg(input);
  return { body: { ...base.body, properties: { securityRules: rules } } };
}

async function ensureNsg(arm: ResourceManagementClient, input: StepInput, resource: HubResource | undefined): Promise<string> {
  if (!resource) return 'None';
  if (resource.action !== 'create') return stateOf(arm, resource, NET);
  const current = await getArmResource(arm, resource.id, NET);
  // Absent: created empty. Any other terminal state is left alone; a Failed one is repaired by the subnet step.
  if (!current) return (await ensure(arm, resource.id, NET, emptyNsg(input))).provisioningState;
  return provisioningStateOf(current);
}

export async function createNetworkSecurityGroups(arm: ResourceManagementClient, input: StepInput): Promise<NetworkSecurityGroupsOutcome> {
  const h = hub(input);
  return { privateEndpointNsg: await ensureNsg(arm, input, h.privateEndpointNsg), dnsInboundNsg: await ensureNsg(arm, input, h.dnsInboundNsg) };
}

/**
 * This environment's rules in the NSG on a subnet (none when the subnet has no NSG: nothing filters there).
 * The NSG must be Succeeded first (a Failed one we built is repaired with the rules it holds); each rule is
 * written as its own child resource, and the step waits until each reads Succeeded.
 */
async function admitVpcInNsg(arm: ResourceManagementClient, input: StepInput, resource: HubResource | undefined, rules: EnvironmentRule[], what: string): Promise<void> {
  if (!resource) return;
  // One read of the NSG shows its state and every rule in it, with each rule's own state.
  const current = await getArmResource(arm, resource.id, NET);
  const nsg =
    current && provisioningStateOf(current) === 'Succeeded'
      ? current
      : await requireSucceeded(arm, resource.id, NET, what, resource.action === 'adopt' ? undefined : nsgRepair(input, current));
  const existing: { name: string; properties?: Record<string, any> }[] = nsg.properties.securityRules ?? [];
  const priorities = choosePriorities(input.request.environmentId, rules, existing);
  for (const [index, rule] of rules.entries()) {
    const desired = ruleBody(rule, priorities[index], input.facts.vpcCidrs);
    const differs = (c: { properties?: Record<string, any> }) =>
      c.properties?.priority !== priorities[index] ||
      JSON.stringify(c.properties?.sourceAddressPrefixes ?? []) !== JSON.stringify(input.facts.vpcCidrs) ||
      c.properties?.destinationPortRange !== rule.port ||
      c.properties?.protocol !== rule.protocol ||
      c.properties?.access !== 'Allow';
    const found = existing.find((r) => r.name.toLowerCase() === rule.name.toLowerCase());
    if (found && !differs(found) && (found.properties?.provisioningState ?? 'Succeeded') === 'Succeeded') continue;
    const id = `${resource.id}/securityRules/${rule.name}`;
    let state: string;
    try {
      state = (await ensureArmResource(arm, id, NET, desired, { needsUpdate: differs })).provisioningState;
    } catch (error) {
      // Another environment took the priority between our read and our write: the retry reads again and moves up.
      if (cloudErrorCode(error) === 'SecurityRuleConflict') {
        throw new ResourceNotReady(`The rule ${rule.name} of ${what}: priority ${priorities[index]} was taken meanwhile; choosing again`);
      }
      throw error;
    }
    if (state !== 'Succeeded') await requireSucceeded(arm, id, NET, `The rule ${rule.name} of ${what}`, { body: desired });
  }
}

function subnetDiffers(expected: { addressPrefix: string | undefined; nsgId: string | undefined }) {
  return (current: ArmResourceView) =>
    current.properties.addressPrefix !== expected.addressPrefix ||
    (current.properties.networkSecurityGroup?.id ?? '').toLowerCase() !== (expected.nsgId ?? '').toLowerCase();
}

function privateEndpointSubnet(input: StepInput): DesiredResource {
  const nsgId = hub(input).privateEndpointNsg?.id;
  const addressPrefix = input.request.azure.privateEndpointSubnetPrefix;
  return {
    body: {
      properties: {
        addressPrefix,
        ...(nsgId ? { networkSecurityGroup: { id: nsgId } } : {}),
        // Without this the NSG is not applied to private endpoint traffic, and the 443 rule means nothing.
        privateEndpointNetworkPolicies: 'Enabled',
      },
    },
    options: { needsUpdate: (c) => subnetDiffers({ addressPrefix, nsgId })(c) || c.properties.privateEndpointNetworkPolicies !== 'Enabled' },
  };
}

function dnsResolverSubnet(input: StepInput): DesiredResource {
  const nsgId = hub(input).dnsInboundNsg?.id;
  const addressPrefix = input.request.azure.dnsResolverSubnetPrefix;
  return {
    body: {
      properties: {
        addressPrefix,
        ...(nsgId ? { networkSecurityGroup: { id: nsgId } } : {}),
        delegations: [{ name: 'Microsoft.Network.dnsResolvers', properties: { serviceName: 'Microsoft.Network/dnsResolvers' } }],
      },
    },
    options: { needsUpdate: subnetDiffers({ addressPrefix, nsgId }) },
  };
}

/** A subnet the product builds is written; one already there is only required to be Succeeded. */
async function ensureSubnet(arm: ResourceManagementClient, resource: HubResource, desired: () => DesiredResource, what: string): Promise<ProvisioningOutcome> {
  if (resource.action === 'create') return { provisioningState: (await ensure(arm, resource.id, NET, desired())).provisioningState };
  const subnet = await requireSucceeded(arm, resource.id, NET, what, repairable(resource, desired));
  return { provisioningState: provisioningStateOf(subnet) };
}

export async function createPrivateEndpointSubnet(arm: ResourceManagementClient, input: StepInput): Promise<ProvisioningOutcome> {
  const h = hub(input);
  await admitVpcInNsg(arm, input, h.privateEndpointNsg, privateEndpointRules(input.request.environmentId), 'The private endpoint NSG');
  return ensureSubnet(arm, h.privateEndpointSubnet, () => privateEndpointSubnet(input), 'The private endpoint subnet');
}

export async function createDnsResolverSubnet(arm: ResourceManagementClient, input: StepInput): Promise<ProvisioningOutcome> {
  const h = hub(input);
  await admitVpcInNsg(arm, input, h.dnsInboundNsg, dnsInboundRules(input.request.environmentId), 'The DNS inbound NSG');
  // The previous subnet write must have finished: Azure refuses concurrent subnet operations on a VNet.
  await requireSucceeded(arm, h.privateEndpointSubnet.id, NET, 'The private endpoint subnet', repairable(h.privateEndpointSubnet, () => privateEndpointSubnet(input)));
  return ensureSubnet(arm, h.dnsResolverSubnet, () => dnsResolverSubnet(input), 'The DNS resolver subnet');
}

// ---------------------------------------------------------------------------------------------------------
// Private endpoint and its DNS zone
// ---------------------------------------------------------------------------------------------------------

function privateDnsZone(input: StepInput): DesiredResource {
  return { body: { location: 'global', tags: hubTags(input.request), properties: {} } };
}

function virtualNetworkLink(input: StepInput): DesiredResource {
  return {
    body: {
      location: 'global',
      tags: hubTags(input.request),
      properties: { virtualNetwork: { id: built(input).virtualNetwork.id }, registrationEnabled: false },
    },
  };
}

function privateEndpoint(input: StepInput): DesiredResource {
  const n = built(input);
  return {
    body: {
      location: input.facts.location,
      tags: hubTags(input.request),
      properties: {
        subnet: { id: hub(input).privateEndpointSubnet.id },
        customNetworkInterfaceName: n.privateEndpointNicName,
        privateLinkServiceConnections: [
          {
            name: n.privateLinkServiceConnectionName,
            properties: { privateLinkServiceId: input.request.azure.openAiAccountId, groupIds: ['account'] },
          },
        ],
      },
    },
  };
}

function privateDnsZoneGroup(input: StepInput): DesiredResource {
  return { body: { properties: { privateDnsZoneConfigs: [{ name: 'openai', properties: { privateDnsZoneId: hub(input).privateDnsZone.id } }] } } };
}

export async function createPrivateDnsZone(arm: ResourceManagementClient, input: StepInput): Promise<ProvisioningOutcome> {
  return { provisioningState: await ensureOnHub(arm, hub(input).privateDnsZone, API_VERSIONS.privateDns, () => privateDnsZone(input)) };
}

export async function linkPrivateDnsZone(arm: ResourceManagementClient, input: StepInput): Promise<ProvisioningOutcome> {
  const h = hub(input);
  await requireSucceeded(arm, h.privateDnsZone.id, API_VERSIONS.privateDns, 'The private DNS zone', repairable(h.privateDnsZone, () => privateDnsZone(input)));
  return { provisioningState: await ensureOnHub(arm, h.virtualNetworkLink, API_VERSIONS.privateDns, () => virtualNetworkLink(input)) };
}

export async function createPrivateEndpoint(arm: ResourceManagementClient, input: StepInput): Promise<ProvisioningOutcome> {
  const h = hub(input);
  if (h.privateEndpoint.action !== 'create') return { provisioningState: await ensureOnHub(arm, h.privateEndpoint, NET, () => privateEndpoint(input)) };
  await requireSucceeded(arm, h.privateEndpointSubnet.id, NET, 'The private endpoint subnet', repairable(h.privateEndpointSubnet, () => privateEndpointSubnet(input)));
  const result = await ensure(arm, h.privateEndpoint.id, NET, privateEndpoint(input));
  return { provisioningState: result.provisioningState };
}

/** The endpoint's record in the zone: `<account subdomain>` under privatelink.openai.azure.com. */
function recordSetId(input: StepInput): string {
  return `${hub(input).privateDnsZone.id}/A/${input.facts.openAiHost.split('.')[0]}`;
}

/**
 * The zone group makes Azure write the endpoint's A record into the zone (and keep it current). An endpoint
 * that is not ours has no zone group of ours: its record is written here when the zone lacks it. A record
 * already there is left as it is (another endpoint may own it); the probe proves whether it answers right.
 */
export async function registerPrivateEndpointInZone(arm: ResourceManagementClient, input: StepInput): Promise<ProvisioningOutcome> {
  const h = hub(input);
  const endpoint = await requireSucceeded(arm, h.privateEndpoint.id, NET, 'The private endpoint', repairable(h.privateEndpoint, () => privateEndpoint(input)));
  await requireSucceeded(arm, h.virtualNetworkLink.id, API_VERSIONS.privateDns, 'The private DNS zone link', repairable(h.virtualNetworkLink, () => virtualNetworkLink(input)));
  if (h.privateDnsZoneGroup) {
    return { provisioningState: await ensureOnHub(arm, h.privateDnsZoneGroup, NET, () => privateDnsZoneGroup(input)) };
  }
  const id = recordSetId(input);
  const record = await getArmResource(arm, id, API_VERSIONS.privateDns);
  if (record) return { provisioningState: provisioningStateOf(record) };
  const privateIp = await endpointNicAddress(arm, endpoint);
  if (!privateIp) throw new ResourceNotReady(`The private endpoint ${nameOf(h.privateEndpoint.id)} has no private IP yet`);
  const result = await ensureArmResource(arm, id, API_VERSIONS.privateDns, { properties: { ttl: 10, aRecords: [{ ipv4Address: privateIp }] } });
  return { provisioningState: result.provisioningState };
}

/** The first private address among a NIC's ip configurations. */
function nicAddress(nic: ArmResourceView | undefined): string | undefined {
  const configs: { properties?: { privateIPAddress?: string } }[] = nic?.properties?.ipConfigurations ?? [];
  return configs.map((c) => c.properties?.privateIPAddress).find((ip): ip is string => !!ip);
}

async function endpointNicAddress(arm: ResourceManagementClient, endpoint: ArmResourceView): Promise<string | undefined> {
  const nicId = endpoint.properties.networkInterfaces?.[0]?.id as string | undefined;
  return nicAddress(nicId ? await getArmResource(arm, nicId, NET) : undefined);
}

/** The A record the zone group wrote for the endpoint (the group's view of its record sets). */
function zoneGroupAddress(group: ArmResourceView | undefined): string | undefined {
  const configs: { properties?: { recordSets?: { recordType?: string; ipAddresses?: string[] }[] } }[] = group?.properties?.privateDnsZoneConfigs ?? [];
  for (const config of configs) {
    const record = (config.properties?.recordSets ?? []).find((r) => r.recordType === 'A' && r.ipAddresses?.length);
    if (record) return record.ipAddresses![0];
  }
  return undefined;
}

/** The endpoint's connection to the account: automatic, or manual on an endpoint another team made. */
function accountConnectionStatus(endpoint: ArmResourceView, accountId: string): string | undefined {
  const connections: any[] = [...(endpoint.properties.privateLinkServiceConnections ?? []), ...(endpoint.properties.manualPrivateLinkServiceConnections ?? [])];
  const toAccount = connections.find((c) => String(c?.properties?.privateLinkServiceId ?? '').toLowerCase() === accountId.toLowerCase()) ?? connections[0];
  return toAccount?.properties?.privateLinkServiceConnectionState?.status;
}

/**
 * The endpoint's address. With a zone group Azure leaves `customDnsConfigs` empty, so the address comes from
 * the endpoint's NIC (the id the endpoint names) or, failing that, from the record the zone group wrote.
 */
export async function readPrivateEndpointAddress(arm: ResourceManagementClient, input: StepInput): Promise<PrivateEndpointAddress> {
  const h = hub(input);
  const endpoint = await requireSucceeded(arm, h.privateEndpoint.id, NET, 'The private endpoint', repairable(h.privateEndpoint, () => privateEndpoint(input)));
  const group = h.privateDnsZoneGroup
    ? await requireSucceeded(arm, h.privateDnsZoneGroup.id, NET, 'The private endpoint zone group', repairable(h.privateDnsZoneGroup, () => privateDnsZoneGroup(input)))
    : undefined;
  const status = accountConnectionStatus(endpoint, input.request.azure.openAiAccountId);
  if (status !== 'Approved') {
    throw new ResourceNotReady(`The private endpoint connection to the OpenAI account is ${status ?? 'unknown'}, not Approved`);
  }
  const privateIp = (await endpointNicAddress(arm, endpoint)) ?? zoneGroupAddress(group);
  if (!privateIp) throw new ResourceNotReady(`The private endpoint ${nameOf(h.privateEndpoint.id)} has no private IP yet (neither its NIC nor its zone group shows one)`);
  return { privateIp, connectionStatus: status };
}

// ---------------------------------------------------------------------------------------------------------
// DNS Private Resolver
// ---------------------------------------------------------------------------------------------------------

function dnsResolver(input: StepInput): DesiredResource {
  return {
    body: { location: input.facts.location, tags: hubTags(input.request), properties: { virtualNetwork: { id: built(input).virtualNetwork.id } } },
  };
}

function inboundEndpoint(input: StepInput): DesiredResource {
  return {
    body: {
      location: input.facts.location,
      tags: hubTags(input.request),
      properties: { ipConfigurations: [{ subnet: { id: hub(input).dnsResolverSubnet.id }, privateIpAllocationMethod: 'Dynamic' }] },
    },
  };
}

export async function createDnsResolver(arm: ResourceManagementClient, input: StepInput): Promise<ProvisioningOutcome> {
  return { provisioningState: await ensureOnHub(arm, hub(input).dnsResolver, API_VERSIONS.dnsResolver, () => dnsResolver(input)) };
}

export async function createInboundEndpoint(arm: ResourceManagementClient, input: StepInput): Promise<ProvisioningOutcome> {
  const h = hub(input);
  if (h.inboundEndpoint.action !== 'create') return { provisioningState: await ensureOnHub(arm, h.inboundEndpoint, API_VERSIONS.dnsResolver, () => inboundEndpoint(input)) };
  await requireSucceeded(arm, h.dnsResolver.id, API_VERSIONS.dnsResolver, 'The DNS private resolver', repairable(h.dnsResolver, () => dnsResolver(input)));
  await requireSucceeded(arm, h.dnsResolverSubnet.id, NET, 'The DNS resolver subnet', repairable(h.dnsResolverSubnet, () => dnsResolverSubnet(input)));
  const result = await ensure(arm, h.inboundEndpoint.id, API_VERSIONS.dnsResolver, inboundEndpoint(input));
  return { provisioningState: result.provisioningState };
}

export async function readInboundEndpointAddress(arm: ResourceManagementClient, input: StepInput): Promise<InboundEndpointAddress> {
  const h = hub(input);
  const endpoint = await requireSucceeded(arm, h.inboundEndpoint.id, API_VERSIONS.dnsResolver, 'The DNS inbound endpoint', repairable(h.inboundEndpoint, () => inboundEndpoint(input)));
  const inboundIp = endpoint.properties.ipConfigurations?.[0]?.privateIpAddress as string | undefined;
  if (!inboundIp) throw new ResourceNotReady(`The DNS inbound endpoint ${nameOf(h.inboundEndpoint.id)} has no IP yet`);
  return { inboundIp };
}
