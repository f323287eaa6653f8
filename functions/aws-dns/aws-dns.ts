/**
 * DNS forwarding on the AWS side (seed 000, step 5): a security group allowing TCP and UDP 53 out to the Azure
 * inbound endpoint only, a Route 53 Resolver outbound endpoint in two AZs, the FORWARD rule for
 * `openai.azure.com`, and its association with the VPC.
 */
import type { EC2Client, IpPermission } from '@aws-sdk/client-ec2';
import {
  AssociateResolverRuleCommand,
  CreateResolverEndpointCommand,
  CreateResolverRuleCommand,
  GetResolverEndpointCommand,
  GetResolverRuleAssociationCommand,
  ListResolverEndpointsCommand,
  ListResolverRulesCommand,
  ListTagsForResourceCommand,
  type ResolverEndpoint,
  type ResolverRule,
  type Route53ResolverClient,
} from '@aws-sdk/client-route53resolver';
import { ensureEgressOnlyGroup } from '../commons/security-groups';
import { cloudErrorCode } from '../commons/cloud-errors';
import { invocationLog } from '../commons/logger';
import { ResourceConflict, ResourceFailed, ResourceNotReady } from '../commons/errors';
import { ruleAssociationsWith } from '../commons/resolver-lookups';
import { creatorRequestIdGenerations, ec2Tags, isCreatorRequestIdOf, MANAGED_BY, OPENAI_DOMAIN, resourceNames, TAG_ENVIRONMENT, TAG_MANAGED_BY } from '../commons/naming';
import { carriesOurTags, tagObject } from '../commons/ownership';
import { allPages } from '../commons/pages';
import type {
  EnvironmentRequest,
  ForwardingRule,
  ForwardingRuleInput,
  ForwardingSecurityGroup,
  ForwardingSecurityGroupInput,
  OutboundEndpoint,
  OutboundEndpointInput,
  RuleAssociation,
  RuleAssociationCheckInput,
  RuleAssociationInput,
  RuleAssociationStatus,
} from '../commons/workflow-data';

export function dnsEgressRules(inboundIp: string): IpPermission[] {
  const to = [{ CidrIp: `${inboundIp}/32`, Description: 'Azure DNS Private Resolver inbound endpoint' }];
  return [
    { IpProtocol: 'udp', FromPort: 53, ToPort: 53, IpRanges: to },
    { IpProtocol: 'tcp', FromPort: 53, ToPort: 53, IpRanges: to },
  ];
}

export async function createForwardingSecurityGroup(ec2: EC2Client, ec2Once: EC2Client, input: ForwardingSecurityGroupInput): Promise<ForwardingSecurityGroup> {
  const name = resourceNames(input.request).aws.dnsOutboundSecurityGroup;
  const securityGroupId = await ensureEgressOnlyGroup(
    ec2,
    ec2Once,
    input.request,
    name,
    'Route 53 Resolver outbound endpoint: DNS to the Azure inbound endpoint only',
    dnsEgressRules(input.inboundIp),
  );
  return { securityGroupId };
}

/**
 * Look up, create, and if the create is refused because it already happened (a lost answer retried by the
 * SDK, a redrive), look up again. The service refuses a used CreatorRequestId instead of answering the
 * resource, so the look-up is what makes a re-run create nothing.
 */
async function lookUpThenCreate<T>(what: string, lookUp: () => Promise<T | undefined>, create: () => Promise<T>, alreadyDone: string[]): Promise<T> {
  const log = invocationLog();
  const existing = await lookUp();
  if (existing) {
    log.info('found', { resource: what });
    return existing;
  }
  try {
    const created = await create();
    log.info('created', { resource: what });
    return created;
  } catch (error) {
    if (!alreadyDone.includes(cloudErrorCode(error))) throw error;
    const after = await lookUp();
    if (!after) throw error;
    log.info('adopted', { resource: what, why: `the create was refused as done already (${cloudErrorCode(error)}) and the look-up finds it` });
    return after;
  }
}

/** A resource found by our CreatorRequestId is adopted only if it carries our managed-by and environment tags. */
async function requireManagedByUs(resolver: Route53ResolverClient, request: EnvironmentRequest, what: string, arn: string | undefined): Promise<void> {
  const tags = (await resolver.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags;
  if (!carriesOurTags(tagObject(tags), request.environmentId)) {
    throw new ResourceConflict(
      `${what} ${arn} has this environment's creator request id but not the tags ${TAG_MANAGED_BY}=${MANAGED_BY} and ${TAG_ENVIRONMENT}=${request.environmentId}; it is left alone`,
    );
  }
}

/**
 * Creates with the first generation of the creator request id that the service does not refuse as used: a
 * refusal after which the look-up finds ours means a lost answer (done already); one after which it finds
 * nothing means a generation used by a build that a teardown has since removed.
 */
async function createWithFreshGeneration<T>(creatorRequestId: string, lookUp: () => Promise<T | undefined>, create: (id: string) => Promise<T>): Promise<T> {
  let refused: unknown;
  for (const generation of creatorRequestIdGenerations(creatorRequestId)) {
    try {
      return await create(generation);
    } catch (error) {
      if (cloudErrorCode(error) !== 'ResourceExistsException') throw error;
      const found = await lookUp();
      if (found) return found;
      refused = error;
    }
  }
  throw refused;
}

/**
 * What carries our creator request id (its first generation) or our name: the one of them with one of our
 * generations is ours, once its tags say so. Later generations always carry our name.
 */
async function listedByIdOrName<T extends { Id?: string }>(list: (filter: { Name: string; Values: string[] }) => Promise<T[]>, creatorRequestId: string, name: string): Promise<T[]> {
  const seen = new Map<string, T>();
  for (const filter of [
    { Name: 'CreatorRequestId', Values: [creatorRequestId] },
    { Name: 'Name', Values: [name] },
  ]) {
    for (const item of await list(filter)) if (item.Id && !seen.has(item.Id)) seen.set(item.Id, item);
  }
  return [...seen.values()];
}

async function findOutboundEndpoint(resolver: Route53ResolverClient, request: EnvironmentRequest, creatorRequestId: string): Promise<ResolverEndpoint | undefined> {
  const endpoints = await listedByIdOrName(
    (filter) =>
      allPages((NextToken) =>
        resolver.send(new ListResolverEndpointsCommand({ NextToken, Filters: [filter] })).then((page) => ({ items: page.ResolverEndpoints, NextToken: page.NextToken })),
      ),
    creatorRequestId,
    resourceNames(request).aws.resolverEndpoint,
  );
  const found = endpoints.find((e) => isCreatorRequestIdOf(creatorRequestId, e.CreatorRequestId));
  if (found) await requireManagedByUs(resolver, request, 'Route 53 Resolver endpoint', found.Arn);
  return found;
}

export async function createOutboundEndpoint(resolver: Route53ResolverClient, input: OutboundEndpointInput): Promise<OutboundEndpoint> {
  const names = resourceNames(input.request).aws;
  const creatorRequestId = names.creatorRequestIds.resolverEndpoint;
  const lookUp = () => findOutboundEndpoint(resolver, input.request, creatorRequestId);
  const create = async (generation: string) =>
    (
      await resolver.send(
        new CreateResolverEndpointCommand({
          CreatorRequestId: generation,
          Name: names.resolverEndpoint,
          Direction: 'OUTBOUND',
          SecurityGroupIds: [input.securityGroupId],
          IpAddresses: input.request.aws.resolverSubnetIds.map((SubnetId) => ({ SubnetId })),
          Tags: ec2Tags(input.request.environmentId, names.resolverEndpoint),
        }),
      )
    ).ResolverEndpoint!;
  const endpoint = await lookUpThenCreate(
    'Route 53 Resolver outbound endpoint',
    lookUp,
    () => createWithFreshGeneration(creatorRequestId, lookUp, create),
    ['ResourceExistsException'],
  );
  if (endpoint.Direction !== 'OUTBOUND' || endpoint.HostVPCId !== input.request.aws.vpcId) {
    throw new ResourceConflict(`Route 53 Resolver endpoint ${endpoint.Id} is ${endpoint.Direction} in ${endpoint.HostVPCId}, not OUTBOUND in ${input.request.aws.vpcId}`);
  }
  // Found OPERATIONAL (a re-run): nothing to wait for.
  return { resolverEndpointId: endpoint.Id!, ready: endpoint.Status === 'OPERATIONAL' };
}

async function findForwardingRule(resolver: Route53ResolverClient, request: EnvironmentRequest, creatorRequestId: string): Promise<ResolverRule | undefined> {
  const rules = await listedByIdOrName(
    (filter) =>
      allPages((NextToken) =>
        resolver.send(new ListResolverRulesCommand({ NextToken, Filters: [filter] })).then((page) => ({ items: page.ResolverRules, NextToken: page.NextToken })),
      ),
    creatorRequestId,
    resourceNames(request).aws.resolverRule,
  );
  const found = rules.find((r) => isCreatorRequestIdOf(creatorRequestId, r.CreatorRequestId));
  if (found) await requireManagedByUs(resolver, request, 'Route 53 Resolver rule', found.Arn);
  return found;
}

export async function createForwardingRule(resolver: Route53ResolverClient, input: ForwardingRuleInput): Promise<ForwardingRule> {
  const names = resourceNames(input.request).aws;
  const endpoint = (await resolver.send(new GetResolverEndpointCommand({ ResolverEndpointId: input.resolverEndpointId }))).ResolverEndpoint;
  if (endpoint?.Status === 'CREATING' || endpoint?.Status === 'UPDATING') {
    throw new ResourceNotReady(`Route 53 Resolver outbound endpoint ${input.resolverEndpointId} is ${endpoint.Status}`);
  }
  if (endpoint?.Status !== 'OPERATIONAL') {
    throw new ResourceFailed(`Route 53 Resolver outbound endpoint ${input.resolverEndpointId} is ${endpoint?.Status}: ${endpoint?.StatusMessage ?? ''}`);
  }
  const creatorRequestId = names.creatorRequestIds.resolverRule;
  const lookUp = () => findForwardingRule(resolver, input.request, creatorRequestId);
  const create = async (generation: string) =>
    (
      await resolver.send(
        new CreateResolverRuleCommand({
          CreatorRequestId: generation,
          Name: names.resolverRule,
          RuleType: 'FORWARD',
          DomainName: OPENAI_DOMAIN,
          TargetIps: [{ Ip: input.inboundIp, Port: 53 }],
          ResolverEndpointId: input.resolverEndpointId,
          Tags: ec2Tags(input.request.environmentId, names.resolverRule),
        }),
      )
    ).ResolverRule!;
  const rule = await lookUpThenCreate(
    'Route 53 Resolver forwarding rule',
    lookUp,
    () => createWithFreshGeneration(creatorRequestId, lookUp, create),
    ['ResourceExistsException'],
  );
  // A rule found from an earlier run must still forward only openai.azure.com (a wider domain would send other
  // Azure names over the VPN) to today's inbound endpoint through today's endpoint.
  const domain = (rule.DomainName ?? '').replace(/\.$/, '').toLowerCase();
  if (rule.RuleType !== 'FORWARD' || domain !== OPENAI_DOMAIN) {
    throw new ResourceConflict(`Route 53 Resolver rule ${rule.Id} is a ${rule.RuleType} rule for ${rule.DomainName}, not a FORWARD rule for ${OPENAI_DOMAIN}`);
  }
  const targets = (rule.TargetIps ?? []).map((t) => `${t.Ip}:${t.Port ?? 53}`);
  if (rule.ResolverEndpointId !== input.resolverEndpointId || targets.length !== 1 || targets[0] !== `${input.inboundIp}:53`) {
    throw new ResourceConflict(
      `Route 53 Resolver rule ${rule.Id} forwards to ${targets.join(', ') || 'nothing'} through ${rule.ResolverEndpointId}, ` +
        `not to ${input.inboundIp}:53 through ${input.resolverEndpointId}`,
    );
  }
  return { resolverRuleId: rule.Id! };
}

async function findAssociation(resolver: Route53ResolverClient, resolverRuleId: string, vpcId: string) {
  return (await ruleAssociationsWith(resolver, resolverRuleId, vpcId))[0];
}

/**
 * AssociateResolverRule takes no request id, and a repeat may be refused with the same InvalidRequestException
 * as a clash with another rule for the domain: only a look-up tells them apart, so look up first and after.
 */
export async function associateRule(resolver: Route53ResolverClient, input: RuleAssociationInput): Promise<RuleAssociation> {
  const vpcId = input.request.aws.vpcId;
  const association = await lookUpThenCreate(
    'Route 53 Resolver rule association',
    () => findAssociation(resolver, input.resolverRuleId, vpcId),
    async () =>
      (
        await resolver.send(
          new AssociateResolverRuleCommand({ ResolverRuleId: input.resolverRuleId, VPCId: vpcId, Name: resourceNames(input.request).aws.resolverRuleAssociation }),
        )
      ).ResolverRuleAssociation!,
    ['ResourceExistsException', 'InvalidRequestException'],
  );
  return { associationId: association.Id!, ready: association.Status === 'COMPLETE' };
}

export async function checkRuleAssociation(resolver: Route53ResolverClient, input: RuleAssociationCheckInput): Promise<RuleAssociationStatus> {
  const association = (await resolver.send(new GetResolverRuleAssociationCommand({ ResolverRuleAssociationId: input.associationId }))).ResolverRuleAssociation;
  if (association?.Status === 'CREATING') throw new ResourceNotReady(`Resolver rule association ${input.associationId} is CREATING`);
  if (association?.Status !== 'COMPLETE') {
    throw new ResourceFailed(`Resolver rule association ${input.associationId} is ${association?.Status}: ${association?.StatusMessage ?? ''}`);
  }
  return { status: association.Status };
}
