/**
 * The plan (contract local-cloud.md `--plan`, `aoai-link plan`): what a run of the request would do to each
 * resource, and what the result costs a month. Pure: it works from what the request check's discovery and the
 * look-ups of the environment's own names found (cli/plan.ts reads them, read-only), so the real clouds and the
 * emulated ones give their plans through the same code.
 */
import type { BgpFacts, EnvironmentFacts, HubFacts, HubResource } from './workflow-data';
import type { EnvironmentRequest } from './request/contract';
import type { NamedResource } from './ownership';
import { isOurs } from './ownership';
import { bgpTable } from './bgp';
import { resourceNames } from './naming';
import { dnsInboundRules, privateEndpointRules } from './security-rules';
import type { TeardownInventory } from './teardown-data';
import { AZURE_VPN_GATEWAY_PER_HOUR, HOURS_PER_MONTH, PRICES, USAGE_CHARGES, monthly, sourceOf, type Price, type UsageCharge } from './prices';

export type PlanAction = 'create' | 'adopt' | 'update' | 'keep' | 'delete';

export interface PlannedResource {
  cloud: 'aws' | 'azure';
  /** As report.json names types: EC2 tagging names and the other services' nouns, ARM types. */
  type: string;
  name: string;
  action: PlanAction;
  reason: string;
}

export interface CostItem {
  item: string;
  /** Per month; null for a usage charge, named but not estimated. */
  usd: number | null;
  source: string;
}

export interface Plan {
  environmentId: string;
  actions: PlannedResource[];
  /**
   * Provisioning: what the environment's resources cost a month once the plan is carried out (adopted ones are
   * another team's bill). Teardown: what stops being billed, as negative amounts.
   */
  monthlyCostUsd: { total: number; items: CostItem[] };
}

/** What the look-ups found besides the request check's own output (cli/plan.ts readProvisionLookups). */
export interface ProvisionLookups {
  /** The environment's AWS resources by name, and its Azure connections and local network gateways (named-resources.ts). */
  found: NamedResource[];
  /** Our forwarding rule's associations with the request's VPC. */
  ruleAssociationIds: string[];
  /** Per route table of the request: does it propagate routes from the environment's VGW already. */
  propagatingRouteTables: Record<string, boolean>;
  /** ARM ids of the environment's security rules that exist in the hub's NSGs (lower case). */
  securityRuleIds: string[];
  /** The OpenAI account's publicNetworkAccess as ARM reports it. */
  accountPublicNetworkAccess?: string;
}

const NET = 'Microsoft.Network';

/** The hub's resources in the order the workflow meets them, with their ARM types. */
const HUB_TYPES: [keyof HubFacts, string][] = [
  ['gatewaySubnet', `${NET}/virtualNetworks/subnets`],
  ['publicIp', `${NET}/publicIPAddresses`],
  ['vpnGateway', `${NET}/virtualNetworkGateways`],
  ['privateEndpointSubnet', `${NET}/virtualNetworks/subnets`],
  ['privateEndpointNsg', `${NET}/networkSecurityGroups`],
  ['privateEndpoint', `${NET}/privateEndpoints`],
  ['privateDnsZoneGroup', `${NET}/privateEndpoints/privateDnsZoneGroups`],
  ['privateDnsZone', `${NET}/privateDnsZones`],
  ['virtualNetworkLink', `${NET}/privateDnsZones/virtualNetworkLinks`],
  ['dnsResolverSubnet', `${NET}/virtualNetworks/subnets`],
  ['dnsInboundNsg', `${NET}/networkSecurityGroups`],
  ['dnsResolver', `${NET}/dnsResolvers`],
  ['inboundEndpoint', `${NET}/dnsResolvers/inboundEndpoints`],
];

const lastSegment = (id: string) => id.split('/').pop() ?? id;

function hubAction(resource: HubResource): Pick<PlannedResource, 'action' | 'reason'> {
  if (resource.action === 'create') return { action: 'create', reason: 'nothing on the hub serves this yet: built for the hub (tagged for the hub, not for one environment)' };
  if (resource.action === 'adopt') return { action: 'adopt', reason: "another team's, found on the hub: used as it is, never changed or deleted" };
  return { action: 'keep', reason: `the product's, built earlier for the hub${resource.ready ? '' : '; not ready yet: the run waits for it'}` };
}

function hubActions(hub: HubFacts, bgp: BgpFacts | undefined): PlannedResource[] {
  const actions: PlannedResource[] = [];
  for (const [key, type] of HUB_TYPES) {
    const resource = hub[key] as HubResource | undefined;
    if (!resource) continue;
    const planned: PlannedResource = { cloud: 'azure', type, name: lastSegment(resource.id), ...hubAction(resource) };
    if (key === 'vpnGateway' && bgp?.gatewayNeedsAddresses && resource.action === 'use') {
      planned.action = 'update';
      planned.reason = "the product's hub gateway lacks this environment's custom APIPA addresses: they are added in place";
    }
    actions.push(planned);
    if (key === 'publicIp' && bgp) actions.push({ cloud: 'azure', type, name: lastSegment(bgp.secondPublicIp.id), ...hubAction(bgp.secondPublicIp) });
  }
  return actions;
}

/** One of the environment's own resources, found by its name: ours is kept, none is created. */
function ownAction(found: NamedResource[], environmentId: string, cloud: 'aws' | 'azure', kind: string, type: string, name: string): PlannedResource {
  const match = found.find((r) => r.cloud === cloud && r.kind === kind && r.name.toLowerCase() === name.toLowerCase());
  if (!match) return { cloud, type, name, action: 'create', reason: 'nothing carries this name yet' };
  if (isOurs(match, environmentId)) return { cloud, type, name, action: 'keep', reason: `exists (${match.id}) and is this environment's: checked, not built again` };
  // The request check refuses a look-alike before the plan is made; this is only said, never acted on.
  return { cloud, type, name, action: 'keep', reason: `exists (${match.id}) but is not this environment's: the request check refuses it` };
}

/** The plan of a provisioning run: the hub's decisions, then the environment's own resources. */
export function provisionPlan(request: EnvironmentRequest, facts: Pick<EnvironmentFacts, 'hub' | 'bgp'>, lookups: ProvisionLookups): Plan {
  const env = request.environmentId;
  const names = resourceNames(request);
  const own = (cloud: 'aws' | 'azure', kind: string, type: string, name: string) => ownAction(lookups.found, env, cloud, kind, type, name);
  const actions: PlannedResource[] = [];

  // AWS: the VPN side, then DNS, then the probe.
  for (const name of names.aws.customerGateways) actions.push(own('aws', 'customer gateway', 'customer-gateway', name));
  const vgw = own('aws', 'virtual private gateway', 'vpn-gateway', names.aws.vpnGateway);
  actions.push(vgw);
  for (const routeTableId of request.aws.routeTableIds) {
    actions.push(
      lookups.propagatingRouteTables[routeTableId]
        ? { cloud: 'aws', type: 'route-table', name: routeTableId, action: 'keep', reason: 'already propagates the VPN gateway\'s routes' }
        : { cloud: 'aws', type: 'route-table', name: routeTableId, action: 'update', reason: 'route propagation from the VPN gateway is turned on (the table itself is not ours and is not otherwise changed)' },
    );
  }
  for (const name of names.aws.pskSecretNames) actions.push(own('aws', 'Secrets Manager secret', 'secret', name));
  for (const name of names.aws.vpnConnections) actions.push(own('aws', 'VPN connection', 'vpn-connection', name));
  actions.push(own('aws', 'security group', 'security-group', names.aws.dnsOutboundSecurityGroup));
  actions.push(own('aws', 'Route 53 Resolver outbound endpoint', 'resolver-endpoint', names.aws.resolverEndpoint));
  const rule = own('aws', 'Route 53 Resolver rule', 'resolver-rule', names.aws.resolverRule);
  actions.push(rule);
  actions.push(
    rule.action === 'keep' && lookups.ruleAssociationIds.length > 0
      ? { cloud: 'aws', type: 'resolver-rule-association', name: names.aws.resolverRuleAssociation, action: 'keep', reason: `the rule is associated with ${request.aws.vpcId} (${lookups.ruleAssociationIds.join(', ')})` }
      : { cloud: 'aws', type: 'resolver-rule-association', name: names.aws.resolverRuleAssociation, action: 'create', reason: `the rule is not associated with ${request.aws.vpcId} yet` },
  );
  actions.push(own('aws', 'security group', 'security-group', names.aws.probeSecurityGroup));
  actions.push(own('aws', 'Lambda function', 'function', names.aws.probeFunction));

  // Azure: the hub, then this environment's tunnels and rules on it, then the account.
  actions.push(...hubActions(facts.hub, facts.bgp));
  const tunnels = request.options.tunnels === 'one' ? names.azure.tunnels.slice(0, 1) : names.azure.tunnels;
  for (const tunnel of tunnels) {
    actions.push(own('azure', 'local network gateway', `${NET}/localNetworkGateways`, tunnel.localNetworkGateway.name));
    actions.push(own('azure', 'connection', `${NET}/connections`, tunnel.connection.name));
  }
  const rules: [HubResource | undefined, string[]][] = [
    [facts.hub.privateEndpointNsg, privateEndpointRules(env).map((r) => r.name)],
    [facts.hub.dnsInboundNsg, dnsInboundRules(env).map((r) => r.name)],
  ];
  const existingRules = new Set(lookups.securityRuleIds.map((id) => id.toLowerCase()));
  for (const [nsg, ruleNames] of rules) {
    if (!nsg) continue;
    for (const ruleName of ruleNames) {
      const exists = existingRules.has(`${nsg.id}/securityRules/${ruleName}`.toLowerCase());
      actions.push({
        cloud: 'azure',
        type: `${NET}/networkSecurityGroups/securityRules`,
        name: `${lastSegment(nsg.id)}/${ruleName}`,
        action: exists ? 'keep' : 'create',
        reason: exists ? "this environment's rule (named for it) is there" : "this environment's own rule in the hub's NSG (the NSG itself is not changed otherwise)",
      });
    }
  }
  actions.push(accountAction(request, lookups.accountPublicNetworkAccess));

  return { environmentId: env, actions, monthlyCostUsd: costOf(actions, request, 1) };
}

function accountAction(request: EnvironmentRequest, publicNetworkAccess: string | undefined): PlannedResource {
  const base = { cloud: 'azure' as const, type: 'Microsoft.CognitiveServices/accounts', name: lastSegment(request.azure.openAiAccountId) };
  if (request.options.publicNetworkAccess === 'keep') return { ...base, action: 'adopt', reason: 'used as it is: options.publicNetworkAccess is "keep"' };
  if (publicNetworkAccess === 'Disabled') return { ...base, action: 'adopt', reason: 'used as it is: its public network access is already disabled' };
  const when = request.options.publicNetworkAccess === 'disable-first' ? 'before the path is built' : 'once the probe has proved the private path';
  return { ...base, action: 'update', reason: `its public network access is disabled ${when}` };
}

/** The plan of a teardown, from the teardown's own inventory (which only reads). */
export function teardownPlan(request: EnvironmentRequest, inventory: TeardownInventory): Plan {
  const actions: PlannedResource[] = [
    ...inventory.ours.map((r): PlannedResource => ({ cloud: r.cloud, type: r.type, name: r.name, action: 'delete', reason: 'ours, and nothing else uses it: removed' })),
    ...inventory.kept.map((r): PlannedResource => ({ cloud: r.cloud, type: r.type, name: r.name, action: 'keep', reason: r.reason })),
    ...inventory.foreign.map((r): PlannedResource => ({ cloud: r.cloud, type: r.type, name: r.name, action: 'keep', reason: `not ours, left: ${r.reason}` })),
  ];
  return { environmentId: inventory.environmentId, actions, monthlyCostUsd: costOf(actions.filter((a) => a.action === 'delete'), request, -1) };
}

// ---------------------------------------------------------------------------------------------------------
// The cost
// ---------------------------------------------------------------------------------------------------------

const money = (usd: number) => `$${usd}`;
const perUnit = (price: Price) => (price.unit === 'hour' ? `${HOURS_PER_MONTH} h × ${money(price.usd)}` : `${money(price.usd)} a month`);

/** The price of one planned resource, or none (free, or billed by use only). */
function priceOf(resource: PlannedResource, request: EnvironmentRequest): { label: string; price: Price; quantity: number } | undefined {
  switch (resource.type) {
    case 'vpn-connection':
      return { label: `AWS Site-to-Site VPN connection ${resource.name}`, price: PRICES.awsVpnConnection, quantity: 1 };
    case 'resolver-endpoint': {
      // One network interface per IP address: one per resolver subnet, at least two.
      const interfaces = Math.max(2, request.aws.resolverSubnetIds.length);
      return { label: `Route 53 Resolver outbound endpoint ${resource.name} (${interfaces} ENIs)`, price: PRICES.route53ResolverEndpointEni, quantity: interfaces };
    }
    case `${NET}/virtualNetworkGateways`: {
      const sku = request.azure.gatewaySku;
      const price = AZURE_VPN_GATEWAY_PER_HOUR[sku];
      return price ? { label: `Azure VPN gateway ${resource.name} (${sku})`, price, quantity: 1 } : undefined;
    }
    case `${NET}/publicIPAddresses`:
      return { label: `Azure public IP ${resource.name} (Standard, static)`, price: PRICES.azurePublicIpStandard, quantity: 1 };
    case `${NET}/privateEndpoints`:
      return { label: `Azure private endpoint ${resource.name}`, price: PRICES.azurePrivateEndpoint, quantity: 1 };
    case `${NET}/dnsResolvers/inboundEndpoints`:
      return { label: `Azure DNS Private Resolver inbound endpoint ${resource.name}`, price: PRICES.azureDnsResolverInboundEndpoint, quantity: 1 };
    case `${NET}/privateDnsZones`:
      return { label: `Azure private DNS zone ${resource.name}`, price: PRICES.azurePrivateDnsZone, quantity: 1 };
    default:
      return undefined;
  }
}

/**
 * The monthly cost of the resources given (sign -1: what stops). Adopted resources are another team's bill and
 * are left out; an unknown gateway SKU is named with no figure rather than guessed.
 */
export function costOf(actions: PlannedResource[], request: EnvironmentRequest, sign: 1 | -1): Plan['monthlyCostUsd'] {
  const items: CostItem[] = [];
  for (const resource of actions) {
    if (resource.action === 'adopt') continue;
    const priced = priceOf(resource, request);
    if (priced) {
      const usd = sign * monthly(priced.price, priced.quantity);
      items.push({ item: `${priced.label}: ${priced.quantity > 1 ? `${priced.quantity} × ` : ''}${perUnit(priced.price)}`, usd: usd === 0 ? 0 : usd, source: sourceOf(priced.price) });
    } else if (resource.type === `${NET}/virtualNetworkGateways`) {
      items.push({ item: `Azure VPN gateway ${resource.name} (${request.azure.gatewaySku}): no price in the table for this SKU`, usd: null, source: 'functions/commons/prices.ts' });
    }
  }
  const total = Math.round(items.reduce((sum, item) => sum + (item.usd ?? 0), 0) * 100) / 100;
  if (sign === 1) items.push(...USAGE_CHARGES.map((charge: UsageCharge) => ({ item: `usage, not estimated: ${charge.item} (${charge.rate})`, usd: null, source: charge.source })));
  return { total: total === 0 ? 0 : total, items };
}

// ---------------------------------------------------------------------------------------------------------
// As printed
// ---------------------------------------------------------------------------------------------------------

const SIGNS: Record<PlanAction, string> = { create: '+', update: '~', adopt: '<', keep: '=', delete: '-' };

/** The plan as a person reads it, like `terraform plan`: one line per resource, the counts, the cost, the BGP table. */
export function planLines(plan: Plan, options: { bgp?: BgpFacts; teardown?: boolean } = {}): string[] {
  const { bgp, teardown } = options;
  const lines = [`Plan for environment ${plan.environmentId} (nothing was changed to make it):`, ''];
  const width = Math.max(...plan.actions.map((a) => a.type.length), 4);
  const nameWidth = Math.max(...plan.actions.map((a) => a.name.length), 4);
  for (const a of plan.actions) {
    lines.push(`  ${SIGNS[a.action]} ${a.action.padEnd(6)} ${a.cloud.padEnd(5)} ${a.type.padEnd(width)}  ${a.name.padEnd(nameWidth)}  ${a.reason}`);
  }
  const count = (action: PlanAction) => plan.actions.filter((a) => a.action === action).length;
  lines.push('', `Plan: ${count('create')} to create, ${count('update')} to update, ${count('adopt')} to adopt, ${count('keep')} to keep, ${count('delete')} to delete.`);
  if (bgp) lines.push('', ...bgpTable(bgp));
  lines.push('', teardown ? 'Monthly cost that stops (USD, list prices):' : 'Monthly cost once applied (USD, list prices; adopted resources are their owners\' bill):');
  for (const item of plan.monthlyCostUsd.items) if (item.usd !== null) lines.push(`  ${item.usd.toFixed(2).padStart(9)}  ${item.item}`);
  lines.push(`  ${plan.monthlyCostUsd.total.toFixed(2).padStart(9)}  total`);
  const unpriced = plan.monthlyCostUsd.items.filter((item) => item.usd === null);
  if (unpriced.length) {
    lines.push('  Not in the total:');
    for (const item of unpriced) lines.push(`    - ${item.item}`);
  }
  lines.push('  Sources: functions/commons/prices.ts (each price with its page and the day it was read).');
  return lines;
}
