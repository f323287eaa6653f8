/**
 * The execution's output: a short summary a person reads in the console. What was created, the private IP,
 * tunnel states, the probe's results. Only ids, ARNs and addresses: no secret reaches here.
 */
import { resourceNames } from '../commons/naming';
import type { EnvironmentRequest } from '../commons/request';
import type { EnvironmentFacts } from '../validate-request/validate';

interface ProbeSummary {
  label?: string;
  dns: { ok: boolean; answers: string[] };
  tcp: { ok: boolean };
  api: { ok: boolean; status: number | null };
}

export interface FinishedState {
  request: EnvironmentRequest;
  facts: EnvironmentFacts;
  gatewayAddress: { publicIp: string };
  built: {
    customerGatewayId: string;
    vpnGatewayId: string;
    vpnConnectionId: string;
    pskSecretArns: string[];
    privateIp: string;
    inboundIp: string;
    resolverEndpointId: string;
    resolverRuleId: string;
    probeFunction: string;
  };
  tunnelCheck: { tunnels: { tunnel: number; outsideIp: string; aws: string; azure: string }[] };
  probe: ProbeSummary;
  probeAfterLock?: ProbeSummary;
}

export function summarise(state: FinishedState) {
  const names = resourceNames(state.request);
  const option = state.request.options.publicNetworkAccess;
  const locked = option !== 'keep';
  const finalProbe = state.probeAfterLock ?? state.probe;
  return {
    environmentId: state.request.environmentId,
    result: `Private path proven: ${state.facts.openAiHost} resolves to ${state.built.privateIp} inside ${state.request.aws.vpcId} and answers over the VPN.`,
    openAiEndpoint: `https://${state.facts.openAiHost}/`,
    privateEndpointIp: state.built.privateIp,
    dnsInboundEndpointIp: state.built.inboundIp,
    azureGatewayPublicIp: state.gatewayAddress.publicIp,
    publicNetworkAccess: locked ? 'Disabled' : 'Enabled',
    tunnels: state.tunnelCheck.tunnels,
    probe: finalProbe,
    probes: [state.probe, ...(state.probeAfterLock ? [state.probeAfterLock] : [])],
    created: {
      aws: {
        customerGateway: state.built.customerGatewayId,
        virtualPrivateGateway: state.built.vpnGatewayId,
        vpnConnection: state.built.vpnConnectionId,
        tunnelKeySecrets: state.built.pskSecretArns,
        resolverOutboundEndpoint: state.built.resolverEndpointId,
        forwardingRule: state.built.resolverRuleId,
        probeFunction: state.built.probeFunction,
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
