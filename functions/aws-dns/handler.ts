/** Lambda: DNS forwarding on the AWS side (Route 53 Resolver). */
import { awsDnsClients } from './clients';
import { actionHandler } from '../commons/handler';
import type { ActionInput, WorkflowActions } from '../commons/workflow-data';
import * as dns from './aws-dns';

/** Each action's input, as the state machine's Parameters pass it (commons/workflow-data.ts). */
type Input<Action extends keyof WorkflowActions['aws-dns']> = ActionInput<'aws-dns', Action>;

export const handler = actionHandler('aws-dns', awsDnsClients, {
  createForwardingSecurityGroup: (input: Input<'createForwardingSecurityGroup'>, c) => dns.createForwardingSecurityGroup(c.ec2, c.ec2Once, input),
  createOutboundEndpoint: (input: Input<'createOutboundEndpoint'>, c) => dns.createOutboundEndpoint(c.resolver, input),
  createForwardingRule: (input: Input<'createForwardingRule'>, c) => dns.createForwardingRule(c.resolver, input),
  associateRule: (input: Input<'associateRule'>, c) => dns.associateRule(c.resolver, input),
  checkRuleAssociation: (input: Input<'checkRuleAssociation'>, c) => dns.checkRuleAssociation(c.resolver, input),
});
