/** Lambda: the probe removal steps of the teardown (the probe function, then its security group). */
import { removeProbeClients } from './clients';
import { actionHandler } from '../commons/handler';
import type { TeardownActions } from '../commons/teardown-data';
import * as removal from './remove-probe';

/** Each action's input, as statemachine/teardown.asl.json passes it (commons/teardown-data.ts). */
type Input<Action extends keyof TeardownActions['remove-probe']> = TeardownActions['remove-probe'][Action]['input'];

export const handler = actionHandler('remove-probe', removeProbeClients, {
  removeProbeFunction: (input: Input<'removeProbeFunction'>, c) => removal.removeProbeFunction(c.lambda, input),
  removeProbeSecurityGroup: (input: Input<'removeProbeSecurityGroup'>, c) => removal.removeProbeSecurityGroup(c.ec2, input),
});
