/**
 * The DNS forwarding steps read what Route 53 Resolver reports before they go on: an outbound endpoint still
 * CREATING makes the rule step wait, one Resolver found unhealthy fails it, and so does an association it could
 * not apply. In every case no forwarding rule is written through an endpoint that does not work.
 */
import { checkRuleAssociation, createForwardingRule, createForwardingSecurityGroup, createOutboundEndpoint, associateRule } from '../../functions/aws-dns/aws-dns';
import { errorOf } from '../local-aws/helpers';
import { ids } from '../local-network/fixtures';
import { FACTS, INBOUND_IP, REQUEST, startDnsHarness, writes, type DnsHarness } from './aws-dns-support';

let h: DnsHarness;

beforeEach(async () => {
  h = await startDnsHarness();
});

afterEach(async () => {
  await h.close();
});

async function endpointWithGroup() {
  const { securityGroupId } = await createForwardingSecurityGroup(h.ec2, h.ec2Once, { request: REQUEST, facts: FACTS, inboundIp: INBOUND_IP });
  return createOutboundEndpoint(h.resolver, { request: REQUEST, facts: FACTS, securityGroupId });
}

test('the rule step waits while the outbound endpoint is CREATING, and writes no rule', async () => {
  const { resolverEndpointId } = await endpointWithGroup();
  const error = await errorOf(createForwardingRule(h.resolver, { request: REQUEST, facts: FACTS, resolverEndpointId, inboundIp: INBOUND_IP }));
  expect(error.name).toBe('ResourceNotReady');
  expect(writes(h).CreateResolverRule).toBeUndefined();
});

test.each(['ACTION_NEEDED', 'AUTO_RECOVERING'] as const)('an outbound endpoint Resolver reports %s fails the rule step, and writes no rule', async (status) => {
  const { resolverEndpointId } = await endpointWithGroup();
  await h.clock.sleep(200);
  h.state.aws.resolverEndpoints.find((e) => e.Id === resolverEndpointId)!.impaired = { Status: status, StatusMessage: 'One or more network interfaces were deleted.' };
  const error = await errorOf(createForwardingRule(h.resolver, { request: REQUEST, facts: FACTS, resolverEndpointId, inboundIp: INBOUND_IP }));
  expect(error.name).toBe('ResourceFailed');
  expect(error.message).toContain(resolverEndpointId);
  expect(writes(h).CreateResolverRule).toBeUndefined();
});

test('an association still CREATING makes the check wait; once COMPLETE the account name resolves privately', async () => {
  const { resolverEndpointId } = await endpointWithGroup();
  await h.clock.sleep(200);
  const { resolverRuleId } = await createForwardingRule(h.resolver, { request: REQUEST, facts: FACTS, resolverEndpointId, inboundIp: INBOUND_IP });
  const { associationId } = await associateRule(h.resolver, { request: REQUEST, facts: FACTS, resolverRuleId });
  expect((await errorOf(checkRuleAssociation(h.resolver, { request: REQUEST, facts: FACTS, associationId }))).name).toBe('ResourceNotReady');
  await h.clock.sleep(70);
  await expect(checkRuleAssociation(h.resolver, { request: REQUEST, facts: FACTS, associationId })).resolves.toEqual({ status: 'COMPLETE' });
  expect(h.model.resolve(ids.subnetA, ids.accountName)).toMatchObject({ via: 'private' });
});

test('an association Resolver could not apply fails the check, and the account name does not resolve privately', async () => {
  const { resolverEndpointId } = await endpointWithGroup();
  await h.clock.sleep(200);
  const { resolverRuleId } = await createForwardingRule(h.resolver, { request: REQUEST, facts: FACTS, resolverEndpointId, inboundIp: INBOUND_IP });
  const { associationId } = await associateRule(h.resolver, { request: REQUEST, facts: FACTS, resolverRuleId });
  await h.clock.sleep(70);
  h.state.aws.resolverRuleAssociations.find((a) => a.Id === associationId)!.impaired = { Status: 'FAILED', StatusMessage: 'The association could not be applied.' };
  const error = await errorOf(checkRuleAssociation(h.resolver, { request: REQUEST, facts: FACTS, associationId }));
  expect(error.name).toBe('ResourceFailed');
  expect(error.message).toContain(associationId);
  expect(h.model.resolve(ids.subnetA, ids.accountName).via).not.toBe('private');
});

test('an endpoint or rule Resolver found unhealthy after the build takes the private answer away', async () => {
  const { resolverEndpointId } = await endpointWithGroup();
  await h.clock.sleep(200);
  const { resolverRuleId } = await createForwardingRule(h.resolver, { request: REQUEST, facts: FACTS, resolverEndpointId, inboundIp: INBOUND_IP });
  await associateRule(h.resolver, { request: REQUEST, facts: FACTS, resolverRuleId });
  await h.clock.sleep(70);
  expect(h.model.resolve(ids.subnetA, ids.accountName).via).toBe('private');
  const endpoint = h.state.aws.resolverEndpoints.find((e) => e.Id === resolverEndpointId)!;
  endpoint.impaired = { Status: 'ACTION_NEEDED', StatusMessage: 'One or more network interfaces were deleted.' };
  expect(h.model.resolve(ids.subnetA, ids.accountName).reasons.join('\n')).toContain(`outbound endpoint ${resolverEndpointId} is ACTION_NEEDED`);
  delete endpoint.impaired;
  h.state.aws.resolverRules.find((r) => r.Id === resolverRuleId)!.impaired = { Status: 'FAILED', StatusMessage: 'The rule could not be applied.' };
  expect(h.model.resolve(ids.subnetA, ids.accountName).reasons.join('\n')).toContain(`resolver rule ${resolverRuleId} is FAILED`);
});
