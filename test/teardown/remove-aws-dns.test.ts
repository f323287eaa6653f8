/**
 * The DNS-forwarding removal steps (functions/remove-aws-dns) against the emulated Route 53 Resolver and EC2,
 * with the real SDK clients: the association, the rule, the outbound endpoint and its security group go in the
 * order the service allows, each step waiting (ResourceNotReady) while a deletion is going or what uses the
 * resource is still there; a second pass changes nothing; lost answers converge; look-alikes are left.
 */
import { CreateSecurityGroupCommand } from '@aws-sdk/client-ec2';
import { ListResolverEndpointsCommand, ListResolverRuleAssociationsCommand, ListResolverRulesCommand } from '@aws-sdk/client-route53resolver';
import { ResourceConflict, ResourceNotReady } from '../../functions/commons/errors';
import { MANAGED_BY, resourceNames } from '../../functions/commons/naming';
import * as removal from '../../functions/remove-aws-dns/remove-aws-dns';
import { FaultInjector, parseFaults } from '../../local/faults';
import { buildDnsForwarding, OTHER_VPC, REQUEST, startDnsHarness, type DnsHarness } from '../workflow/aws-dns-support';

const names = resourceNames(REQUEST).aws;
const input = { request: REQUEST };

let h: DnsHarness;
afterEach(async () => {
  await h?.close();
});

const deletes = (harness: DnsHarness) =>
  Object.fromEntries(Object.entries(harness.ctx.recorder.apiCalls.aws).filter(([action]) => /^(Delete|Disassociate)/.test(action)));

/** Runs a step until it stops answering ResourceNotReady, as the state's retry does, on the simulated clock. */
async function untilDone<T>(harness: DnsHarness, step: () => Promise<T>, everySeconds: number, tries = 60): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (!(error instanceof ResourceNotReady) || attempt >= tries) throw error;
      await harness.clock.sleep(everySeconds);
    }
  }
}

async function removeAll(harness: DnsHarness) {
  return {
    association: await untilDone(harness, () => removal.removeRuleAssociation(harness.resolver, input), 10),
    rule: await untilDone(harness, () => removal.removeForwardingRule(harness.resolver, input), 10),
    endpoint: await untilDone(harness, () => removal.removeOutboundEndpoint(harness.resolver, input), 15),
    securityGroup: await untilDone(harness, () => removal.removeDnsSecurityGroup(harness.ec2, input), 15),
  };
}

async function resolverLeft(harness: DnsHarness) {
  return {
    endpoints: (await harness.resolver.send(new ListResolverEndpointsCommand({}))).ResolverEndpoints?.map((e) => e.Id) ?? [],
    rules: (await harness.resolver.send(new ListResolverRulesCommand({}))).ResolverRules?.filter((r) => r.Id?.startsWith('rslvr-rr-') && r.RuleType === 'FORWARD').map((r) => r.Id) ?? [],
    associations: (await harness.resolver.send(new ListResolverRuleAssociationsCommand({ Filters: [{ Name: 'VPCId', Values: [REQUEST.aws.vpcId] }] }))).ResolverRuleAssociations?.map((a) => a.Id) ?? [],
  };
}

test('removes our association, rule, endpoint and security group in order; a second pass changes nothing', async () => {
  h = await startDnsHarness();
  const built = await buildDnsForwarding(h);
  const before = await resolverLeft(h);

  // The first answer of each is "not yet", not an outcome: the deletion has only started.
  await expect(removal.removeRuleAssociation(h.resolver, input)).rejects.toBeInstanceOf(ResourceNotReady);
  const outcomes = await removeAll(h);
  expect(outcomes).toEqual({
    association: { outcome: 'absent' },
    rule: { outcome: 'absent' },
    endpoint: { outcome: 'absent' },
    securityGroup: { outcome: 'removed', id: built.securityGroupId },
  });
  const after = await resolverLeft(h);
  expect(after.endpoints).toEqual(before.endpoints.filter((id) => id !== built.resolverEndpointId));
  expect(after.rules).toEqual(before.rules.filter((id) => id !== built.resolverRuleId));
  expect(after.associations).toEqual(before.associations.filter((id) => id !== built.associationId));
  expect(h.state.aws.securityGroups.some((g) => g.GroupId === built.securityGroupId)).toBe(false);
  expect(deletes(h)).toEqual({ DisassociateResolverRule: 1, DeleteResolverRule: 1, DeleteResolverEndpoint: 1, DeleteSecurityGroup: 1 });

  const again = await removeAll(h);
  expect(again).toEqual({ association: { outcome: 'absent' }, rule: { outcome: 'absent' }, endpoint: { outcome: 'absent' }, securityGroup: { outcome: 'absent' } });
  expect(deletes(h)).toEqual({ DisassociateResolverRule: 1, DeleteResolverRule: 1, DeleteResolverEndpoint: 1, DeleteSecurityGroup: 1 });
});

test('out of order, each waits for what must go first, without a delete the service would refuse', async () => {
  h = await startDnsHarness();
  const built = await buildDnsForwarding(h);
  // The security group while the endpoint's interfaces hold it: DependencyViolation, which is waiting.
  await expect(removal.removeDnsSecurityGroup(h.ec2, input)).rejects.toBeInstanceOf(ResourceNotReady);
  // The endpoint while our rule uses it, the rule while associated: not even asked.
  await expect(removal.removeOutboundEndpoint(h.resolver, input)).rejects.toBeInstanceOf(ResourceNotReady);
  await expect(removal.removeForwardingRule(h.resolver, input)).rejects.toBeInstanceOf(ResourceNotReady);
  expect(deletes(h)).toEqual({ DeleteSecurityGroup: 1 });
  // Asked again and again while the association is going, the disassociation is sent once.
  for (let i = 0; i < 3; i++) await expect(removal.removeRuleAssociation(h.resolver, input)).rejects.toBeInstanceOf(ResourceNotReady);
  expect(deletes(h)).toEqual({ DeleteSecurityGroup: 1, DisassociateResolverRule: 1 });
  await expect(removal.removeForwardingRule(h.resolver, input)).rejects.toBeInstanceOf(ResourceNotReady);
  expect(h.ctx.recorder.apiCalls.aws.DeleteResolverRule ?? 0).toBe(0);
  expect((await removeAll(h)).securityGroup).toEqual({ outcome: 'removed', id: built.securityGroupId });
});

test('every delete answer lost (drop-response): the SDK resends, the service refuses the repeat, and the steps still converge', async () => {
  h = await startDnsHarness();
  await buildDnsForwarding(h);
  const drops = ['DisassociateResolverRule', 'DeleteResolverRule', 'DeleteResolverEndpoint', 'DeleteSecurityGroup'].map((op) => `drop-response:${op}`);
  (h.ctx as { faults: FaultInjector }).faults = new FaultInjector(parseFaults(drops.join(',')), 1);
  const outcomes = await removeAll(h);
  expect(outcomes.association).toEqual({ outcome: 'absent' });
  expect(outcomes.rule).toEqual({ outcome: 'absent' });
  expect(outcomes.endpoint).toEqual({ outcome: 'absent' });
  expect(['removed', 'absent']).toContain(outcomes.securityGroup.outcome);
  expect(h.state.aws.resolverRuleAssociations.filter((a) => a.VPCId === REQUEST.aws.vpcId && a.deletedAt === undefined)).toEqual([]);
  expect(h.state.aws.resolverRules.filter((r) => r.CreatorRequestId === names.creatorRequestIds.resolverRule && r.deletedAt === undefined)).toEqual([]);
  expect(h.state.aws.resolverEndpoints.filter((e) => e.CreatorRequestId === names.creatorRequestIds.resolverEndpoint && e.deletedAt === undefined)).toEqual([]);
  expect(h.state.aws.securityGroups.some((g) => g.GroupName === names.dnsOutboundSecurityGroup)).toBe(false);
  // Each drop made the SDK send the call again: the repeats were refused and read as "going", not as failures.
  expect(deletes(h).DeleteResolverRule).toBeGreaterThanOrEqual(2);
});

test("look-alikes are left: a rule with our creator request id but not our tags, our name in another VPC, a group with our name", async () => {
  h = await startDnsHarness();
  // Seeded in the state: a FORWARD rule needs an outbound endpoint, which is beside the point here.
  const seedRule = (id: string, creatorRequestId: string, tags: { Key: string; Value: string }[]) => {
    h.state.aws.resolverRules.push({
      Id: id,
      Arn: `arn:aws:route53resolver:ap-northeast-1:123456789012:resolver-rule/${id}`,
      CreatorRequestId: creatorRequestId,
      Name: names.resolverRule,
      RuleType: 'FORWARD',
      DomainName: 'corp.example',
      TargetIps: [{ Ip: '10.9.9.9', Port: 53 }],
      ResolverEndpointId: 'rslvr-out-team00000000001',
      Tags: tags,
      createdAt: 0,
      readyAt: 0,
    } as never);
    return { Id: id };
  };
  const foreignRule = seedRule('rslvr-rr-team00000000001', names.creatorRequestIds.resolverRule, [{ Key: 'Name', Value: names.resolverRule }]);
  const sameEnvironmentOtherVpc = { ...REQUEST, aws: { ...REQUEST.aws, vpcId: OTHER_VPC } };
  const otherVpcRule = seedRule('rslvr-rr-other0000000001', resourceNames(sameEnvironmentOtherVpc).aws.creatorRequestIds.resolverRule, [
    { Key: 'managed-by', Value: MANAGED_BY },
    { Key: 'environment', Value: REQUEST.environmentId },
  ]);
  const group = await h.ec2.send(new CreateSecurityGroupCommand({ GroupName: names.dnsOutboundSecurityGroup, Description: 'a team group', VpcId: REQUEST.aws.vpcId }));

  const rule = await removal.removeForwardingRule(h.resolver, input);
  expect(rule).toEqual({ outcome: 'left', id: foreignRule.Id, reason: `it lacks the tags managed-by=${MANAGED_BY} and environment=${REQUEST.environmentId}` });
  expect(await removal.removeRuleAssociation(h.resolver, input)).toEqual({ outcome: 'absent' });
  expect(await removal.removeOutboundEndpoint(h.resolver, input)).toEqual({ outcome: 'absent' });
  expect(await removal.removeDnsSecurityGroup(h.ec2, input)).toEqual({
    outcome: 'left',
    id: group.GroupId,
    reason: `it lacks the tags managed-by=${MANAGED_BY} and environment=${REQUEST.environmentId}`,
  });
  // Without that one, the environment's rule for another VPC is what carries the name: not this request's to remove.
  h.state.aws.resolverRules = h.state.aws.resolverRules.filter((r) => r.Id !== foreignRule.Id);
  expect(await removal.removeForwardingRule(h.resolver, input)).toEqual({
    outcome: 'left',
    id: otherVpcRule.Id,
    reason: `it is this environment's in another VPC (creator request id ${resourceNames(sameEnvironmentOtherVpc).aws.creatorRequestIds.resolverRule})`,
  });
  expect(deletes(h)).toEqual({});
});

test('our rule associated with a VPC the environment did not associate: the teardown stops and says so, touching neither', async () => {
  h = await startDnsHarness();
  const built = await buildDnsForwarding(h);
  h.state.aws.resolverRuleAssociations.push({ Id: 'rslvr-rrassoc-team0000000001', ResolverRuleId: built.resolverRuleId, VPCId: OTHER_VPC, createdAt: 0, readyAt: 0 } as never);
  await untilDone(h, () => removal.removeRuleAssociation(h.resolver, input), 10);
  await expect(removal.removeForwardingRule(h.resolver, input)).rejects.toBeInstanceOf(ResourceConflict);
  expect(h.ctx.recorder.apiCalls.aws.DeleteResolverRule ?? 0).toBe(0);
  expect(h.state.aws.resolverRuleAssociations.find((a) => a.VPCId === OTHER_VPC && a.ResolverRuleId === built.resolverRuleId)?.deletedAt).toBeUndefined();
});
