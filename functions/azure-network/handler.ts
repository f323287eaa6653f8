/** Lambda: the Azure network steps. The state machine names the action; each is a plain function of azure-network.ts. */
import { azureNetworkClients } from './clients';
import { actionHandler } from '../commons/handler';
import type { ActionInput, WorkflowActions } from '../commons/workflow-data';
import * as azure from './azure-network';

/** Each action's input, as the state machine's Parameters pass it (commons/workflow-data.ts). */
type Input<Action extends keyof WorkflowActions['azure-network']> = ActionInput<'azure-network', Action>;

export const handler = actionHandler('azure-network', azureNetworkClients, {
  createGatewaySubnetAndPublicIp: (input: Input<'createGatewaySubnetAndPublicIp'>, c) => azure.createGatewaySubnetAndPublicIp(c.arm, input),
  readGatewayPublicIp: (input: Input<'readGatewayPublicIp'>, c) => azure.readGatewayPublicIp(c.arm, input),
  createVpnGateway: (input: Input<'createVpnGateway'>, c) => azure.createVpnGateway(c.arm, input),
  checkVpnGateway: (input: Input<'checkVpnGateway'>, c) => azure.checkVpnGateway(c.arm, input),
  createNetworkSecurityGroups: (input: Input<'createNetworkSecurityGroups'>, c) => azure.createNetworkSecurityGroups(c.arm, input),
  createPrivateEndpointSubnet: (input: Input<'createPrivateEndpointSubnet'>, c) => azure.createPrivateEndpointSubnet(c.arm, input),
  createDnsResolverSubnet: (input: Input<'createDnsResolverSubnet'>, c) => azure.createDnsResolverSubnet(c.arm, input),
  createPrivateDnsZone: (input: Input<'createPrivateDnsZone'>, c) => azure.createPrivateDnsZone(c.arm, input),
  linkPrivateDnsZone: (input: Input<'linkPrivateDnsZone'>, c) => azure.linkPrivateDnsZone(c.arm, input),
  createPrivateEndpoint: (input: Input<'createPrivateEndpoint'>, c) => azure.createPrivateEndpoint(c.arm, input),
  registerPrivateEndpointInZone: (input: Input<'registerPrivateEndpointInZone'>, c) => azure.registerPrivateEndpointInZone(c.arm, input),
  readPrivateEndpointAddress: (input: Input<'readPrivateEndpointAddress'>, c) => azure.readPrivateEndpointAddress(c.arm, input),
  createDnsResolver: (input: Input<'createDnsResolver'>, c) => azure.createDnsResolver(c.arm, input),
  createInboundEndpoint: (input: Input<'createInboundEndpoint'>, c) => azure.createInboundEndpoint(c.arm, input),
  readInboundEndpointAddress: (input: Input<'readInboundEndpointAddress'>, c) => azure.readInboundEndpointAddress(c.arm, input),
});
