/**
 * Which names the VPC's forwarding rules capture. Route 53 Resolver applies the most specific rule associated
 * with the VPC whose domain is the query name or a parent of it; a rule wider than openai.azure.com therefore
 * sends other Azure names (management.azure.com, portal.azure.com) over the VPN to Azure's inbound endpoint,
 * where they depend on the tunnels. The emulated network models that, so a widened rule is visible.
 */
import type { CloudState, ResolverRule } from '../../local/cloud/state';
import { Latencies } from '../../local/latency';
import { NetworkModel, OTHER_PUBLIC_AZURE_NAMES, publicAddressOfName } from '../../local/network/model';
import { ALL_READY_AT, ManualClock, azureProps, builtState, ids } from './fixtures';

function modelOf(state: CloudState, t = ALL_READY_AT) {
  return new NetworkModel(() => state, new ManualClock(t), new Latencies());
}

function ourRule(state: CloudState): ResolverRule {
  return state.aws.resolverRules.find((r) => r.Id === ids.ruleId)!;
}

/** Another rule of the VPC, associated with it and ready. */
function addAssociatedRule(state: CloudState, id: string, domainName: string, ruleType: ResolverRule['RuleType'], associationReadyAt = 2770): void {
  state.aws.resolverRules.push({
    ...ourRule(state),
    Id: id,
    Arn: `arn:aws:route53resolver:ap-northeast-1:123456789012:resolver-rule/${id}`,
    CreatorRequestId: `req-${id}`,
    DomainName: domainName,
    RuleType: ruleType,
    TargetIps: ruleType === 'FORWARD' ? [{ Ip: ids.inboundIp, Port: 53 }] : [],
    ResolverEndpointId: ruleType === 'FORWARD' ? ids.outboundId : undefined,
  });
  state.aws.resolverRuleAssociations.push({ Id: `${id}-assoc`, ResolverRuleId: id, VPCId: ids.vpcId, createdAt: 2710, readyAt: associationReadyAt });
}

describe('the forwarding rule for openai.azure.com', () => {
  it.each(OTHER_PUBLIC_AZURE_NAMES)('leaves %s to public DNS while the account name goes over the private path', (name) => {
    const model = modelOf(builtState());
    expect(model.resolve(ids.subnetA, name)).toMatchObject({ rcode: 'NOERROR', via: 'public', addresses: [publicAddressOfName(name)], cnames: [] });
    expect(model.resolve(ids.subnetA, ids.accountName)).toMatchObject({ via: 'private', addresses: [ids.peIp] });
  });

  it('a public Azure name answers publicly even when nothing of the private path exists', () => {
    const state = builtState();
    state.aws.resolverRules = [];
    state.aws.resolverRuleAssociations = [];
    expect(modelOf(state, 0).resolve(ids.subnetB, 'Management.Azure.com.')).toMatchObject({ name: 'management.azure.com', via: 'public', addresses: [publicAddressOfName('management.azure.com')] });
  });
});

describe('a rule wider than openai.azure.com', () => {
  it.each(['azure.com', 'azure.com.', '.'])('%s captures management.azure.com and sends it over the VPN', (domain) => {
    const state = builtState();
    ourRule(state).DomainName = domain;
    const model = modelOf(state);
    expect(model.resolve(ids.subnetA, 'management.azure.com')).toMatchObject({ via: 'private', addresses: [publicAddressOfName('management.azure.com')], reasons: [] });
    expect(model.resolve(ids.subnetA, ids.accountName)).toMatchObject({ via: 'private', addresses: [ids.peIp] });
  });

  it('makes the captured names depend on the tunnels: with them down, nothing answers (no fallback to public DNS)', () => {
    const state = builtState();
    ourRule(state).DomainName = 'azure.com';
    azureProps(state, ids.connectionIds[0]).sharedKey = 'wrong-key-one';
    azureProps(state, ids.connectionIds[1]).sharedKey = 'wrong-key-two';
    const answer = modelOf(state).resolve(ids.subnetA, 'portal.azure.com');
    expect(answer).toMatchObject({ rcode: 'NOERROR', via: 'none', addresses: [] });
    expect(answer.reasons[0]).toContain(ids.ruleId);
    expect(answer.reasons.join('\n')).toMatch(/tunnel/i);
  });

  it('captured names also need the outbound endpoint, its security group and the inbound endpoint as target', () => {
    const endpointCreating = builtState();
    ourRule(endpointCreating).DomainName = 'azure.com';
    endpointCreating.aws.resolverEndpoints[0].readyAt = ALL_READY_AT + 100;
    expect(modelOf(endpointCreating).resolve(ids.subnetA, 'management.azure.com')).toMatchObject({ via: 'none', addresses: [] });

    const noEgress = builtState();
    ourRule(noEgress).DomainName = 'azure.com';
    noEgress.aws.securityGroups.find((g) => g.GroupId === ids.sgId)!.Egress = [];
    expect(modelOf(noEgress).resolve(ids.subnetA, 'management.azure.com').via).toBe('none');

    const elsewhere = builtState();
    ourRule(elsewhere).DomainName = 'azure.com';
    ourRule(elsewhere).TargetIps = [{ Ip: '10.9.9.9', Port: 53 }];
    expect(modelOf(elsewhere).resolve(ids.subnetA, 'management.azure.com').via).toBe('none');
  });

  it('is in force while its association is still CREATING', () => {
    const state = builtState();
    ourRule(state).DomainName = 'openai.azure.com';
    addAssociatedRule(state, 'rslvr-rr-wide', 'azure.com', 'FORWARD', ALL_READY_AT + 60);
    expect(modelOf(state).resolve(ids.subnetA, 'management.azure.com').via).toBe('private');
  });

  it('does nothing to a VPC it is not associated with', () => {
    const state = builtState();
    ourRule(state).DomainName = 'azure.com';
    state.aws.resolverRuleAssociations[0].VPCId = 'vpc-0fffffffffffffff0';
    expect(modelOf(state).resolve(ids.subnetA, 'management.azure.com').via).toBe('public');
  });

  it('loses to a more specific rule: a SYSTEM rule for management.azure.com keeps that name public, portal.azure.com stays captured', () => {
    const state = builtState();
    ourRule(state).DomainName = 'azure.com';
    addAssociatedRule(state, 'rslvr-rr-system', 'management.azure.com', 'SYSTEM');
    const model = modelOf(state);
    expect(model.resolve(ids.subnetA, 'management.azure.com')).toMatchObject({ via: 'public', addresses: [publicAddressOfName('management.azure.com')] });
    expect(model.resolve(ids.subnetA, 'portal.azure.com').via).toBe('private');
  });

  it('a name that only ends like the rule domain is not under it', () => {
    const state = builtState();
    ourRule(state).DomainName = 'ure.com';
    expect(modelOf(state).resolve(ids.subnetA, 'management.azure.com').via).toBe('public');
  });
});
