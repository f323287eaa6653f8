/** Lambda: the AWS VPN steps. The state machine names the action; each is a plain function of aws-vpn.ts. */
import { awsVpnClients } from './clients';
import { actionHandler } from '../commons/handler';
import type { ActionInput, WorkflowActions } from '../commons/workflow-data';
import * as vpn from './aws-vpn';

/** Each action's input, as the state machine's Parameters pass it (commons/workflow-data.ts). */
type Input<Action extends keyof WorkflowActions['aws-vpn']> = ActionInput<'aws-vpn', Action>;

export const handler = actionHandler('aws-vpn', awsVpnClients, {
  createCustomerGateway: (input: Input<'createCustomerGateway'>, c) => vpn.createCustomerGateway(c.ec2, c.ec2Once, input),
  createVpnGateway: (input: Input<'createVpnGateway'>, c) => vpn.createVpnGateway(c.ec2, c.ec2Once, input),
  attachVpnGateway: (input: Input<'attachVpnGateway'>, c) => vpn.attachVpnGateway(c.ec2, input),
  enableRoutePropagation: (input: Input<'enableRoutePropagation'>, c) => vpn.enableRoutePropagation(c.ec2, input),
  createVpnConnection: (input: Input<'createVpnConnection'>, c) => vpn.createVpnConnection(c.ec2, c.ec2Once, c.secrets, input),
  completeVpnConnection: (input: Input<'completeVpnConnection'>, c) => vpn.completeVpnConnection(c.ec2, input),
});
