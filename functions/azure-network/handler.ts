/** Lambda: the Azure network steps. The state machine names the action; each is a plain function of azure-network.ts. */
import { actionHandler } from '../commons/handler';
import * as azure from './azure-network';

export const handler = actionHandler('azure-network', {
  createGatewaySubnetAndPublicIp: (input, clients) => azure.createGatewaySubnetAndPublicIp(clients.arm, input),
  readGatewayPublicIp: (input, clients) => azure.readGatewayPublicIp(clients.arm, input),
  createVpnGateway: (input, clients) => azure.createVpnGateway(clients.arm, input),
  checkVpnGateway: (input, clients) => azure.checkVpnGateway(clients.arm, input),
  createNetworkSecurityGroups: (input, clients) => azure.createNetworkSecurityGroups(clients.arm, input),
  createPrivateEndpointSubnet: (input, clients) => azure.createPrivateEndpointSubnet(clients.arm, input),
  createDnsResolverSubnet: (input, clients) => azure.createDnsResolverSubnet(clients.arm, input),
  createPrivateDnsZone: (input, clients) => azure.createPrivateDnsZone(clients.arm, input),
  linkPrivateDnsZone: (input, clients) => azure.linkPrivateDnsZone(clients.arm, input),
  createPrivateEndpoint: (input, clients) => azure.createPrivateEndpoint(clients.arm, input),
  registerPrivateEndpointInZone: (input, clients) => azure.registerPrivateEndpointInZone(clients.arm, input),
  readPrivateEndpointAddress: (input, clients) => azure.readPrivateEndpointAddress(clients.arm, input),
  createDnsResolver: (input, clients) => azure.createDnsResolver(clients.arm, input),
  createInboundEndpoint: (input, clients) => azure.createInboundEndpoint(clients.arm, input),
  readInboundEndpointAddress: (input, clients) => azure.readInboundEndpointAddress(clients.arm, input),
});
