/**
 * Removes the DNS forwarding on the AWS side, in the order Route 53 Resolver allows: the rule's association
 * with the VPC, the rule (refused while associated), the outbound endpoint (refused while a rule uses it),
 * then its security group (refused while the endpoint's network interfaces remain).
 *
 * The endpoint and the rule are found as aws-dns.ts finds them, by their creator request id (keyed by
 * environment and VPC), and also by their name, so a look-alike with our name is seen and left. Removed only
 * when they carry our tags and our creator request id: the same environment id in another VPC has its own.
 */
import {
  DeleteResolverEndpointCommand,
  DeleteResolverRuleCommand,
  DisassociateResolverRuleCommand,
  ListResolverEndpointsCommand,
  ListResolverRuleAssociationsCommand,
  ListResolverRulesCommand,
  ListTagsForResourceCommand,
  type Route53ResolverClient,
} from '@aws-sdk/client-route53resolver';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { absent, deleteOrWait, left, whyNotOurs } from '../commons/aws-removal';
import { removeOwnSecurityGroup } from '../commons/security-group-removal';
import { cloudErrorCode } from '../commons/cloud-errors';
import { ResourceConflict, ResourceNotReady } from '../commons/errors';
import { isCreatorRequestIdOf, resourceNames } from '../commons/naming';
import { carriesOurTags, tagObject } from '../commons/ownership';
import { allPages } from '../commons/pages';
import type { EnvironmentRequest } from '../commons/request/contract';
import type { RemovalInput, RemovalOutcome } from '../commons/teardown-data';

type Filter = { Name: string; Values: string[] };

interface ResolverItem {
  Id?: string;
  Arn?: string;
  CreatorRequestId?: string;
  Status?: string;
}

const listRules = (resolver: Route53ResolverClient, filter: Filter) =>
  allPages((NextToken) =>
    resolver.send(new ListResolverRulesCommand({ NextToken, Filters: [filter] })).then((page) => ({ items: page.ResolverRules, NextToken: page.NextToken })),
  );

const listEndpoints = (resolver: Route53ResolverClient, filter: Filter) =>
  allPages((NextToken) =>
    resolver
      .send(new ListResolverEndpointsCommand({ NextToken, Filters: [filter] }))
      .then((page) => ({ items: page.ResolverEndpoints, NextToken: page.NextToken })),
  );

const listAssociations = (resolver: Route53ResolverClient, filters: Filter[]) =>
  allPages((NextToken) =>
    resolver
      .send(new ListResolverRuleAssociationsCommand({ NextToken, Filters: filters }))
      .then((page) => ({ items: page.ResolverRuleAssociations, NextToken: page.NextToken })),
  );

type Found<T> = { mine: T; outcome?: undefined } | { mine?: undefined; outcome: RemovalOutcome };

/**
 * Ours: found by our creator request id and tagged for this environment. Anything else found by the name or
 * the id is a look-alike: the answer is `left` for the first of them, or `absent` when there is none.
 */
async function ourResolverItem<T extends ResolverItem>(
  resolver: Route53ResolverClient,
  request: EnvironmentRequest,
  list: (filter: Filter) => Promise<T[]>,
  name: string,
  creatorRequestId: string,
): Promise<Found<T>> {
  const seen = new Map<string, T>();
  for (const filter of [
    // Later generations of the id (a build after a teardown) always carry our name.
    { Name: 'CreatorRequestId', Values: [creatorRequestId] },
    { Name: 'Name', Values: [name] },
  ]) {
    for (const item of await list(filter)) if (item.Id && !seen.has(item.Id)) seen.set(item.Id, item);
  }
  let lookAlike: RemovalOutcome | undefined;
  for (const item of seen.values()) {
    const tags = tagObject(item.Arn ? (await resolver.send(new ListTagsForResourceCommand({ ResourceArn: item.Arn }))).Tags : []);
    const ours = carriesOurTags(tags, request.environmentId);
    if (ours && isCreatorRequestIdOf(creatorRequestId, item.CreatorRequestId)) return { mine: item };
    lookAlike ??= left(
      item.Id!,
      ours ? `it is this environment's in another VPC (creator request id ${item.CreatorRequestId})` : whyNotOurs(tags, request.environmentId),
    );
  }
  return { outcome: lookAlike ?? absent() };
}

function ourRule(resolver: Route53ResolverClient, request: EnvironmentRequest) {
  const names = resourceNames(request).aws;
  return ourResolverItem(resolver, request, (filter) => listRules(resolver, filter), names.resolverRule, names.creatorRequestIds.resolverRule);
}

function ourEndpoint(resolver: Route53ResolverClient, request: EnvironmentRequest) {
  const names = resourceNames(request).aws;
  return ourResolverItem(resolver, request, (filter) => listEndpoints(resolver, filter), names.resolverEndpoint, names.creatorRequestIds.resolverEndpoint);
}

/**
 * Route 53 Resolver answers a second deletion of what is already DELETING (a resent call whose first answer
 * was lost), and an endpoint a rule still names, with the generic InvalidRequestException: only a look tells
 * those from a real refusal. The look says whether what the call was for is already going.
 */
async function deleteResolverItem(what: string, call: () => Promise<unknown>, stillInTheWay: () => Promise<string | undefined>): Promise<never> {
  try {
    await deleteOrWait(what, call);
  } catch (error) {
    if (cloudErrorCode(error) !== 'InvalidRequestException') throw error;
    const why = await stillInTheWay();
    if (why === undefined) throw error;
    throw new ResourceNotReady(`${what}: ${why}`);
  }
  throw new ResourceNotReady(`${what} is being deleted`);
}

/** The association of our rule with the request's VPC (it has no tags: a child of our rule is ours). */
export async function removeRuleAssociation(resolver: Route53ResolverClient, input: RemovalInput): Promise<RemovalOutcome> {
  const vpcId = input.request.aws.vpcId;
  const rule = await ourRule(resolver, input.request);
  if (!rule.mine) {
    if (rule.outcome.outcome === 'absent') return rule.outcome;
    // A look-alike rule's association with our VPC is someone else's too.
    const theirs = (await listAssociations(resolver, [{ Name: 'ResolverRuleId', Values: [rule.outcome.id!] }, { Name: 'VPCId', Values: [vpcId] }]))[0];
    return theirs?.Id ? left(theirs.Id, `its rule ${rule.outcome.id} is not this environment's: ${rule.outcome.reason}`) : absent();
  }
  const ruleId = rule.mine.Id!;
  const association = (await listAssociations(resolver, [{ Name: 'ResolverRuleId', Values: [ruleId] }, { Name: 'VPCId', Values: [vpcId] }])).find(
    (a) => a.ResolverRuleId === ruleId && a.VPCId === vpcId,
  );
  if (!association) return absent();
  if (association.Status === 'CREATING' || association.Status === 'DELETING') {
    throw new ResourceNotReady(`Resolver rule association ${association.Id} is ${association.Status}`);
  }
  return deleteResolverItem(
    `Resolver rule association ${association.Id} of ${ruleId} with ${vpcId}`,
    () => resolver.send(new DisassociateResolverRuleCommand({ ResolverRuleId: ruleId, VPCId: vpcId })),
    async () => {
      const now = (await listAssociations(resolver, [{ Name: 'ResolverRuleId', Values: [ruleId] }, { Name: 'VPCId', Values: [vpcId] }]))[0];
      return !now || now.Status === 'DELETING' ? 'it is already being removed' : undefined;
    },
  );
}

export async function removeForwardingRule(resolver: Route53ResolverClient, input: RemovalInput): Promise<RemovalOutcome> {
  const rule = await ourRule(resolver, input.request);
  if (!rule.mine) return rule.outcome;
  const ruleId = rule.mine.Id!;
  if (rule.mine.Status === 'DELETING') throw new ResourceNotReady(`Resolver rule ${ruleId} is DELETING`);
  const associations = await listAssociations(resolver, [{ Name: 'ResolverRuleId', Values: [ruleId] }]);
  const elsewhere = associations.filter((a) => a.VPCId !== input.request.aws.vpcId);
  if (elsewhere.length > 0) {
    // Associations this environment did not make: not ours to remove, and the rule cannot go while they stay.
    throw new ResourceConflict(
      `Resolver rule ${ruleId} is also associated with ${elsewhere.map((a) => a.VPCId).join(', ')}, which this environment did not associate; disassociate it there, then re-run the teardown`,
    );
  }
  if (associations.length > 0) throw new ResourceNotReady(`Resolver rule ${ruleId} is still associated with ${input.request.aws.vpcId}`);
  // Refused with ResourceInUseException while an association is still going: that waits.
  return deleteResolverItem(
    `Resolver rule ${ruleId}`,
    () => resolver.send(new DeleteResolverRuleCommand({ ResolverRuleId: ruleId })),
    async () => {
      const now = await ourRule(resolver, input.request);
      return !now.mine || now.mine.Status === 'DELETING' ? 'it is already being deleted' : undefined;
    },
  );
}

export async function removeOutboundEndpoint(resolver: Route53ResolverClient, input: RemovalInput): Promise<RemovalOutcome> {
  const endpoint = await ourEndpoint(resolver, input.request);
  if (!endpoint.mine) return endpoint.outcome;
  const endpointId = endpoint.mine.Id!;
  if (endpoint.mine.Status === 'DELETING') throw new ResourceNotReady(`Route 53 Resolver endpoint ${endpointId} is DELETING`);
  const ruleCreatorId = resourceNames(input.request).aws.creatorRequestIds.resolverRule;
  const usedBy = await listRules(resolver, { Name: 'ResolverEndpointId', Values: [endpointId] });
  const others = usedBy.filter((r) => !isCreatorRequestIdOf(ruleCreatorId, r.CreatorRequestId));
  if (others.length > 0) {
    throw new ResourceConflict(
      `Route 53 Resolver endpoint ${endpointId} is used by rules this environment did not create (${others.map((r) => r.Id).join(', ')}); delete or move them, then re-run the teardown`,
    );
  }
  if (usedBy.length > 0) throw new ResourceNotReady(`Route 53 Resolver endpoint ${endpointId} is still used by rule ${usedBy[0].Id}`);
  return deleteResolverItem(
    `Route 53 Resolver endpoint ${endpointId}`,
    () => resolver.send(new DeleteResolverEndpointCommand({ ResolverEndpointId: endpointId })),
    async () => {
      const still = await listRules(resolver, { Name: 'ResolverEndpointId', Values: [endpointId] });
      if (still.length > 0) return `it is still used by rule ${still[0].Id}`;
      const now = await ourEndpoint(resolver, input.request);
      return !now.mine || now.mine.Status === 'DELETING' ? 'it is already being deleted' : undefined;
    },
  );
}

export function removeDnsSecurityGroup(ec2: EC2Client, input: RemovalInput): Promise<RemovalOutcome> {
  return removeOwnSecurityGroup(ec2, input.request, resourceNames(input.request).aws.dnsOutboundSecurityGroup);
}
