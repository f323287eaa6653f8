/** Lambda: the AWS VPN steps. The state machine names the action; each is a plain function of aws-vpn.ts. */
import { actionHandler } from '../commons/handler';
import * as vpn from './aws-vpn';

export const handler = actionHandler('aws-vpn', {
  createCustomerGateway: (input, c) => vpn.createCustomerGateway(c.ec2, c.ec2Once, input),
  createVpnGateway: (input, c) => vpn.createVpnGateway(c.ec2, c.ec2Once, input),
  attachVpnGateway: (input, c) => vpn.attachVpnGateway(c.ec2, input),
  enableRoutePropagation: (input, c) => vpn.enableRoutePropagation(c.ec2, input),
  createVpnConnection: (input, c) => vpn.createVpnConnection(c.ec2, c.ec2Once, c.secrets, input),
  completeVpnConnection: (input, c) => vpn.completeVpnConnection(c.ec2, input),
});
