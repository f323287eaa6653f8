/** The Route 53 Resolver client (region and endpoint from the SDK's standard variables, see ec2.ts). */
import { Route53ResolverClient } from '@aws-sdk/client-route53resolver';

export function resolverClient(): Route53ResolverClient {
  return new Route53ResolverClient({});
}
