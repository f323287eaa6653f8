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
  ListResolverRuleAssociationsCommand,
  type Route53ResolverClient,
} from '@aws-sdk/client-route53resolver';
import { ensureEgressOnlyGroup } from '../commons/security-groups';
import { ResourceFailed, ResourceNotReady } from '../commons/errors';
import { ec2Tags, OPENAI_DOMAIN, resourceNames } from '../commons/naming';
import type { EnvironmentRequest } from '../commons/request';

export interface StepInput {
  request: EnvironmentRequest;
}

export function dnsEgressRules(inboundIp: string): IpPermission[] {
  const to = [{ CidrIp: `${inboundIp}/32`, Description: 'Azure DNS Private Resolver inbound endpoint' }];
  return [
    { IpProtocol: 'udp', FromPort: 53, ToPort: 53, IpRanges: to },
    { IpProtocol: 'tcp', FromPort: 53, ToPort: 53, IpRanges: to },
  ];
}

export async function createForwardingSecurityGroup(ec2: EC2Client, ec2Once: EC2Client, input: StepInput & { inboundIp: string }) {
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

export async function createOutboundEndpoint(resolver: Route53ResolverClient, input: StepInput & { securityGroupId: string }) {
  const names = resourceNames(input.request).aws;
  // CreatorRequestId is the idempotency key: a retry returns the endpoint the first call created.
  const created = await resolver.send(
    new CreateResolverEndpointCommand({
      CreatorRequestId: names.creatorRequestIds.resolverEndpoint,
      Name: names.resolverEndpoint,
      Direction: 'OUTBOUND',
      SecurityGroupIds: [input.securityGroupId],
      IpAddresses: input.request.aws.resolverSubnetIds.map((SubnetId) => ({ SubnetId })),
      Tags: ec2Tags(input.request.environmentId, names.resolverEndpoint),
    }),
  );
  return { resolverEndpointId: created.ResolverEndpoint!.Id! };
}

export async function createForwardingRule(resolver: Route53ResolverClient, input: StepInput & { resolverEndpointId: string; inboundIp: string }) {
  const names = resourceNames(input.request).aws;
  const endpoint = (await resolver.send(new GetResolverEndpointCommand({ ResolverEndpointId: input.resolverEndpointId }))).ResolverEndpoint;
  if (endpoint?.Status === 'CREATING' || endpoint?.Status === 'UPDATING') {
    throw new ResourceNotReady(`Route 53 Resolver outbound endpoint ${input.resolverEndpointId} is ${endpoint.Status}`);
  }
  if (endpoint?.Status !== 'OPERATIONAL') {
    throw new ResourceFailed(`Route 53 Resolver outbound endpoint ${input.resolverEndpointId} is ${endpoint?.Status}: ${endpoint?.StatusMessage ?? ''}`);
  }
  const created = await resolver.send(
    new CreateResolverRuleCommand({
      CreatorRequestId: names.creatorRequestIds.resolverRule,
      Name: names.resolverRule,
      RuleType: 'FORWARD',
      DomainName: OPENAI_DOMAIN,
      TargetIps: [{ Ip: input.inboundIp, Port: 53 }],
      ResolverEndpointId: input.resolverEndpointId,
      Tags: ec2Tags(input.request.environmentId, names.resolverRule),
    }),
  );
  return { resolverRuleId: created.ResolverRule!.Id! };
}

async function findAssociation(resolver: Route53ResolverClient, resolverRuleId: string, vpcId: string) {
  const listed = await resolver.send(
    new ListResolverRuleAssociationsCommand({
      Filters: [
        { Name: 'ResolverRuleId', Values: [resolverRuleId] },
        { Name: 'VPCId', Values: [vpcId] },
      ],
    }),
  );
  return listed.ResolverRuleAssociations?.find((a) => a.ResolverRuleId === resolverRuleId && a.VPCId === vpcId);
}

/** AssociateResolverRule takes no request id; a repeat answers ResourceExistsException, so look up first and after. */
export async function associateRule(resolver: Route53ResolverClient, input: StepInput & { resolverRuleId: string }) {
  const vpcId = input.request.aws.vpcId;
  const existing = await findAssociation(resolver, input.resolverRuleId, vpcId);
  if (existing) return { associationId: existing.Id! };
  try {
    const created = await resolver.send(
      new AssociateResolverRuleCommand({ ResolverRuleId: input.resolverRuleId, VPCId: vpcId, Name: resourceNames(input.request).aws.resolverRuleAssociation }),
    );
    return { associationId: created.ResolverRuleAssociation!.Id! };
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceExistsException') throw error;
    const after = await findAssociation(resolver, input.resolverRuleId, vpcId);
    if (!after) throw error;
    return { associationId: after.Id! };
  }
}

export async function checkRuleAssociation(resolver: Route53ResolverClient, input: StepInput & { associationId: string }) {
  const association = (await resolver.send(new GetResolverRuleAssociationCommand({ ResolverRuleAssociationId: input.associationId }))).ResolverRuleAssociation;
  if (association?.Status === 'CREATING') throw new ResourceNotReady(`Resolver rule association ${input.associationId} is CREATING`);
  if (association?.Status !== 'COMPLETE') {
    throw new ResourceFailed(`Resolver rule association ${input.associationId} is ${association?.Status}: ${association?.StatusMessage ?? ''}`);
  }
  return { status: association.Status };
}
