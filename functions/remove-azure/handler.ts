/** Lambda: the Azure removal steps of the teardown. The state machine names the action; each is a plain function of remove-azure.ts or restore-public-access.ts. */
import { removeAzureClients } from './clients';
import { actionHandler } from '../commons/handler';
import type { TeardownActions } from '../commons/teardown-data';
import * as removal from './remove-azure';
import { restorePublicAccess } from './restore-public-access';

/** Each action's input, as statemachine/teardown.asl.json passes it (commons/teardown-data.ts). */
type Input<Action extends keyof TeardownActions['remove-azure']> = TeardownActions['remove-azure'][Action]['input'];

export const handler = actionHandler('remove-azure', removeAzureClients, {
  restorePublicAccess: (input: Input<'restorePublicAccess'>, c) => restorePublicAccess(c.arm, input),
  removeSecurityRules: (input: Input<'removeSecurityRules'>, c) => removal.removeSecurityRules(c.arm, input),
  removeZoneGroup: (input: Input<'removeZoneGroup'>, c) => removal.removeZoneGroup(c.arm, input),
  removePrivateEndpoint: (input: Input<'removePrivateEndpoint'>, c) => removal.removePrivateEndpoint(c.arm, input),
  removeZoneLink: (input: Input<'removeZoneLink'>, c) => removal.removeZoneLink(c.arm, input),
  removeZone: (input: Input<'removeZone'>, c) => removal.removeZone(c.arm, input),
  removeInboundEndpoint: (input: Input<'removeInboundEndpoint'>, c) => removal.removeInboundEndpoint(c.arm, input),
  removeResolver: (input: Input<'removeResolver'>, c) => removal.removeResolver(c.arm, input),
  removeSubnet: (input: Input<'removeSubnet'>, c) => removal.removeSubnet(c.arm, input),
  removeNetworkSecurityGroup: (input: Input<'removeNetworkSecurityGroup'>, c) => removal.removeNetworkSecurityGroup(c.arm, input),
  removeConnections: (input: Input<'removeConnections'>, c) => removal.removeConnections(c.arm, input),
  removeLocalNetworkGateways: (input: Input<'removeLocalNetworkGateways'>, c) => removal.removeLocalNetworkGateways(c.arm, input),
  removeVpnGateway: (input: Input<'removeVpnGateway'>, c) => removal.removeVpnGateway(c.arm, input),
  removePublicIp: (input: Input<'removePublicIp'>, c) => removal.removePublicIp(c.arm, input),
});
