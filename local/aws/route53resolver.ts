/**
 * Route 53 Resolver (JSON 1.1): outbound endpoints, forwarding rules and their VPC associations.
 * A CreatorRequestId already used answers ResourceExistsException, as the real service does (aws/aws-cdk#5012),
 * not the resource made the first time: a caller whose create answer was lost must look the resource up.
 * List calls page (see listPage); a rule's DomainName comes back with the trailing dot the service adds.
 * A deletion reads DELETING (Get and List still answer it) until its latency has passed; then Get answers
 * ResourceNotFoundException and List leaves it out.
 */
import type { EmulatorContext } from '../cloud/context';
import { isGone, type ResolverEndpoint, type ResolverRule, type ResolverRuleAssociation, type Subnet, type Tag, type Timed } from '../cloud/state';
import { AwsServiceError } from './errors';
import { recordCreate } from './ec2-common';
import { isoTime, newId } from './ids';
import { cidrContainsIp, formatIpv4, parseCidr } from '../network/ipv4';
import { matchesJsonFilters, type JsonAction, type JsonHandler } from './json-protocol';
import { mergeTags } from './query';

const notFound = (message: string) => new AwsServiceError('ResourceNotFoundException', message);
const invalidParameter = (message: string) => new AwsServiceError('InvalidParameterException', message);
const invalidRequest = (message: string) => new AwsServiceError('InvalidRequestException', message);

/** Still known to the service: not yet gone (a DELETING one is). */
function present<T extends Timed>(ctx: EmulatorContext, items: T[]): T[] {
  const now = ctx.clock.now();
  return items.filter((item) => !isGone(item, now));
}

function arn(ctx: EmulatorContext, kind: string, id: string): string {
  return `arn:aws:route53resolver:${ctx.state.aws.region}:${ctx.state.aws.accountId}:${kind}/${id}`;
}

/** Domain names compare without the trailing dot the service appends. */
function sameDomain(a: string, b: string): boolean {
  return a.replace(/\.$/, '').toLowerCase() === b.replace(/\.$/, '').toLowerCase();
}

/** The service answers a rule's domain fully qualified, with a trailing dot, however it was sent. */
function fullyQualified(domain: string): string {
  return domain.endsWith('.') ? domain : `${domain}.`;
}

/** "If you don't specify a value for MaxResults, Resolver returns up to 100". */
const DEFAULT_MAX_RESULTS = 100;

/**
 * One page of a List call. Where the docs are silent, the least convenient reading: a page is MaxResults of the
 * account's resources counted before the filters apply, so a filtered page may be short or empty and still carry a
 * NextToken; a token is good only with the filters it was issued for ("you must use the same values for Filters").
 */
function listPage<T>(input: Record<string, any>, all: T[], matches: (item: T) => boolean): { items: T[]; NextToken?: string; MaxResults: number } {
  const max = input.MaxResults ?? DEFAULT_MAX_RESULTS;
  if (!Number.isInteger(max) || max < 1 || max > 100) throw invalidParameter(`1 validation error detected: MaxResults must be between 1 and 100 (got ${max})`);
  const filters = JSON.stringify(input.Filters ?? []);
  let start = 0;
  if (input.NextToken !== undefined) {
    let token: { start?: unknown; filters?: unknown } | undefined;
    try {
      token = JSON.parse(Buffer.from(String(input.NextToken), 'base64url').toString('utf8'));
    } catch {
      token = undefined;
    }
    if (!token || !Number.isInteger(token.start) || (token.start as number) < 0 || token.filters !== filters) {
      throw new AwsServiceError('InvalidNextTokenException', `[RSLVR-00106] The NextToken is not valid for this request`);
    }
    start = token.start as number;
  }
  const end = start + max;
  const items = all.slice(start, end).filter(matches);
  const NextToken = end < all.length ? Buffer.from(JSON.stringify({ start: end, filters }), 'utf8').toString('base64url') : undefined;
  return { items, MaxResults: max, ...(NextToken ? { NextToken } : {}) };
}

// ---- endpoints ------------------------------------------------------------------------------------------

function endpointStatus(e: ResolverEndpoint, now: number): string {
  if (e.deletedAt !== undefined) return 'DELETING';
  if (now < e.readyAt) return 'CREATING';
  return e.impaired?.Status ?? 'OPERATIONAL';
}

function endpointStatusMessage(e: ResolverEndpoint, status: string): string {
  if (status === 'OPERATIONAL') return 'This Resolver Endpoint is operational.';
  if (status === 'CREATING') return 'Creating the Resolver Endpoint';
  if (status === 'DELETING') return 'Deleting the Resolver Endpoint';
  return e.impaired?.StatusMessage ?? '';
}

function endpointJson(ctx: EmulatorContext, e: ResolverEndpoint) {
  const status = endpointStatus(e, ctx.clock.now());
  return {
    Id: e.Id,
    CreatorRequestId: e.CreatorRequestId,
    Arn: e.Arn,
    Name: e.Name,
    SecurityGroupIds: e.SecurityGroupIds,
    Direction: e.Direction,
    IpAddressCount: e.IpAddresses.length,
    HostVPCId: e.HostVPCId,
    Status: status,
    StatusMessage: endpointStatusMessage(e, status),
    CreationTime: isoTime(e.createdAt),
    ModificationTime: isoTime(e.createdAt),
    ResolverEndpointType: 'IPV4',
    Protocols: ['Do53'],
  };
}

function findEndpoint(ctx: EmulatorContext, id: string | undefined): ResolverEndpoint {
  const endpoint = present(ctx, ctx.state.aws.resolverEndpoints).find((e) => e.Id === id);
  if (!endpoint) throw notFound(`[RSLVR-00500] Can't find the resolver endpoint with ID "${id}". Trace Id: "emulated"`);
  return endpoint;
}

/** The next free address in the subnet: AWS keeps the first four and the last one for itself. */
function allocateIp(ctx: EmulatorContext, subnet: Subnet, taken: Set<string>): string {
  const range = parseCidr(subnet.CidrBlock);
  if (!range) throw invalidParameter(`Subnet ${subnet.SubnetId} has no usable CIDR`);
  for (let offset = 4; offset < range.size - 1; offset++) {
    const ip = formatIpv4(range.base + offset);
    if (!taken.has(ip)) return ip;
  }
  throw invalidRequest(`[RSLVR-00208] There are no free IP addresses in subnet ${subnet.SubnetId}`);
}

const createResolverEndpoint: JsonHandler = (ctx, input) => {
  const aws = ctx.state.aws;
  const creatorRequestId = input.CreatorRequestId as string | undefined;
  if (!creatorRequestId) throw invalidParameter('1 validation error detected: CreatorRequestId must not be null');
  // Deleted endpoints keep their id used too: the docs never say it is released, so assume the stricter reading.
  if (aws.resolverEndpoints.some((e) => e.CreatorRequestId === creatorRequestId)) {
    throw new AwsServiceError('ResourceExistsException', `Resolver Endpoint with creator request id ${creatorRequestId} already exists`);
  }

  const direction = input.Direction;
  if (direction !== 'INBOUND' && direction !== 'OUTBOUND') throw invalidParameter(`Direction must be INBOUND or OUTBOUND (got ${direction})`);
  const requestedIps = (input.IpAddresses ?? []) as { SubnetId?: string; Ip?: string }[];
  if (requestedIps.length < 2) throw invalidRequest('[RSLVR-00203] An endpoint needs at least 2 IP addresses, ideally in 2 Availability Zones');
  if (requestedIps.length > 6) throw invalidRequest('[RSLVR-00203] An endpoint can have at most 6 IP addresses');
  const groupIds = (input.SecurityGroupIds ?? []) as string[];
  if (groupIds.length === 0) throw invalidParameter('1 validation error detected: SecurityGroupIds must not be empty');

  const subnets = requestedIps.map((req) => {
    const subnet = aws.subnets.find((s) => s.SubnetId === req.SubnetId);
    if (!subnet) throw invalidParameter(`[RSLVR-00102] Subnet ${req.SubnetId ?? '(none)'} does not exist`);
    return subnet;
  });
  const vpcId = subnets[0].VpcId;
  if (subnets.some((s) => s.VpcId !== vpcId)) throw invalidRequest('[RSLVR-00202] All subnets of an endpoint must be in the same VPC');
  for (const groupId of groupIds) {
    const group = aws.securityGroups.find((g) => g.GroupId === groupId);
    if (!group) throw invalidParameter(`[RSLVR-00102] Security group ${groupId} does not exist`);
    if (group.VpcId !== vpcId) throw invalidRequest(`[RSLVR-00202] Security group ${groupId} is not in VPC ${vpcId}`);
  }

  const taken = new Set(present(ctx, aws.resolverEndpoints).flatMap((e) => e.IpAddresses.map((a) => a.Ip)));
  const ipAddresses = requestedIps.map((req, i) => {
    const subnet = subnets[i];
    let ip = req.Ip;
    if (ip !== undefined) {
      if (!cidrContainsIp(subnet.CidrBlock, ip)) throw invalidRequest(`[RSLVR-00204] IP ${ip} is not in subnet ${subnet.SubnetId} (${subnet.CidrBlock})`);
      if (taken.has(ip)) throw new AwsServiceError('ResourceInUseException', `[RSLVR-00205] IP ${ip} is already in use`);
    } else {
      ip = allocateIp(ctx, subnet, taken);
    }
    taken.add(ip);
    return { SubnetId: subnet.SubnetId, Ip: ip, IpId: newId(aws, 'rni') };
  });

  const now = ctx.clock.now();
  const id = newId(aws, direction === 'OUTBOUND' ? 'rslvr-out' : 'rslvr-in');
  const readyAt = now + ctx.latencies.of('aws.resolverEndpoint.create', id);
  const endpoint: ResolverEndpoint = {
    Id: id,
    Arn: arn(ctx, 'resolver-endpoint', id),
    CreatorRequestId: creatorRequestId,
    Name: input.Name,
    Direction: direction,
    SecurityGroupIds: groupIds,
    IpAddresses: ipAddresses,
    HostVPCId: vpcId,
    Tags: (input.Tags ?? []) as Tag[],
    createdAt: now,
    readyAt,
  };
  aws.resolverEndpoints.push(endpoint);
  recordCreate(ctx, id, now, readyAt);
  return { ResolverEndpoint: endpointJson(ctx, endpoint) };
};

const getResolverEndpoint: JsonHandler = (ctx, input) => ({ ResolverEndpoint: endpointJson(ctx, findEndpoint(ctx, input.ResolverEndpointId)) });

const listResolverEndpoints: JsonHandler = (ctx, input) => {
  const now = ctx.clock.now();
  const page = listPage(input, present(ctx, ctx.state.aws.resolverEndpoints), (e) =>
    matchesJsonFilters(input.Filters, {
      CreatorRequestId: [e.CreatorRequestId],
      Direction: [e.Direction],
      HostVPCId: [e.HostVPCId],
      IpAddressCount: [e.IpAddresses.length],
      Name: [e.Name],
      SecurityGroupIds: e.SecurityGroupIds,
      Status: [endpointStatus(e, now)],
    }),
  );
  return { MaxResults: page.MaxResults, NextToken: page.NextToken, ResolverEndpoints: page.items.map((e) => endpointJson(ctx, e)) };
};

const listResolverEndpointIpAddresses: JsonHandler = (ctx, input) => {
  const endpoint = findEndpoint(ctx, input.ResolverEndpointId);
  const status = endpointStatus(endpoint, ctx.clock.now());
  const [ipStatus, ipMessage] =
    status === 'OPERATIONAL' ? ['ATTACHED', 'This IP address is operational.'] : status === 'DELETING' ? ['DELETING', 'Deleting the IP address'] : ['CREATING', 'Creating the IP address'];
  return {
    MaxResults: input.MaxResults ?? 10,
    IpAddresses: endpoint.IpAddresses.map((a) => ({
      IpId: a.IpId,
      SubnetId: a.SubnetId,
      Ip: a.Ip,
      Status: ipStatus,
      StatusMessage: ipMessage,
      CreationTime: isoTime(endpoint.createdAt),
      ModificationTime: isoTime(endpoint.createdAt),
    })),
  };
};

// ---- rules ----------------------------------------------------------------------------------------------

function ruleStatus(r: ResolverRule, now: number): string {
  if (r.deletedAt !== undefined) return 'DELETING';
  if (now < r.readyAt) return 'UPDATING';
  return r.impaired?.Status ?? 'COMPLETE';
}

function ruleJson(ctx: EmulatorContext, r: ResolverRule) {
  const status = ruleStatus(r, ctx.clock.now());
  return {
    Id: r.Id,
    CreatorRequestId: r.CreatorRequestId,
    Arn: r.Arn,
    DomainName: fullyQualified(r.DomainName),
    Status: status,
    StatusMessage:
      status === 'COMPLETE' ? 'Successfully created Resolver Rule.'
        : status === 'UPDATING' ? 'Creating the Resolver Rule.'
          : status === 'DELETING' ? 'Deleting the Resolver Rule.'
            : (r.impaired?.StatusMessage ?? ''),
    RuleType: r.RuleType,
    Name: r.Name,
    TargetIps: r.TargetIps,
    ResolverEndpointId: r.ResolverEndpointId,
    OwnerId: ctx.state.aws.accountId,
    ShareStatus: 'NOT_SHARED',
    CreationTime: isoTime(r.createdAt),
    ModificationTime: isoTime(r.createdAt),
  };
}

function findRule(ctx: EmulatorContext, id: string | undefined): ResolverRule {
  const rule = present(ctx, ctx.state.aws.resolverRules).find((r) => r.Id === id);
  if (!rule) throw notFound(`[RSLVR-00703] Resolver rule with ID "${id}" does not exist.`);
  return rule;
}

const createResolverRule: JsonHandler = (ctx, input) => {
  const aws = ctx.state.aws;
  const creatorRequestId = input.CreatorRequestId as string | undefined;
  if (!creatorRequestId) throw invalidParameter('1 validation error detected: CreatorRequestId must not be null');
  if (aws.resolverRules.some((r) => r.CreatorRequestId === creatorRequestId)) {
    throw new AwsServiceError('ResourceExistsException', `Resolver Rule with creator request id ${creatorRequestId} already exists`);
  }

  const ruleType = input.RuleType;
  if (!['FORWARD', 'SYSTEM', 'RECURSIVE'].includes(ruleType)) throw invalidParameter(`RuleType must be FORWARD, SYSTEM or RECURSIVE (got ${ruleType})`);
  const domainName = input.DomainName as string | undefined;
  if (!domainName) throw invalidParameter('1 validation error detected: DomainName must not be null');
  const targetIps = ((input.TargetIps ?? []) as { Ip?: string; Port?: number }[]).map((t) => {
    if (!t.Ip || !/^\d+\.\d+\.\d+\.\d+$/.test(t.Ip)) throw invalidParameter(`[RSLVR-00400] Invalid target IP ${t.Ip ?? '(none)'}`);
    return { Ip: t.Ip, Port: t.Port ?? 53 };
  });
  if (ruleType === 'FORWARD') {
    if (targetIps.length === 0) throw invalidRequest('[RSLVR-00400] A FORWARD rule needs at least one target IP');
    if (!input.ResolverEndpointId) throw invalidRequest('[RSLVR-00400] A FORWARD rule needs an outbound ResolverEndpointId');
    const endpoint = findEndpoint(ctx, input.ResolverEndpointId);
    if (endpoint.Direction !== 'OUTBOUND') throw invalidRequest(`[RSLVR-00401] Endpoint ${endpoint.Id} is not an outbound endpoint`);
    if (endpoint.deletedAt !== undefined) throw invalidRequest(`Resolver endpoint ${endpoint.Id} is being deleted`);
  }
  const now = ctx.clock.now();
  const id = newId(aws, 'rslvr-rr');
  const readyAt = now + ctx.latencies.of('aws.resolverRule.create', id);
  const rule: ResolverRule = {
    Id: id,
    Arn: arn(ctx, 'resolver-rule', id),
    CreatorRequestId: creatorRequestId,
    Name: input.Name,
    RuleType: ruleType,
    DomainName: domainName,
    TargetIps: targetIps,
    ResolverEndpointId: input.ResolverEndpointId,
    Tags: (input.Tags ?? []) as Tag[],
    createdAt: now,
    readyAt,
  };
  aws.resolverRules.push(rule);
  recordCreate(ctx, id, now, readyAt);
  return { ResolverRule: ruleJson(ctx, rule) };
};

const getResolverRule: JsonHandler = (ctx, input) => ({ ResolverRule: ruleJson(ctx, findRule(ctx, input.ResolverRuleId)) });

const listResolverRules: JsonHandler = (ctx, input) => {
  const now = ctx.clock.now();
  const filters = ((input.Filters ?? []) as { Name?: string; Values?: string[] }[]).map((f) =>
    // DomainName filters match with or without the trailing dot.
    f.Name === 'DomainName' ? { ...f, Values: (f.Values ?? []).flatMap((v) => [v.replace(/\.$/, ''), v.replace(/\.$/, '') + '.']) } : f,
  );
  const page = listPage(input, present(ctx, ctx.state.aws.resolverRules), (r) =>
    matchesJsonFilters(filters, {
      CreatorRequestId: [r.CreatorRequestId],
      DomainName: [r.DomainName],
      Name: [r.Name],
      ResolverEndpointId: [r.ResolverEndpointId],
      Status: [ruleStatus(r, now)],
      Type: [r.RuleType],
    }),
  );
  return { MaxResults: page.MaxResults, NextToken: page.NextToken, ResolverRules: page.items.map((r) => ruleJson(ctx, r)) };
};

// ---- rule associations ----------------------------------------------------------------------------------

function associationStatus(a: ResolverRuleAssociation, now: number): string {
  if (a.deletedAt !== undefined) return 'DELETING';
  if (now < a.readyAt) return 'CREATING';
  return a.impaired?.Status ?? 'COMPLETE';
}

function associationJson(ctx: EmulatorContext, a: ResolverRuleAssociation) {
  const status = associationStatus(a, ctx.clock.now());
  return {
    Id: a.Id,
    ResolverRuleId: a.ResolverRuleId,
    Name: a.Name,
    VPCId: a.VPCId,
    Status: status,
    StatusMessage:
      status === 'COMPLETE' ? 'The association is complete.'
        : status === 'CREATING' ? 'Creating the association.'
          : status === 'DELETING' ? 'Deleting the association.'
            : (a.impaired?.StatusMessage ?? ''),
  };
}

const associateResolverRule: JsonHandler = (ctx, input) => {
  const aws = ctx.state.aws;
  const rule = findRule(ctx, input.ResolverRuleId);
  const vpcId = input.VPCId as string | undefined;
  if (!vpcId) throw invalidParameter('1 validation error detected: VPCId must not be null');
  if (!aws.vpcs.some((v) => v.VpcId === vpcId)) throw invalidParameter(`[RSLVR-00102] VPC ${vpcId} does not exist`);
  if (rule.deletedAt !== undefined) throw invalidRequest(`Resolver rule ${rule.Id} is being deleted`);
  // An association still DELETING holds the domain too (the docs are silent: the less convenient reading).
  const live = present(ctx, aws.resolverRuleAssociations).filter((a) => a.VPCId === vpcId);
  // No request id on this call. A repeat of the same rule answers the same InvalidRequestException as a clash
  // with another rule for the domain (crossplane-contrib/provider-upjet-aws#1010): the code alone cannot tell
  // "already done" from "someone else's rule", so a caller must look the association up.
  const sameDomainRule = live.map((a) => aws.resolverRules.find((r) => r.Id === a.ResolverRuleId)).find((r) => r && sameDomain(r.DomainName, rule.DomainName));
  if (sameDomainRule) throw invalidRequest(`[RSLVR-00802] Cannot associate rules with same domain name with same VPC. Conflict with resolver rule "${sameDomainRule.Id}"`);
  const now = ctx.clock.now();
  const id = newId(aws, 'rslvr-rrassoc');
  const readyAt = now + ctx.latencies.of('aws.resolverRuleAssociation.create', id);
  const association: ResolverRuleAssociation = { Id: id, ResolverRuleId: rule.Id, VPCId: vpcId, Name: input.Name, createdAt: now, readyAt };
  aws.resolverRuleAssociations.push(association);
  recordCreate(ctx, id, now, readyAt);
  return { ResolverRuleAssociation: associationJson(ctx, association) };
};

const getResolverRuleAssociation: JsonHandler = (ctx, input) => {
  const id = input.ResolverRuleAssociationId;
  const association = present(ctx, ctx.state.aws.resolverRuleAssociations).find((a) => a.Id === id);
  if (!association) throw notFound(`[RSLVR-00800] Resolver rule association with ID "${id}" does not exist.`);
  return { ResolverRuleAssociation: associationJson(ctx, association) };
};

const listResolverRuleAssociations: JsonHandler = (ctx, input) => {
  const now = ctx.clock.now();
  const page = listPage(input, present(ctx, ctx.state.aws.resolverRuleAssociations), (a) =>
    matchesJsonFilters(input.Filters, {
      Name: [a.Name],
      ResolverRuleId: [a.ResolverRuleId],
      Status: [associationStatus(a, now)],
      VPCId: [a.VPCId],
    }),
  );
  return { MaxResults: page.MaxResults, NextToken: page.NextToken, ResolverRuleAssociations: page.items.map((a) => associationJson(ctx, a)) };
};

// ---- deletions -------------------------------------------------------------------------------------------
// Each starts a deletion that reads DELETING for its latency. What the service refuses while something still
// uses the resource: a rule associated with a VPC (ResourceInUseException, the code the SDK model lists for
// DeleteResolverRule) and an endpoint a rule still names (InvalidRequestException [RSLVR-00600], as the service
// answers it: rebuy-de/aws-nuke#586, hashicorp/terraform-provider-aws#11948). A DELETING one counts as still
// there. A second delete of something already DELETING is refused (the docs are silent: the less convenient reading).

function refuseIfDeleting(kind: string, id: string, resource: Timed): void {
  if (resource.deletedAt !== undefined) throw invalidRequest(`The ${kind} with ID "${id}" is being deleted (status DELETING)`);
}

function startDeletion(ctx: EmulatorContext, resource: Timed, id: string, latency: string): void {
  const now = ctx.clock.now();
  resource.deletedAt = now + ctx.latencies.of(latency, id);
  recordCreate(ctx, id, now, resource.deletedAt, 'delete');
}

const disassociateResolverRule: JsonHandler = (ctx, input) => {
  const rule = findRule(ctx, input.ResolverRuleId);
  const vpcId = input.VPCId as string | undefined;
  if (!vpcId) throw invalidParameter('1 validation error detected: VPCId must not be null');
  const association = present(ctx, ctx.state.aws.resolverRuleAssociations).find((a) => a.ResolverRuleId === rule.Id && a.VPCId === vpcId);
  if (!association) throw notFound(`Resolver rule "${rule.Id}" is not associated with VPC "${vpcId}".`);
  refuseIfDeleting('resolver rule association', association.Id, association);
  startDeletion(ctx, association, association.Id, 'aws.resolverRuleAssociation.delete');
  return { ResolverRuleAssociation: associationJson(ctx, association) };
};

const deleteResolverRule: JsonHandler = (ctx, input) => {
  const rule = findRule(ctx, input.ResolverRuleId);
  refuseIfDeleting('resolver rule', rule.Id, rule);
  const associated = present(ctx, ctx.state.aws.resolverRuleAssociations).filter((a) => a.ResolverRuleId === rule.Id);
  if (associated.length > 0) {
    throw new AwsServiceError(
      'ResourceInUseException',
      `Cannot delete resolver rule "${rule.Id}" while it is associated with VPCs: ${associated.map((a) => `"${a.VPCId}"`).join(', ')}`,
    );
  }
  startDeletion(ctx, rule, rule.Id, 'aws.resolverRule.delete');
  return { ResolverRule: ruleJson(ctx, rule) };
};

const deleteResolverEndpoint: JsonHandler = (ctx, input) => {
  const endpoint = findEndpoint(ctx, input.ResolverEndpointId);
  refuseIfDeleting('resolver endpoint', endpoint.Id, endpoint);
  const rules = present(ctx, ctx.state.aws.resolverRules).filter((r) => r.ResolverEndpointId === endpoint.Id);
  if (rules.length > 0) {
    throw invalidRequest(
      `[RSLVR-00600] Cannot delete resolver endpoint unless its related resolver rules are deleted. The following rules still exist for this resolver endpoint: ${rules.map((r) => `"${r.Id}"`).join(', ')}`,
    );
  }
  // Its network interfaces stay until it is gone (local/aws/ec2-interfaces.ts), holding its security groups.
  startDeletion(ctx, endpoint, endpoint.Id, 'aws.resolverEndpoint.delete');
  return { ResolverEndpoint: endpointJson(ctx, endpoint) };
};

// ---- tags -----------------------------------------------------------------------------------------------

function taggable(ctx: EmulatorContext, resourceArn: string | undefined): { Tags: Tag[] } {
  const aws = ctx.state.aws;
  const found = [...present(ctx, aws.resolverEndpoints), ...present(ctx, aws.resolverRules)].find((r) => r.Arn === resourceArn);
  if (!found) throw notFound(`[RSLVR-01101] The resource with ARN "${resourceArn}" does not exist.`);
  return found;
}

const tagResource: JsonHandler = (ctx, input) => {
  mergeTags(taggable(ctx, input.ResourceArn).Tags, (input.Tags ?? []) as Tag[]);
  return {};
};

const untagResource: JsonHandler = (ctx, input) => {
  const target = taggable(ctx, input.ResourceArn);
  const keys = (input.TagKeys ?? []) as string[];
  target.Tags = target.Tags.filter((t) => !keys.includes(t.Key));
  return {};
};

const listTagsForResource: JsonHandler = (ctx, input) => ({ Tags: taggable(ctx, input.ResourceArn).Tags });

export const RESOLVER_ACTIONS: Record<string, JsonAction> = {
  CreateResolverEndpoint: { handler: createResolverEndpoint, mutating: true, target: 'CreatorRequestId' },
  GetResolverEndpoint: { handler: getResolverEndpoint, mutating: false, target: 'ResolverEndpointId' },
  ListResolverEndpoints: { handler: listResolverEndpoints, mutating: false },
  ListResolverEndpointIpAddresses: { handler: listResolverEndpointIpAddresses, mutating: false, target: 'ResolverEndpointId' },
  CreateResolverRule: { handler: createResolverRule, mutating: true, target: 'CreatorRequestId' },
  GetResolverRule: { handler: getResolverRule, mutating: false, target: 'ResolverRuleId' },
  ListResolverRules: { handler: listResolverRules, mutating: false },
  AssociateResolverRule: { handler: associateResolverRule, mutating: true, target: 'ResolverRuleId' },
  GetResolverRuleAssociation: { handler: getResolverRuleAssociation, mutating: false, target: 'ResolverRuleAssociationId' },
  ListResolverRuleAssociations: { handler: listResolverRuleAssociations, mutating: false },
  DisassociateResolverRule: { handler: disassociateResolverRule, mutating: true, target: 'ResolverRuleId' },
  DeleteResolverRule: { handler: deleteResolverRule, mutating: true, target: 'ResolverRuleId' },
  DeleteResolverEndpoint: { handler: deleteResolverEndpoint, mutating: true, target: 'ResolverEndpointId' },
  TagResource: { handler: tagResource, mutating: true, target: 'ResourceArn' },
  UntagResource: { handler: untagResource, mutating: true, target: 'ResourceArn' },
  ListTagsForResource: { handler: listTagsForResource, mutating: false, target: 'ResourceArn' },
};

export function resolverFault(kind: 'throttle' | 'error5xx'): AwsServiceError {
  return kind === 'throttle'
    ? new AwsServiceError('ThrottlingException', 'Rate exceeded', 400)
    : new AwsServiceError('InternalServiceErrorException', 'An internal error occurred. Try again.', 500);
}
