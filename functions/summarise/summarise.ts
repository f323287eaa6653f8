/**
 * The execution's output: a short summary a person reads in the console. What was created, the private IP,
 * tunnel states, the probe's results. Only ids, ARNs and addresses: no secret reaches here.
 */
import { resourceNames } from '../commons/naming';
import type { FinishedState } from '../commons/workflow-data';

// The finished state's shape, `built` included, is the workflow's one contract (commons/workflow-data.ts).
export type { BuiltResources, FinishedState } from '../commons/workflow-data';

export function summarise(state: FinishedState) {
  const names = resourceNames(state.request);
  const option = state.request.options.publicNetworkAccess;
  const locked = option !== 'keep';
  const finalProbe = state.probeAfterLock ?? state.probe;
  const { vpn, dns, probeFunction } = state.built;
  return {
    environmentId: state.request.environmentId,
    result: `Private path proven: ${state.facts.openAiHost} resolves to ${dns.privateEndpoint.privateIp} inside ${state.request.aws.vpcId} and answers over the VPN.`,
    openAiEndpoint: `https://${state.facts.openAiHost}/`,
    privateEndpointIp: dns.privateEndpoint.privateIp,
    dnsInboundEndpointIp: dns.forwarding.inboundIp,
    azureGatewayPublicIp: state.gatewayAddress.publicIp,
    publicNetworkAccess: locked ? 'Disabled' : 'Enabled',
    tunnels: state.tunnelCheck.tunnels,
    probe: finalProbe,
    probes: [state.probe, ...(state.probeAfterLock ? [state.probeAfterLock] : [])],
    created: {
      aws: {
        customerGateway: vpn.customerGatewayId,
        virtualPrivateGateway: vpn.vpnGatewayId,
        vpnConnection: vpn.vpnConnectionId,
        tunnelKeySecrets: vpn.pskSecretArns,
        resolverOutboundEndpoint: dns.forwarding.resolverEndpointId,
        forwardingRule: dns.forwarding.resolverRuleId,
        probeFunction: probeFunction.functionName,
      },
      azure: {
        resourceGroup: names.azure.resourceGroup,
        vpnGateway: names.azure.vpnGateway.name,
        publicIp: names.azure.publicIp.name,
        localNetworkGateways: names.azure.tunnels.slice(0, state.tunnelCheck.tunnels.length).map((t) => t.localNetworkGateway.name),
        connections: names.azure.tunnels.slice(0, state.tunnelCheck.tunnels.length).map((t) => t.connection.name),
        privateEndpoint: names.azure.privateEndpoint.name,
        privateDnsZone: names.azure.privateDnsZone.name,
        dnsResolver: names.azure.dnsResolver.name,
        subnets: [names.azure.gatewaySubnet.name, names.azure.privateEndpointSubnet.name, names.azure.dnsInboundSubnet.name],
      },
    },
  };
}
