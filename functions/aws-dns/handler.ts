/** Lambda: DNS forwarding on the AWS side (Route 53 Resolver). */
import { actionHandler } from '../commons/handler';
import * as dns from './aws-dns';

export const handler = actionHandler('aws-dns', {
  createForwardingSecurityGroup: (input, c) => dns.createForwardingSecurityGroup(c.ec2, c.ec2Once, input),
  createOutboundEndpoint: (input, c) => dns.createOutboundEndpoint(c.resolver, input),
  createForwardingRule: (input, c) => dns.createForwardingRule(c.resolver, input),
  associateRule: (input, c) => dns.associateRule(c.resolver, input),
  checkRuleAssociation: (input, c) => dns.checkRuleAssociation(c.resolver, input),
});
