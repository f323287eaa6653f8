/**
 * Fixtures for the DNS forwarding steps' fast tests: the emulated AWS in-process over a state that has the whole
 * private path but the AWS DNS pieces (what the steps build), the network model over that same state, and the
 * steps run in the workflow's order with the waits the state machine makes.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { associateRule, checkRuleAssociation, createForwardingRule, createForwardingSecurityGroup, createOutboundEndpoint } from '../../functions/aws-dns/aws-dns';
import type { EnvironmentRequest } from '../../functions/commons/request/contract';
import type { CloudState } from '../../local/cloud/state';
import { Latencies } from '../../local/latency';
import { NetworkModel } from '../../local/network/model';
import { startHarness, type Harness } from '../local-aws/helpers';
import { ALL_READY_AT, builtState, ids } from '../local-network/fixtures';
import { FACTS } from './vpn-support';

export { FACTS };

export const REQUEST: EnvironmentRequest = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'events', 'new-environment.json'), 'utf8'));
export const INBOUND_IP = ids.inboundIp;
export const OTHER_VPC = 'vpc-0f0f0f0f0f0f0f0f1';
export const OTHER_SUBNETS = ['subnet-0f0f0f0f0f0f0f0f1', 'subnet-0f0f0f0f0f0f0f0f2'];

/** The built private path without the security group, outbound endpoint, rule and association; and a second VPC. */
export function stateWithoutAwsDns(): CloudState {
  const state = builtState();
  const aws = state.aws;
  aws.securityGroups = aws.securityGroups.filter((g) => g.GroupId !== ids.sgId);
  aws.resolverEndpoints = [];
  aws.resolverRules = [];
  aws.resolverRuleAssociations = [];
  aws.vpcs.push({ ...aws.vpcs[0], VpcId: OTHER_VPC, CidrBlock: '10.50.0.0/16' });
  OTHER_SUBNETS.forEach((SubnetId, i) => aws.subnets.push({ ...aws.subnets[i], SubnetId, VpcId: OTHER_VPC, CidrBlock: `10.50.${i + 1}.0/24` }));
  return state;
}

export interface DnsHarness extends Harness {
  ec2Once: EC2Client;
  model: NetworkModel;
  state: CloudState;
}

export async function startDnsHarness(state: CloudState = stateWithoutAwsDns()): Promise<DnsHarness> {
  const h = await startHarness({ state });
  // The workflow's create-once client: the SDK's own retries off.
  const ec2Once = new EC2Client({ endpoint: h.endpoint, region: 'ap-northeast-1', credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-secret' }, maxAttempts: 1 });
  await h.clock.sleep(ALL_READY_AT);
  return {
    ...h,
    ec2Once,
    state,
    model: new NetworkModel(() => state, h.clock, new Latencies()),
    async close() {
      ec2Once.destroy();
      await h.close();
    },
  };
}

/** Every step in the state machine's order, with its waits (outbound endpoint, then rule association). */
export async function buildDnsForwarding(h: DnsHarness, request: EnvironmentRequest = REQUEST, inboundIp = INBOUND_IP) {
  const { securityGroupId } = await createForwardingSecurityGroup(h.ec2, h.ec2Once, { request, facts: FACTS, inboundIp });
  const { resolverEndpointId } = await createOutboundEndpoint(h.resolver, { request, facts: FACTS, securityGroupId });
  await h.clock.sleep(200);
  const { resolverRuleId } = await createForwardingRule(h.resolver, { request, facts: FACTS, resolverEndpointId, inboundIp });
  const { associationId } = await associateRule(h.resolver, { request, facts: FACTS, resolverRuleId });
  await h.clock.sleep(70);
  const { status } = await checkRuleAssociation(h.resolver, { request, facts: FACTS, associationId });
  return { securityGroupId, resolverEndpointId, resolverRuleId, associationId, status };
}

/** The create-like calls the emulated AWS has answered so far, by action. */
export function writes(h: Harness): Record<string, number> {
  return Object.fromEntries(Object.entries(h.ctx.recorder.apiCalls.aws).filter(([name]) => /^(Create|Associate|Authorize|Revoke)/.test(name)));
}

/** Resources of someone else (no product tags), seeded ahead of ours so that ours land past the first page. */
export function seedForeignResolverResources(state: CloudState, count: number): void {
  const aws = state.aws;
  for (let i = 0; i < count; i++) {
    const endpointId = `rslvr-out-foreign${String(i).padStart(8, '0')}`;
    aws.resolverEndpoints.push({
      Id: endpointId,
      Arn: `arn:aws:route53resolver:ap-northeast-1:123456789012:resolver-endpoint/${endpointId}`,
      CreatorRequestId: `foreign-endpoint-${i}`,
      Direction: 'OUTBOUND',
      SecurityGroupIds: ['sg-foreign'],
      IpAddresses: [{ SubnetId: OTHER_SUBNETS[0], Ip: `10.50.1.${10 + i}`, IpId: `rni-foreign-${i}` }],
      HostVPCId: OTHER_VPC,
      Tags: [],
      createdAt: 0,
      readyAt: 0,
    });
    const ruleId = `rslvr-rr-foreign${String(i).padStart(8, '0')}`;
    aws.resolverRules.push({
      Id: ruleId,
      Arn: `arn:aws:route53resolver:ap-northeast-1:123456789012:resolver-rule/${ruleId}`,
      CreatorRequestId: `foreign-rule-${i}`,
      RuleType: 'FORWARD',
      DomainName: `team${i}.corp.example`,
      TargetIps: [{ Ip: '10.9.9.9', Port: 53 }],
      ResolverEndpointId: endpointId,
      Tags: [],
      createdAt: 0,
      readyAt: 0,
    });
    aws.resolverRuleAssociations.push({ Id: `rslvr-rrassoc-foreign${i}`, ResolverRuleId: ruleId, VPCId: ids.vpcId, createdAt: 0, readyAt: 0 });
  }
}
