/** Lambda: the DNS-forwarding removal steps of the teardown (Route 53 Resolver, and the endpoint's security group). */
import { removeAwsDnsClients } from './clients';
import { actionHandler } from '../commons/handler';
import type { TeardownActions } from '../commons/teardown-data';
import * as removal from './remove-aws-dns';

/** Each action's input, as statemachine/teardown.asl.json passes it (commons/teardown-data.ts). */
type Input<Action extends keyof TeardownActions['remove-aws-dns']> = TeardownActions['remove-aws-dns'][Action]['input'];

export const handler = actionHandler('remove-aws-dns', removeAwsDnsClients, {
  removeRuleAssociation: (input: Input<'removeRuleAssociation'>, c) => removal.removeRuleAssociation(c.resolver, input),
  removeForwardingRule: (input: Input<'removeForwardingRule'>, c) => removal.removeForwardingRule(c.resolver, input),
  removeOutboundEndpoint: (input: Input<'removeOutboundEndpoint'>, c) => removal.removeOutboundEndpoint(c.resolver, input),
  removeDnsSecurityGroup: (input: Input<'removeDnsSecurityGroup'>, c) => removal.removeDnsSecurityGroup(c.ec2, input),
});
