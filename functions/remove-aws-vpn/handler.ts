/** Lambda: the AWS VPN removal steps of the teardown. The state machine names the action; each is a plain function of remove-aws-vpn.ts. */
import { removeAwsVpnClients } from './clients';
import { actionHandler } from '../commons/handler';
import type { TeardownActions } from '../commons/teardown-data';
import * as removal from './remove-aws-vpn';

/** Each action's input, as statemachine/teardown.asl.json passes it (commons/teardown-data.ts). */
type Input<Action extends keyof TeardownActions['remove-aws-vpn']> = TeardownActions['remove-aws-vpn'][Action]['input'];

export const handler = actionHandler('remove-aws-vpn', removeAwsVpnClients, {
  removeVpnConnection: (input: Input<'removeVpnConnection'>, c) => removal.removeVpnConnection(c.ec2, input),
  detachVpnGateway: (input: Input<'detachVpnGateway'>, c) => removal.detachVpnGateway(c.ec2, input),
  removeVpnGateway: (input: Input<'removeVpnGateway'>, c) => removal.removeVpnGateway(c.ec2, input),
  removeCustomerGateway: (input: Input<'removeCustomerGateway'>, c) => removal.removeCustomerGateway(c.ec2, input),
  scheduleTunnelKeyDeletion: (input: Input<'scheduleTunnelKeyDeletion'>, c) => removal.scheduleTunnelKeyDeletion(c.secrets, input),
});
