/** Route 53 Resolver look-ups that the DNS step, the teardown's inventory and its removal all make. */
import { ListResolverRuleAssociationsCommand, type ResolverRuleAssociation, type Route53ResolverClient } from '@aws-sdk/client-route53resolver';
import { allPages } from './pages';

/** The associations of one rule with one VPC, every page read (the filters are checked again on each answer). */
export async function ruleAssociationsWith(resolver: Route53ResolverClient, resolverRuleId: string, vpcId: string): Promise<ResolverRuleAssociation[]> {
  const associations = await allPages((NextToken) =>
    resolver
      .send(
        new ListResolverRuleAssociationsCommand({
          NextToken,
          Filters: [
            { Name: 'ResolverRuleId', Values: [resolverRuleId] },
            { Name: 'VPCId', Values: [vpcId] },
          ],
        }),
      )
      .then((page) => ({ items: page.ResolverRuleAssociations, NextToken: page.NextToken })),
  );
  return associations.filter((a) => a.ResolverRuleId === resolverRuleId && a.VPCId === vpcId);
}
