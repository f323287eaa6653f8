/**
 * The execution's output: a short summary a person reads in the console. What was created, what of the hub
 * was created, used or adopted, the private IP, tunnel states, the probe's results. Only ids, ARNs and
 * addresses: no secret reaches here.
 */
import { bgpTable } from '../commons/bgp';
import { dnsInboundRules, privateEndpointRules } from '../commons/security-rules';
import { resourceNames } from '../commons/naming';
import type { FinishedState, HubAction, HubFacts, HubResource } from '../commons/workflow-data';

// The finished state's shape, `built` included, is the workflow's one contract (commons/workflow-data.ts).
export type { BuiltResources, FinishedState } from '../commons/workflow-data';

/** The past tense a person reads: what this environment did with the hub resource. */
const DONE: Record<HubAction, 'created' | 'used' | 'adopted'> = { create: 'created', use: 'used', adopt: 'adopted' };

export interface HubResourceSummary {
  name: string;
  id: string;
  /** created: this run built it for the hub; used: the product built it earlier; adopted: another team's, left as it was. */
  action: 'created' | 'used' | 'adopted';
}

function described(resource: HubResource): HubResourceSummary {
  return { name: resource.id.split('/').pop() ?? resource.id, id: resource.id, action: DONE[resource.action] };
}

/** Every hub resource the environment relies on, in the order they are built; absent optional ones are left out. */
export function hubSummary(hub: HubFacts, secondPublicIp?: HubResource): Record<string, HubResourceSummary> {
  const entries = Object.entries({
    gatewaySubnet: hub.gatewaySubnet,
    publicIp: hub.publicIp,
    secondPublicIp,
    vpnGateway: hub.vpnGateway,
    privateEndpointNsg: hub.privateEndpointNsg,
    privateEndpointSubnet: hub.privateEndpointSubnet,
    dnsInboundNsg: hub.dnsInboundNsg,
    dnsResolverSubnet: hub.dnsResolverSubnet,
    privateDnsZone: hub.privateDnsZone,
    virtualNetworkLink: hub.virtualNetworkLink,
    privateEndpoint: hub.privateEndpoint,
    privateDnsZoneGroup: hub.privateDnsZoneGroup,
    dnsResolver: hub.dnsResolver,
    inboundEndpoint: hub.inboundEndpoint,
  }).filter((entry): entry is [string, HubResource] => entry[1] !== undefined);
  return Object.fromEntries(entries.map(([key, resource]) => [key, described(resource)]));
}

export function summarise(state: FinishedState) {
  const names = resourceNames(state.request);
  const hub = state.facts.hub;
  const option = state.request.options.publicNetworkAccess;
  const locked = option !== 'keep';
  const finalProbe = state.probeAfterLock ?? state.probe;
  const { vpn, dns, probeFunction } = state.built;
  const env = state.request.environmentId;
  const down = state.tunnelCheck.down ?? [];
  const rulesIn = (nsg: HubResource | undefined, rules: { name: string }[]) => (nsg ? rules.map((r) => `${nsg.id.split('/').pop()}/${r.name}`) : []);
  return {
    environmentId: env,
    result:
      `Private path proven: ${state.facts.openAiHost} resolves to ${dns.privateEndpoint.privateIp} inside ${state.request.aws.vpcId} and answers over the VPN.` +
      (down.length ? ` Degraded: tunnel${down.length === 1 ? '' : 's'} ${down.join(', ')} of ${state.tunnelCheck.tunnels.length} down; BGP carries the path over the others.` : ''),
    openAiEndpoint: `https://${state.facts.openAiHost}/`,
    privateEndpointIp: dns.privateEndpoint.privateIp,
    dnsInboundEndpointIp: dns.forwarding.inboundIp,
    azureGatewayPublicIp: state.gatewayAddress.publicIp,
    publicNetworkAccess: locked ? 'Disabled' : 'Enabled',
    tunnels: state.tunnelCheck.tunnels,
    ...(down.length ? { tunnelsDown: down } : {}),
    routing: state.facts.bgp ? 'bgp' : 'static',
    /** With BGP: the tunnel mapping as a table, and each session as both clouds last reported it. */
    ...(state.facts.bgp
      ? {
          bgp: {
            azureGatewayPublicIps: state.gatewayAddress.addresses,
            mapping: bgpTable(state.facts.bgp),
            sessions: state.bgpCheck?.sessions ?? [],
          },
        }
      : {}),
    probe: finalProbe,
    probes: [state.probe, ...(state.probeAfterLock ? [state.probeAfterLock] : [])],
    /** The hub's resources, each created, used or adopted by this environment. */
    hub: hubSummary(hub, state.facts.bgp?.secondPublicIp),
    created: {
      aws: {
        customerGateway: vpn.customerGatewayId,
        ...(vpn.customerGatewayIds.length > 1 ? { customerGateways: vpn.customerGatewayIds } : {}),
        virtualPrivateGateway: vpn.vpnGatewayId,
        vpnConnection: vpn.vpnConnectionId,
        ...(vpn.vpnConnectionIds.length > 1 ? { vpnConnections: vpn.vpnConnectionIds } : {}),
        tunnelKeySecrets: vpn.pskSecretArns,
        resolverOutboundEndpoint: dns.forwarding.resolverEndpointId,
        forwardingRule: dns.forwarding.resolverRuleId,
        probeFunction: probeFunction.functionName,
      },
      /** This environment's own resources on Azure (the hub's are under `hub`). */
      azure: {
        resourceGroup: names.azure.resourceGroup,
        localNetworkGateways: names.azure.tunnels.slice(0, state.tunnelCheck.tunnels.length).map((t) => t.localNetworkGateway.name),
        connections: names.azure.tunnels.slice(0, state.tunnelCheck.tunnels.length).map((t) => t.connection.name),
        securityRules: [...rulesIn(hub.privateEndpointNsg, privateEndpointRules(env)), ...rulesIn(hub.dnsInboundNsg, dnsInboundRules(env))],
      },
    },
  };
}
