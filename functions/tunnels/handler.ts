/** Lambda: joining the AWS tunnels on the Azure side and checking both ends. */
import { tunnelsClients } from './clients';
import { actionHandler } from '../commons/handler';
import type { ActionInput, WorkflowActions } from '../commons/workflow-data';
import * as tunnels from './tunnels';

/** Each action's input, as the state machine's Parameters pass it (commons/workflow-data.ts). */
type Input<Action extends keyof WorkflowActions['tunnels']> = ActionInput<'tunnels', Action>;

export const handler = actionHandler('tunnels', tunnelsClients, {
  createLocalNetworkGateways: (input: Input<'createLocalNetworkGateways'>, c) => tunnels.createLocalNetworkGateways(c.arm, input),
  connectTunnels: (input: Input<'connectTunnels'>, c) => tunnels.connectTunnels(c.arm, c.secrets, input),
  checkTunnels: (input: Input<'checkTunnels'>, c) => tunnels.checkTunnels(c.arm, c.ec2, c.secrets, input),
  checkBgpSessions: (input: Input<'checkBgpSessions'>, c) => tunnels.checkBgpSessions(c.arm, c.ec2, input),
});
