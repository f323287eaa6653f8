/**
 * The DNS forwarding steps (functions/aws-dns) as plain functions with real SDK clients against the emulated AWS
 * in-process, and what the VPC then resolves (the network model over the same state): only openai.azure.com goes
 * over the VPN, the security group allows exactly DNS to the inbound endpoint, every look-up finds what a
 * previous run made (also past the first page) and never adopts a look-alike that is not ours.
 */
import { AuthorizeSecurityGroupEgressCommand, CreateSecurityGroupCommand } from '@aws-sdk/client-ec2';
import { CreateResolverEndpointCommand, CreateResolverRuleCommand, ListResolverRulesCommand } from '@aws-sdk/client-route53resolver';
import { associateRule, checkRuleAssociation, createForwardingRule, createForwardingSecurityGroup, createOutboundEndpoint } from '../../functions/aws-dns/aws-dns';
import { ec2TagSpecifications, ec2Tags, resourceNames } from '../../functions/commons/naming';
import { publicAddressOfName } from '../../local/network/model';
import { errorOf } from '../local-aws/helpers';
import { ids } from '../local-network/fixtures';
import {
  FACTS,
  INBOUND_IP,
  OTHER_SUBNETS,
  OTHER_VPC,
  REQUEST,
  buildDnsForwarding,
  seedForeignResolverResources,
  startDnsHarness,
  stateWithoutAwsDns,
  writes,
  type DnsHarness,
} from './aws-dns-support';

const NAMES = resourceNames(REQUEST).aws;
const DNS_EGRESS = [
  { IpProtocol: 'udp', FromPort: 53, ToPort: 53, CidrIp: `${INBOUND_IP}/32` },
  { IpProtocol: 'tcp', FromPort: 53, ToPort: 53, CidrIp: `${INBOUND_IP}/32` },
];
const byProtocol = (rules: { IpProtocol: string; CidrIp: string }[]) => [...rules].sort((a, b) => `${a.IpProtocol}${a.CidrIp}`.localeCompare(`${b.IpProtocol}${b.CidrIp}`));

let h: DnsHarness;
afterEach(async () => {
  await h?.close();
});

describe('after the DNS forwarding steps', () => {
  beforeEach(async () => {
    h = await startDnsHarness();
  });

  it('the account name resolves privately, other Azure names (management.azure.com, portal.azure.com) stay on public DNS', async () => {
    const built = await buildDnsForwarding(h);
    expect(built.status).toBe('COMPLETE');
    expect(h.model.resolve(ids.subnetA, ids.accountName)).toMatchObject({ via: 'private', addresses: [ids.peIp] });
    for (const name of ['management.azure.com', 'portal.azure.com']) {
      expect(h.model.resolve(ids.subnetA, name)).toMatchObject({ via: 'public', addresses: [publicAddressOfName(name)] });
    }
    const [rule] = (await h.resolver.send(new ListResolverRulesCommand({ Filters: [{ Name: 'CreatorRequestId', Values: [NAMES.creatorRequestIds.resolverRule] }] }))).ResolverRules!;
    expect(rule).toMatchObject({ Id: built.resolverRuleId, RuleType: 'FORWARD', DomainName: 'openai.azure.com.', TargetIps: [{ Ip: INBOUND_IP, Port: 53 }], ResolverEndpointId: built.resolverEndpointId });
  });

  it('the security group allows exactly UDP and TCP 53 to the inbound endpoint /32, nothing else, and the endpoint uses it', async () => {
    const built = await buildDnsForwarding(h);
    const group = h.state.aws.securityGroups.find((g) => g.GroupId === built.securityGroupId)!;
    expect(group).toMatchObject({ GroupName: NAMES.dnsOutboundSecurityGroup, VpcId: REQUEST.aws.vpcId });
    expect(byProtocol(group.Egress)).toEqual(byProtocol(DNS_EGRESS));
    expect(group.Tags).toEqual(expect.arrayContaining(ec2Tags(REQUEST.environmentId, NAMES.dnsOutboundSecurityGroup)));
    const endpoint = h.state.aws.resolverEndpoints.find((e) => e.Id === built.resolverEndpointId)!;
    expect(endpoint).toMatchObject({ Direction: 'OUTBOUND', HostVPCId: REQUEST.aws.vpcId, SecurityGroupIds: [built.securityGroupId], Name: NAMES.resolverEndpoint });
    expect(endpoint.IpAddresses.map((a) => a.SubnetId)).toEqual(REQUEST.aws.resolverSubnetIds);
    expect(endpoint.Tags).toEqual(expect.arrayContaining(ec2Tags(REQUEST.environmentId, NAMES.resolverEndpoint)));
  });

  it('a second pass finds the group, endpoint, rule and association and writes nothing', async () => {
    const first = await buildDnsForwarding(h);
    const before = writes(h);
    expect(before).toEqual({ CreateSecurityGroup: 1, AuthorizeSecurityGroupEgress: 1, RevokeSecurityGroupEgress: 1, CreateResolverEndpoint: 1, CreateResolverRule: 1, AssociateResolverRule: 1 });
    expect(await buildDnsForwarding(h)).toEqual(first);
    expect(writes(h)).toEqual(before);
  });

  it('the rule association is not ready while CREATING (the state machine waits and retries), COMPLETE after', async () => {
    const { securityGroupId } = await createForwardingSecurityGroup(h.ec2, h.ec2Once, { request: REQUEST, facts: FACTS, inboundIp: INBOUND_IP });
    const { resolverEndpointId } = await createOutboundEndpoint(h.resolver, { request: REQUEST, facts: FACTS, securityGroupId });
    const early = await errorOf(createForwardingRule(h.resolver, { request: REQUEST, facts: FACTS, resolverEndpointId, inboundIp: INBOUND_IP }));
    expect(early.name).toBe('ResourceNotReady');
    expect(h.state.aws.resolverRules).toHaveLength(0);
    await h.clock.sleep(200);
    const { resolverRuleId } = await createForwardingRule(h.resolver, { request: REQUEST, facts: FACTS, resolverEndpointId, inboundIp: INBOUND_IP });
    const { associationId } = await associateRule(h.resolver, { request: REQUEST, facts: FACTS, resolverRuleId });
    expect((await errorOf(checkRuleAssociation(h.resolver, { request: REQUEST, facts: FACTS, associationId }))).name).toBe('ResourceNotReady');
    await h.clock.sleep(70);
    expect(await checkRuleAssociation(h.resolver, { request: REQUEST, facts: FACTS, associationId })).toEqual({ status: 'COMPLETE' });
  });
});

describe('past the first page of the List calls', () => {
  it('a re-run finds its endpoint, rule and association behind 120 of someone else’s and creates nothing', async () => {
    const state = stateWithoutAwsDns();
    seedForeignResolverResources(state, 120);
    h = await startDnsHarness(state);
    const first = await buildDnsForwarding(h);
    const before = writes(h);
    expect(await buildDnsForwarding(h)).toEqual(first);
    expect(writes(h)).toEqual(before);
    expect(h.ctx.recorder.apiCalls.aws.ListResolverEndpoints).toBeGreaterThanOrEqual(4);
    expect([h.state.aws.resolverEndpoints.length, h.state.aws.resolverRules.length, h.state.aws.resolverRuleAssociations.length]).toEqual([121, 121, 121]);
  });

  it('the emulated service pages before filtering and takes a token only with the filters it was issued for', async () => {
    const state = stateWithoutAwsDns();
    seedForeignResolverResources(state, 120);
    h = await startDnsHarness(state);
    const filters = [{ Name: 'Type', Values: ['FORWARD'] }];
    const first = await h.resolver.send(new ListResolverRulesCommand({ Filters: [{ Name: 'DomainName', Values: ['team110.corp.example'] }] }));
    expect(first.ResolverRules).toEqual([]);
    expect(first.NextToken).toBeDefined();
    const second = await h.resolver.send(new ListResolverRulesCommand({ Filters: [{ Name: 'DomainName', Values: ['team110.corp.example'] }], NextToken: first.NextToken }));
    expect(second.ResolverRules!.map((r) => r.DomainName)).toEqual(['team110.corp.example.']);
    expect(second.NextToken).toBeUndefined();
    expect((await errorOf(h.resolver.send(new ListResolverRulesCommand({ Filters: filters, NextToken: first.NextToken })))).name).toBe('InvalidNextTokenException');
  });
});

describe('the DNS security group', () => {
  beforeEach(async () => {
    h = await startDnsHarness();
  });

  it('ours with drifted egress (an old inbound address, HTTPS anywhere) is brought back to exactly DNS to today’s inbound endpoint', async () => {
    const { GroupId } = await h.ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: NAMES.dnsOutboundSecurityGroup,
        Description: 'earlier run',
        VpcId: REQUEST.aws.vpcId,
        TagSpecifications: ec2TagSpecifications('security-group', REQUEST.environmentId, NAMES.dnsOutboundSecurityGroup),
      }),
    );
    await h.ec2.send(
      new AuthorizeSecurityGroupEgressCommand({
        GroupId,
        IpPermissions: [
          { IpProtocol: 'udp', FromPort: 53, ToPort: 53, IpRanges: [{ CidrIp: '192.168.2.9/32' }, { CidrIp: `${INBOUND_IP}/32` }] },
          { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
          { IpProtocol: 'tcp', FromPort: 53, ToPort: 53, IpRanges: [{ CidrIp: '192.168.0.0/16' }] },
        ],
      }),
    );
    const { securityGroupId } = await createForwardingSecurityGroup(h.ec2, h.ec2Once, { request: REQUEST, facts: FACTS, inboundIp: INBOUND_IP });
    expect(securityGroupId).toBe(GroupId);
    expect(byProtocol(h.state.aws.securityGroups.find((g) => g.GroupId === GroupId)!.Egress)).toEqual(byProtocol(DNS_EGRESS));
  });

  it('one with our name but not our tags is not adopted: the create is refused and the group is left as it was', async () => {
    const { GroupId } = await h.ec2.send(new CreateSecurityGroupCommand({ GroupName: NAMES.dnsOutboundSecurityGroup, Description: 'theirs', VpcId: REQUEST.aws.vpcId }));
    const refused = await errorOf(createForwardingSecurityGroup(h.ec2, h.ec2Once, { request: REQUEST, facts: FACTS, inboundIp: INBOUND_IP }));
    expect((refused as { Code?: string }).Code ?? refused.name).toBe('InvalidGroup.Duplicate');
    const theirs = h.state.aws.securityGroups.filter((g) => g.GroupName === NAMES.dnsOutboundSecurityGroup);
    expect(theirs.map((g) => [g.GroupId, g.Egress])).toEqual([[GroupId, [{ IpProtocol: '-1', CidrIp: '0.0.0.0/0' }]]]);
  });

  it('ours by every tag but in another VPC, or tagged for another environment, is not used: a new group is made in the request’s VPC', async () => {
    const inOtherVpc = await h.ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: NAMES.dnsOutboundSecurityGroup,
        Description: 'same environment id, other VPC',
        VpcId: OTHER_VPC,
        TagSpecifications: ec2TagSpecifications('security-group', REQUEST.environmentId, NAMES.dnsOutboundSecurityGroup),
      }),
    );
    const otherEnvironment = await h.ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: 'another-environments-group',
        Description: 'other environment',
        VpcId: REQUEST.aws.vpcId,
        TagSpecifications: ec2TagSpecifications('security-group', 'aoai-prod-99', NAMES.dnsOutboundSecurityGroup),
      }),
    );
    const { securityGroupId } = await createForwardingSecurityGroup(h.ec2, h.ec2Once, { request: REQUEST, facts: FACTS, inboundIp: INBOUND_IP });
    expect([inOtherVpc.GroupId, otherEnvironment.GroupId]).not.toContain(securityGroupId);
    expect(h.state.aws.securityGroups.find((g) => g.GroupId === securityGroupId)!.VpcId).toBe(REQUEST.aws.vpcId);
    for (const untouched of [inOtherVpc.GroupId, otherEnvironment.GroupId]) {
      expect(h.state.aws.securityGroups.find((g) => g.GroupId === untouched)!.Egress).toEqual([{ IpProtocol: '-1', CidrIp: '0.0.0.0/0' }]);
    }
  });
});

describe('what a look-up finds by our creator request id', () => {
  let securityGroupId: string;
  beforeEach(async () => {
    h = await startDnsHarness();
    ({ securityGroupId } = await createForwardingSecurityGroup(h.ec2, h.ec2Once, { request: REQUEST, facts: FACTS, inboundIp: INBOUND_IP }));
  });

  const ourEndpoint = (input: { Direction: 'INBOUND' | 'OUTBOUND'; subnets: string[]; groupId?: string; environmentId?: string }) =>
    new CreateResolverEndpointCommand({
      CreatorRequestId: NAMES.creatorRequestIds.resolverEndpoint,
      Direction: input.Direction,
      SecurityGroupIds: [input.groupId ?? securityGroupId],
      IpAddresses: input.subnets.map((SubnetId) => ({ SubnetId })),
      Tags: ec2Tags(input.environmentId ?? REQUEST.environmentId, NAMES.resolverEndpoint),
    });

  it('an INBOUND endpoint is named, not used as the outbound one', async () => {
    await h.resolver.send(ourEndpoint({ Direction: 'INBOUND', subnets: REQUEST.aws.resolverSubnetIds }));
    expect((await errorOf(createOutboundEndpoint(h.resolver, { request: REQUEST, facts: FACTS, securityGroupId }))).name).toBe('ResourceConflict');
    expect(h.state.aws.resolverEndpoints).toHaveLength(1);
  });

  it('an outbound endpoint in another VPC is named, not used', async () => {
    const { GroupId } = await h.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'other-vpc-dns', Description: 'x', VpcId: OTHER_VPC }));
    await h.resolver.send(ourEndpoint({ Direction: 'OUTBOUND', subnets: OTHER_SUBNETS, groupId: GroupId }));
    expect((await errorOf(createOutboundEndpoint(h.resolver, { request: REQUEST, facts: FACTS, securityGroupId }))).name).toBe('ResourceConflict');
  });

  it('an endpoint tagged for another environment is left alone', async () => {
    await h.resolver.send(ourEndpoint({ Direction: 'OUTBOUND', subnets: REQUEST.aws.resolverSubnetIds, environmentId: 'aoai-prod-99' }));
    expect((await errorOf(createOutboundEndpoint(h.resolver, { request: REQUEST, facts: FACTS, securityGroupId }))).name).toBe('ResourceConflict');
  });

  async function withOurRule(rule: { DomainName: string; RuleType?: 'FORWARD' | 'SYSTEM'; TargetIps?: { Ip: string; Port?: number }[]; tags?: boolean }) {
    const { resolverEndpointId } = await createOutboundEndpoint(h.resolver, { request: REQUEST, facts: FACTS, securityGroupId });
    await h.clock.sleep(200);
    const type = rule.RuleType ?? 'FORWARD';
    await h.resolver.send(
      new CreateResolverRuleCommand({
        CreatorRequestId: NAMES.creatorRequestIds.resolverRule,
        RuleType: type,
        DomainName: rule.DomainName,
        ...(type === 'FORWARD' ? { TargetIps: rule.TargetIps ?? [{ Ip: INBOUND_IP, Port: 53 }], ResolverEndpointId: resolverEndpointId } : {}),
        Tags: rule.tags === false ? [] : ec2Tags(REQUEST.environmentId, NAMES.resolverRule),
      }),
    );
    return createForwardingRule(h.resolver, { request: REQUEST, facts: FACTS, resolverEndpointId, inboundIp: INBOUND_IP });
  }

  it.each(['azure.com', '.', 'privatelink.openai.azure.com'])('a rule of ours for %s is named, not used: only openai.azure.com may be forwarded', async (domain) => {
    expect((await errorOf(withOurRule({ DomainName: domain }))).name).toBe('ResourceConflict');
  });

  it('a SYSTEM rule of ours for openai.azure.com is named, not used', async () => {
    expect((await errorOf(withOurRule({ DomainName: 'openai.azure.com', RuleType: 'SYSTEM' }))).name).toBe('ResourceConflict');
  });

  it('a rule of ours for OpenAI.Azure.com. (the same name) is used', async () => {
    const { resolverRuleId } = await withOurRule({ DomainName: 'OpenAI.Azure.com.' });
    expect(h.state.aws.resolverRules.map((r) => r.Id)).toEqual([resolverRuleId]);
  });

  it.each([
    ['a second target', [{ Ip: INBOUND_IP, Port: 53 }, { Ip: '192.168.2.5', Port: 53 }]],
    ['another port', [{ Ip: INBOUND_IP, Port: 5353 }]],
  ])('a rule of ours with %s is named, not used', async (_what, targets) => {
    expect((await errorOf(withOurRule({ DomainName: 'openai.azure.com', TargetIps: targets }))).name).toBe('ResourceConflict');
  });

  it('a rule with our creator request id but not our tags is left alone', async () => {
    expect((await errorOf(withOurRule({ DomainName: 'openai.azure.com', tags: false }))).name).toBe('ResourceConflict');
    expect(h.state.aws.resolverRules).toHaveLength(1);
  });
});
