/** Lambda: joining the AWS tunnels on the Azure side and checking both ends. */
import { actionHandler } from '../commons/handler';
import * as tunnels from './tunnels';

export const handler = actionHandler('tunnels', {
  createLocalNetworkGateways: (input, c) => tunnels.createLocalNetworkGateways(c.arm, input),
  connectTunnels: (input, c) => tunnels.connectTunnels(c.arm, c.secrets, input),
  checkTunnels: (input, c) => tunnels.checkTunnels(c.arm, c.ec2, c.secrets, input),
});
