/**
 * The product's Route 53 Resolver steps (functions/aws-dns) against the strict emulator, through the real SDK:
 * a re-run finds what exists and sends no create, a lost create answer converges to one resource, and nothing
 * it did not create is adopted.
 */
import { AuthorizeSecurityGroupEgressCommand, CreateSecurityGroupCommand } from '@aws-sdk/client-ec2';
import { AssociateResolverRuleCommand, CreateResolverEndpointCommand, CreateResolverRuleCommand } from '@aws-sdk/client-route53resolver';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { associateRule, createForwardingRule, createOutboundEndpoint } from '../../functions/aws-dns/aws-dns';
import { resourceNames } from '../../functions/commons/naming';
import type { EnvironmentRequest } from '../../functions/commons/request/contract';
import { SUBNET_A, SUBNET_C, VPC_ID, errorOf, startHarness, type Harness } from './helpers';
import { FACTS } from '../workflow/vpn-support';

const REQUEST: EnvironmentRequest = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'events', 'new-environment.json'), 'utf8'));
const INBOUND_IP = '192.168.2.4';

const creates = (h: Harness) =>
  Object.fromEntries(Object.entries(h.ctx.recorder.apiCalls.aws).filter(([name]) => /^(Create|Associate)/.test(name)));

describe('the DNS forwarding steps under the strict Route 53 Resolver', () => {
  let h: Harness;
  let securityGroupId: string;
  beforeEach(async () => {
    h = await startHarness();
    securityGroupId = (await h.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'dns', Description: 'dns', VpcId: VPC_ID }))).GroupId!;
    await h.ec2.send(new AuthorizeSecurityGroupEgressCommand({ GroupId: securityGroupId, IpPermissions: [{ IpProtocol: 'udp', FromPort: 53, ToPort: 53, IpRanges: [{ CidrIp: `${INBOUND_IP}/32` }] }] }));
  });
  afterEach(async () => {
    await h.close();
  });

  async function buildAll() {
    const { resolverEndpointId } = await createOutboundEndpoint(h.resolver, { request: REQUEST, facts: FACTS, securityGroupId });
    await h.clock.sleep(600);
    const { resolverRuleId } = await createForwardingRule(h.resolver, { request: REQUEST, facts: FACTS, resolverEndpointId, inboundIp: INBOUND_IP });
    const { associationId } = await associateRule(h.resolver, { request: REQUEST, facts: FACTS, resolverRuleId });
    return { resolverEndpointId, resolverRuleId, associationId };
  }

  it('a second pass over every step finds the endpoint, rule and association and sends no create', async () => {
    const first = await buildAll();
    expect(creates(h)).toEqual({ CreateSecurityGroup: 1, CreateResolverEndpoint: 1, CreateResolverRule: 1, AssociateResolverRule: 1 });
    const again = await buildAll();
    expect(again).toEqual(first);
    expect(creates(h)).toEqual({ CreateSecurityGroup: 1, CreateResolverEndpoint: 1, CreateResolverRule: 1, AssociateResolverRule: 1 });
    const aws = h.ctx.state.aws;
    expect([aws.resolverEndpoints.length, aws.resolverRules.length, aws.resolverRuleAssociations.length]).toEqual([1, 1, 1]);
  });

  it('a dropped CreateResolverEndpoint answer: the SDK retry is refused as existing, the step looks up and converges to one endpoint', async () => {
    await h.close();
    h = await startHarness({ faults: 'drop-response:CreateResolverEndpoint' });
    securityGroupId = (await h.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'dns', Description: 'dns', VpcId: VPC_ID }))).GroupId!;
    const { resolverEndpointId } = await createOutboundEndpoint(h.resolver, { request: REQUEST, facts: FACTS, securityGroupId });
    expect(h.ctx.recorder.apiCalls.aws.CreateResolverEndpoint).toBe(2);
    expect(h.ctx.state.aws.resolverEndpoints.map((e) => e.Id)).toEqual([resolverEndpointId]);
  });

  it('a dropped CreateResolverRule answer converges to one rule', async () => {
    await h.close();
    h = await startHarness({ faults: 'drop-response:CreateResolverRule' });
    securityGroupId = (await h.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'dns', Description: 'dns', VpcId: VPC_ID }))).GroupId!;
    const { resolverRuleId } = await buildAll();
    expect(h.ctx.recorder.apiCalls.aws.CreateResolverRule).toBe(2);
    expect(h.ctx.state.aws.resolverRules.map((r) => r.Id)).toEqual([resolverRuleId]);
  });

  it('a dropped AssociateResolverRule answer: the repeat is refused with InvalidRequestException, the step finds its association', async () => {
    await h.close();
    h = await startHarness({ faults: 'drop-response:AssociateResolverRule' });
    securityGroupId = (await h.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'dns', Description: 'dns', VpcId: VPC_ID }))).GroupId!;
    const { associationId } = await buildAll();
    expect(h.ctx.recorder.apiCalls.aws.AssociateResolverRule).toBe(2);
    expect(h.ctx.state.aws.resolverRuleAssociations.map((a) => a.Id)).toEqual([associationId]);
  });

  it('an endpoint with our creator request id but without our managed-by tag is not adopted', async () => {
    const names = resourceNames(REQUEST).aws;
    await h.resolver.send(
      new CreateResolverEndpointCommand({
        CreatorRequestId: names.creatorRequestIds.resolverEndpoint,
        Direction: 'OUTBOUND',
        SecurityGroupIds: [securityGroupId],
        IpAddresses: [{ SubnetId: SUBNET_A }, { SubnetId: SUBNET_C }],
      }),
    );
    const refused = await errorOf(createOutboundEndpoint(h.resolver, { request: REQUEST, facts: FACTS, securityGroupId }));
    expect(refused.name).toBe('ResourceConflict');
    expect(refused.message).toMatch(/not the tags managed-by=aoai-private-link and environment=aoai-prod-01; it is left alone/);
    expect(h.ctx.state.aws.resolverEndpoints).toHaveLength(1);
  });

  it('a rule found from an earlier run that forwards elsewhere is named, not silently used', async () => {
    const { resolverEndpointId } = await createOutboundEndpoint(h.resolver, { request: REQUEST, facts: FACTS, securityGroupId });
    await h.clock.sleep(600);
    await createForwardingRule(h.resolver, { request: REQUEST, facts: FACTS, resolverEndpointId, inboundIp: INBOUND_IP });
    const moved = await errorOf(createForwardingRule(h.resolver, { request: REQUEST, facts: FACTS, resolverEndpointId, inboundIp: '192.168.2.5' }));
    expect(moved.name).toBe('ResourceConflict');
    expect(moved.message).toMatch(/forwards to 192\.168\.2\.4:53 .* not to 192\.168\.2\.5:53/);
  });

  it("another rule for openai.azure.com already associated with the VPC is someone else's: the refusal stands", async () => {
    const { resolverEndpointId } = await createOutboundEndpoint(h.resolver, { request: REQUEST, facts: FACTS, securityGroupId });
    await h.clock.sleep(600);
    const foreign = await h.resolver.send(
      new CreateResolverRuleCommand({ CreatorRequestId: 'someone-else', RuleType: 'FORWARD', DomainName: 'openai.azure.com', TargetIps: [{ Ip: '10.9.9.9' }], ResolverEndpointId: resolverEndpointId }),
    );
    await h.resolver.send(new AssociateResolverRuleCommand({ ResolverRuleId: foreign.ResolverRule!.Id, VPCId: VPC_ID }));
    const { resolverRuleId } = await createForwardingRule(h.resolver, { request: REQUEST, facts: FACTS, resolverEndpointId, inboundIp: INBOUND_IP });
    const refused = await errorOf(associateRule(h.resolver, { request: REQUEST, facts: FACTS, resolverRuleId }));
    expect(refused.name).toBe('InvalidRequestException');
    expect(h.ctx.state.aws.resolverRuleAssociations.map((a) => a.ResolverRuleId)).toEqual([foreign.ResolverRule!.Id]);
  });
});
