/**
 * cdk/permissions.ts on its own, without a synth: the statements each function's `calls` produce, rendered
 * as a deployment would render them, and decided by iam-simulate (AWS's authorization data) for what the
 * function needs (allowed) and what it must not reach (denied: a foreign-tagged resource, an untagged create,
 * another region or account, a secret or function outside the product's names, another role or key).
 */
import { buildSync } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  MANAGED_BY_TAG_KEY,
  MANAGED_BY_TAG_VALUE,
  PROBE_FUNCTION_NAME_PREFIX,
  ScopeContext,
  UnscopedActionError,
  WORKFLOW_SECRET_PREFIX,
  statementsForCalls,
} from '../../cdk/permissions';
import { LAMBDAS, PROBE_FUNCTION_ENTRY } from '../../functions/catalog';
import { localFunctionArn } from '../../local/runner/lambdas';
import { ACCOUNT, REGION, renderer, simulate } from '../iam/support';

const OTHER_REGION = 'us-east-1';
const OTHER_ACCOUNT = '210987654321';
const PROBE_ROLE = `arn:aws:iam::${ACCOUNT}:role/ProbeRole`;
const PROBE_CODE = 'arn:aws:s3:::assets-bucket/probe.zip';
const TUNNEL_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const ctx: ScopeContext = { probeRoleArn: PROBE_ROLE, probeCodeObjectArn: PROBE_CODE };
const ctxWithKey: ScopeContext = { ...ctx, tunnelKeyKmsKeyArn: TUNNEL_KEY };

const stack = new Stack(new App(), 'PermissionsUnit');
const render = renderer({ Resources: {} });
const rendered = (statements: iam.PolicyStatement[]) => statements.map((s) => render(stack.resolve(s.toStatementJson())));

const callsOf = (id: string) => LAMBDAS.find((l) => l.id === id)!.calls;
const policyFor = (calls: string[], context: ScopeContext = ctx) => [
  { name: 'policy', policy: { Version: '2012-10-17', Statement: rendered(statementsForCalls('Fn', calls, context).statements) } },
];

const ours = { [`aws:ResourceTag/${MANAGED_BY_TAG_KEY}`]: MANAGED_BY_TAG_VALUE };
const foreign = { [`aws:ResourceTag/${MANAGED_BY_TAG_KEY}`]: 'someone-else' };
const tagging = { [`aws:RequestTag/${MANAGED_BY_TAG_KEY}`]: MANAGED_BY_TAG_VALUE, 'aws:TagKeys': [MANAGED_BY_TAG_KEY] };
const taggingOther = { [`aws:RequestTag/${MANAGED_BY_TAG_KEY}`]: 'someone-else', 'aws:TagKeys': [MANAGED_BY_TAG_KEY] };

const ec2 = (resource: string, region = REGION, account = ACCOUNT) => `arn:aws:ec2:${region}:${account}:${resource}`;
const resolver = (resource: string, region = REGION) => `arn:aws:route53resolver:${region}:${ACCOUNT}:${resource}`;
const secret = (name: string, region = REGION) => `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${name}-AbCdEf`;
const fn = (name: string, region = REGION) => `arn:aws:lambda:${region}:${ACCOUNT}:function:${name}`;
const probe = (region = REGION) => fn(`${PROBE_FUNCTION_NAME_PREFIX}env-a`, region);

type Case = [action: string, resource: string, context: Record<string, string | string[]>, expected: 'Allowed' | 'ImplicitlyDenied'];

async function decide(policies: ReturnType<typeof policyFor>, cases: Case[]) {
  const decided: string[] = [];
  for (const [action, resource, context] of cases) {
    const outcome = await simulate('arn:aws:iam::123456789012:role/Fn', policies, { action, resource, context, because: 'test' });
    decided.push(`${action} ${resource} ${JSON.stringify(context)} => ${outcome.result}${outcome.detail ?? ''}`);
  }
  expect(decided).toEqual(cases.map(([action, resource, context, expected]) => `${action} ${resource} ${JSON.stringify(context)} => ${expected}`));
}
const allow = (action: string, resource: string, context: Record<string, string | string[]> = {}): Case => [action, resource, context, 'Allowed'];
const deny = (action: string, resource: string, context: Record<string, string | string[]> = {}): Case => [action, resource, context, 'ImplicitlyDenied'];

describe('AwsVpn: creates only tagged, changes only its own, reads only its secrets', () => {
  const policies = () => policyFor(callsOf('AwsVpn'));

  test('customer and virtual private gateways, VPN connections: created with our tag, in this region only', () =>
    decide(policies(), [
      allow('ec2:CreateCustomerGateway', ec2('customer-gateway/cgw-1'), tagging),
      deny('ec2:CreateCustomerGateway', ec2('customer-gateway/cgw-1')),
      deny('ec2:CreateCustomerGateway', ec2('customer-gateway/cgw-1'), taggingOther),
      deny('ec2:CreateCustomerGateway', ec2('customer-gateway/cgw-1', OTHER_REGION), tagging),
      deny('ec2:CreateCustomerGateway', ec2('customer-gateway/cgw-1', REGION, OTHER_ACCOUNT), tagging),
      allow('ec2:CreateVpnGateway', ec2('vpn-gateway/vgw-1'), tagging),
      deny('ec2:CreateVpnGateway', ec2('vpn-gateway/vgw-1')),
      deny('ec2:CreateVpnGateway', ec2('vpn-gateway/vgw-1', OTHER_REGION), tagging),
      allow('ec2:CreateVpnConnection', ec2('vpn-connection/vpn-1'), tagging),
      deny('ec2:CreateVpnConnection', ec2('vpn-connection/vpn-1')),
      allow('ec2:CreateVpnConnection', ec2('customer-gateway/cgw-1'), ours),
      deny('ec2:CreateVpnConnection', ec2('customer-gateway/cgw-1'), foreign),
      allow('ec2:CreateVpnConnection', ec2('vpn-gateway/vgw-1'), ours),
      deny('ec2:CreateVpnConnection', ec2('vpn-gateway/vgw-1'), foreign),
    ]));

  test('attach, propagation and static routes: on our gateway and connection, the customer VPC and route tables of this account', () =>
    decide(policies(), [
      allow('ec2:AttachVpnGateway', ec2('vpn-gateway/vgw-1'), ours),
      deny('ec2:AttachVpnGateway', ec2('vpn-gateway/vgw-1'), foreign),
      allow('ec2:AttachVpnGateway', ec2('vpc/vpc-1'), foreign),
      deny('ec2:AttachVpnGateway', ec2('vpc/vpc-1', OTHER_REGION)),
      deny('ec2:AttachVpnGateway', ec2('vpc/vpc-1', REGION, OTHER_ACCOUNT)),
      allow('ec2:EnableVgwRoutePropagation', ec2('vpn-gateway/vgw-1'), ours),
      deny('ec2:EnableVgwRoutePropagation', ec2('vpn-gateway/vgw-1'), foreign),
      allow('ec2:EnableVgwRoutePropagation', ec2('route-table/rtb-1')),
      deny('ec2:EnableVgwRoutePropagation', ec2('route-table/rtb-1', OTHER_REGION)),
      allow('ec2:CreateVpnConnectionRoute', ec2('vpn-connection/vpn-1'), ours),
      deny('ec2:CreateVpnConnectionRoute', ec2('vpn-connection/vpn-1'), foreign),
    ]));

  test('tags only inside the listed creates, with our tag, on the types they create', () =>
    decide(policies(), [
      allow('ec2:CreateTags', ec2('customer-gateway/cgw-1'), { ...tagging, 'ec2:CreateAction': 'CreateCustomerGateway' }),
      allow('ec2:CreateTags', ec2('vpn-gateway/vgw-1'), { ...tagging, 'ec2:CreateAction': 'CreateVpnGateway' }),
      allow('ec2:CreateTags', ec2('vpn-connection/vpn-1'), { ...tagging, 'ec2:CreateAction': 'CreateVpnConnection' }),
      allow('ec2:CreateTags', ec2('security-group/sg-1'), { ...tagging, 'ec2:CreateAction': 'CreateSecurityGroup' }),
      // A standalone CreateTags could rewrite the tag the look-ups trust.
      deny('ec2:CreateTags', ec2('vpn-gateway/vgw-1'), tagging),
      deny('ec2:CreateTags', ec2('vpn-gateway/vgw-1'), { ...tagging, 'ec2:CreateAction': 'CreateTags' }),
      deny('ec2:CreateTags', ec2('vpn-gateway/vgw-1'), { ...taggingOther, 'ec2:CreateAction': 'CreateVpnGateway' }),
      deny('ec2:CreateTags', ec2('vpc/vpc-1'), { ...tagging, 'ec2:CreateAction': 'CreateVpc' }),
      deny('ec2:CreateTags', ec2('route-table/rtb-1'), { ...tagging, 'ec2:CreateAction': 'CreateVpnGateway' }),
      deny('ec2:CreateTags', ec2('vpn-gateway/vgw-1', OTHER_REGION), { ...tagging, 'ec2:CreateAction': 'CreateVpnGateway' }),
    ]));

  test('tunnel-key secrets: created tagged and read only under the product prefix, in this region', () =>
    decide(policies(), [
      allow('secretsmanager:CreateSecret', secret(`${WORKFLOW_SECRET_PREFIX}env-a/tunnel-1`), tagging),
      deny('secretsmanager:CreateSecret', secret(`${WORKFLOW_SECRET_PREFIX}env-a/tunnel-1`)),
      deny('secretsmanager:CreateSecret', secret('other/tunnel-1'), tagging),
      allow('secretsmanager:TagResource', secret(`${WORKFLOW_SECRET_PREFIX}env-a/tunnel-1`), tagging),
      deny('secretsmanager:TagResource', secret(`${WORKFLOW_SECRET_PREFIX}env-a/tunnel-1`), taggingOther),
      allow('secretsmanager:GetSecretValue', secret(`${WORKFLOW_SECRET_PREFIX}env-a/tunnel-1`)),
      deny('secretsmanager:GetSecretValue', secret('azure/service-principal')),
      deny('secretsmanager:GetSecretValue', secret(`${WORKFLOW_SECRET_PREFIX}env-a/tunnel-1`, OTHER_REGION)),
      allow('secretsmanager:DescribeSecret', secret(`${WORKFLOW_SECRET_PREFIX}env-a/tunnel-1`)),
      deny('secretsmanager:DescribeSecret', secret('prod/database')),
      allow('ec2:DescribeVpnConnections', '*'),
      allow('ec2:DescribeRouteTables', '*'),
      // Nothing the function does not list.
      deny('ec2:DeleteVpnGateway', ec2('vpn-gateway/vgw-1'), ours),
      deny('secretsmanager:PutSecretValue', secret(`${WORKFLOW_SECRET_PREFIX}env-a/tunnel-1`)),
    ]));

  test('a customer-managed tunnel key: usable only through Secrets Manager in this region, and only that key', () =>
    decide(policyFor(callsOf('AwsVpn'), ctxWithKey), [
      allow('kms:GenerateDataKey', TUNNEL_KEY, { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` }),
      allow('kms:Decrypt', TUNNEL_KEY, { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` }),
      deny('kms:Decrypt', TUNNEL_KEY),
      deny('kms:Decrypt', TUNNEL_KEY, { 'kms:ViaService': `secretsmanager.${OTHER_REGION}.amazonaws.com` }),
      deny('kms:Decrypt', TUNNEL_KEY, { 'kms:ViaService': `lambda.${REGION}.amazonaws.com` }),
      deny('kms:Decrypt', TUNNEL_KEY.replace('1234abcd', '9999abcd'), { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` }),
    ]));

  test('the key is granted only to the secret calls that use it, and only when there is one', () => {
    const actionsOf = (calls: string[], context: ScopeContext) =>
      rendered(statementsForCalls('Fn', calls, context).statements).flatMap((s) => [s.Action].flat() as string[]);
    expect(actionsOf(['secretsmanager:CreateSecret'], ctxWithKey)).toEqual(expect.arrayContaining(['kms:GenerateDataKey', 'kms:Decrypt']));
    expect(actionsOf(['secretsmanager:GetSecretValue'], ctxWithKey)).toContain('kms:Decrypt');
    expect(actionsOf(['secretsmanager:GetSecretValue'], ctxWithKey)).not.toContain('kms:GenerateDataKey');
    expect(actionsOf(['secretsmanager:DescribeSecret'], ctxWithKey).filter((a) => a.startsWith('kms:'))).toEqual([]);
    expect(actionsOf(callsOf('AwsVpn'), ctx).filter((a) => a.startsWith('kms:'))).toEqual([]);
    // Without a key of ours there is nothing to scope a KMS call to.
    expect(() => statementsForCalls('Fn', ['kms:Decrypt'], ctx)).toThrow(UnscopedActionError);
  });
});

describe('AwsDns: security group, resolver endpoint and rule', () => {
  const policies = () => policyFor(callsOf('AwsDns'));

  test('security groups: created tagged in the customer VPC; egress changed only on ours', () =>
    decide(policies(), [
      allow('ec2:CreateSecurityGroup', ec2('security-group/sg-1'), tagging),
      deny('ec2:CreateSecurityGroup', ec2('security-group/sg-1')),
      allow('ec2:CreateSecurityGroup', ec2('vpc/vpc-1')),
      deny('ec2:CreateSecurityGroup', ec2('vpc/vpc-1', OTHER_REGION)),
      allow('ec2:AuthorizeSecurityGroupEgress', ec2('security-group/sg-1'), ours),
      deny('ec2:AuthorizeSecurityGroupEgress', ec2('security-group/sg-1'), foreign),
      allow('ec2:RevokeSecurityGroupEgress', ec2('security-group/sg-1'), ours),
      deny('ec2:RevokeSecurityGroupEgress', ec2('security-group/sg-1'), foreign),
      deny('ec2:AuthorizeSecurityGroupIngress', ec2('security-group/sg-1'), ours),
    ]));

  test("the endpoint's network interfaces: in the request's subnets, with our security group only", () =>
    decide(policies(), [
      allow('ec2:CreateNetworkInterface', ec2('network-interface/eni-1')),
      deny('ec2:CreateNetworkInterface', ec2('network-interface/eni-1', OTHER_REGION)),
      allow('ec2:CreateNetworkInterface', ec2('subnet/subnet-1')),
      deny('ec2:CreateNetworkInterface', ec2('subnet/subnet-1', REGION, OTHER_ACCOUNT)),
      allow('ec2:CreateNetworkInterface', ec2('security-group/sg-1'), ours),
      deny('ec2:CreateNetworkInterface', ec2('security-group/sg-1'), foreign),
      allow('ec2:CreateNetworkInterfacePermission', ec2('network-interface/eni-1')),
      deny('ec2:CreateNetworkInterfacePermission', ec2('network-interface/eni-1', OTHER_REGION)),
    ]));

  test('resolver endpoints and rules: created tagged, read and associated in this region, associated only when ours', () =>
    decide(policies(), [
      allow('route53resolver:CreateResolverEndpoint', resolver('resolver-endpoint/rslvr-out-1'), tagging),
      deny('route53resolver:CreateResolverEndpoint', resolver('resolver-endpoint/rslvr-out-1')),
      allow('route53resolver:CreateResolverRule', resolver('resolver-rule/rslvr-rr-1'), tagging),
      deny('route53resolver:CreateResolverRule', resolver('resolver-rule/rslvr-rr-1'), taggingOther),
      allow('route53resolver:TagResource', resolver('resolver-endpoint/rslvr-out-1'), tagging),
      allow('route53resolver:TagResource', resolver('resolver-rule/rslvr-rr-1'), tagging),
      deny('route53resolver:TagResource', resolver('resolver-rule/rslvr-rr-1'), taggingOther),
      allow('route53resolver:GetResolverEndpoint', resolver('resolver-endpoint/rslvr-out-1')),
      deny('route53resolver:GetResolverEndpoint', resolver('resolver-endpoint/rslvr-out-1', OTHER_REGION)),
      allow('route53resolver:GetResolverRule', resolver('resolver-rule/rslvr-rr-1')),
      deny('route53resolver:GetResolverRule', resolver('resolver-rule/rslvr-rr-1', OTHER_REGION)),
      allow('route53resolver:AssociateResolverRule', resolver('resolver-rule/rslvr-rr-1'), ours),
      deny('route53resolver:AssociateResolverRule', resolver('resolver-rule/rslvr-rr-1'), foreign),
      allow('route53resolver:GetResolverRuleAssociation', resolver('resolver-rule/rslvr-rr-1')),
      deny('route53resolver:GetResolverRuleAssociation', resolver('resolver-rule/rslvr-rr-1', OTHER_REGION)),
      allow('route53resolver:ListTagsForResource', resolver('resolver-endpoint/rslvr-out-1'), foreign),
      allow('route53resolver:ListTagsForResource', resolver('resolver-rule/rslvr-rr-1'), foreign),
      deny('route53resolver:ListTagsForResource', resolver('resolver-rule/rslvr-rr-1', OTHER_REGION)),
      allow('route53resolver:ListResolverEndpoints', '*'),
      allow('route53resolver:ListResolverRules', '*'),
      allow('route53resolver:ListResolverRuleAssociations', '*'),
      deny('route53resolver:DeleteResolverRule', resolver('resolver-rule/rslvr-rr-1'), ours),
      deny('route53resolver:UpdateResolverEndpoint', resolver('resolver-endpoint/rslvr-out-1'), ours),
    ]));

  test('what Resolver does with the caller\'s permissions comes with the endpoint create and the association', async () => {
    const describes = ['DescribeAvailabilityZones', 'DescribeNetworkInterfaces', 'DescribeSecurityGroups', 'DescribeSubnets', 'DescribeVpcs'];
    await decide(policyFor(['route53resolver:CreateResolverEndpoint']), [
      allow('ec2:CreateNetworkInterface', ec2('network-interface/eni-1')),
      allow('ec2:CreateNetworkInterface', ec2('subnet/subnet-1')),
      allow('ec2:CreateNetworkInterface', ec2('security-group/sg-1'), ours),
      allow('ec2:CreateNetworkInterfacePermission', ec2('network-interface/eni-1')),
      ...describes.map((name) => allow(`ec2:${name}`, '*')),
    ]);
    await decide(policyFor(['route53resolver:AssociateResolverRule']), [
      allow('ec2:DescribeVpcs', '*'),
      deny('ec2:DescribeSubnets', '*'),
    ]);
    await decide(policyFor(['route53resolver:GetResolverEndpoint']), [deny('ec2:DescribeVpcs', '*')]);
  });
});

describe('ValidateRequest: reads only', () => {
  test('looks up what both clouds hold, changes nothing', () =>
    decide(policyFor(callsOf('ValidateRequest')), [
      ...['DescribeVpcs', 'DescribeSubnets', 'DescribeRouteTables', 'DescribeCustomerGateways', 'DescribeVpnGateways', 'DescribeVpnConnections', 'DescribeSecurityGroups'].map(
        (name) => allow(`ec2:${name}`, '*'),
      ),
      allow('secretsmanager:DescribeSecret', secret(`${WORKFLOW_SECRET_PREFIX}env-a/tunnel-1`)),
      deny('secretsmanager:GetSecretValue', secret(`${WORKFLOW_SECRET_PREFIX}env-a/tunnel-1`)),
      allow('lambda:GetFunction', probe()),
      deny('lambda:GetFunction', fn('payroll')),
      allow('lambda:ListTags', probe()),
      deny('lambda:ListTags', probe(OTHER_REGION)),
      deny('ec2:CreateVpnGateway', ec2('vpn-gateway/vgw-1'), tagging),
      deny('ec2:CreateTags', ec2('vpn-gateway/vgw-1'), { ...tagging, 'ec2:CreateAction': 'CreateVpnGateway' }),
    ]));
});

describe('ProbeRunner: its probe functions, one role, passed only to Lambda', () => {
  const policies = () => policyFor(callsOf('ProbeRunner'));

  test('probe functions: created tagged under the probe prefix; read and invoked there; changed only when ours', () =>
    decide(policies(), [
      allow('lambda:CreateFunction', probe(), tagging),
      deny('lambda:CreateFunction', probe()),
      deny('lambda:CreateFunction', fn('payroll'), tagging),
      deny('lambda:CreateFunction', probe(OTHER_REGION), tagging),
      allow('lambda:TagResource', probe(), tagging),
      deny('lambda:TagResource', probe(), taggingOther),
      deny('lambda:TagResource', fn('payroll'), tagging),
      allow('lambda:GetFunction', probe()),
      deny('lambda:GetFunction', fn('payroll')),
      allow('lambda:ListTags', probe()),
      allow('lambda:InvokeFunction', probe()),
      deny('lambda:InvokeFunction', fn('payroll')),
      deny('lambda:InvokeFunction', probe(OTHER_REGION)),
      allow('lambda:UpdateFunctionCode', probe(), ours),
      deny('lambda:UpdateFunctionCode', probe(), foreign),
      allow('lambda:UpdateFunctionConfiguration', probe(), ours),
      deny('lambda:UpdateFunctionConfiguration', probe(), foreign),
      allow('lambda:DeleteFunction', probe(), ours),
      deny('lambda:DeleteFunction', probe(), foreign),
      deny('lambda:DeleteFunction', fn('payroll'), ours),
      deny('lambda:AddPermission', probe(), ours),
    ]));

  test('the probe role, to Lambda only; the probe code object only; the VPC reads Lambda checks', () =>
    decide(policies(), [
      allow('iam:PassRole', PROBE_ROLE, { 'iam:PassedToService': 'lambda.amazonaws.com' }),
      deny('iam:PassRole', PROBE_ROLE, { 'iam:PassedToService': 'ec2.amazonaws.com' }),
      deny('iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/Admin`, { 'iam:PassedToService': 'lambda.amazonaws.com' }),
      allow('s3:GetObject', PROBE_CODE),
      deny('s3:GetObject', 'arn:aws:s3:::assets-bucket/other.zip'),
      allow('ec2:DescribeSecurityGroups', '*'),
      allow('ec2:DescribeSubnets', '*'),
      allow('ec2:DescribeVpcs', '*'),
      allow('ec2:CreateSecurityGroup', ec2('security-group/sg-1'), tagging),
      allow('ec2:AuthorizeSecurityGroupEgress', ec2('security-group/sg-1'), ours),
      deny('ec2:AuthorizeSecurityGroupEgress', ec2('security-group/sg-1'), foreign),
    ]));

  test('GetFunctionConfiguration reads only probe functions', () =>
    decide(policyFor(['lambda:GetFunctionConfiguration']), [
      allow('lambda:GetFunctionConfiguration', probe()),
      deny('lambda:GetFunctionConfiguration', fn('payroll')),
    ]));

  test('the VPC reads come with creating or reconfiguring a function; the code object with creating or updating code', async () => {
    const vpcReads = (expected: 'Allowed' | 'ImplicitlyDenied'): Case[] =>
      ['DescribeSecurityGroups', 'DescribeSubnets', 'DescribeVpcs'].map((name) => [`ec2:${name}`, '*', {}, expected]);
    await decide(policyFor(['lambda:CreateFunction']), [...vpcReads('Allowed'), allow('s3:GetObject', PROBE_CODE)]);
    await decide(policyFor(['lambda:UpdateFunctionConfiguration']), [...vpcReads('Allowed'), deny('s3:GetObject', PROBE_CODE)]);
    await decide(policyFor(['lambda:UpdateFunctionCode']), [...vpcReads('ImplicitlyDenied'), allow('s3:GetObject', PROBE_CODE)]);
    await decide(policyFor(['lambda:GetFunction']), [deny('s3:GetObject', PROBE_CODE)]);
  });
});

describe('Teardown removals: delete only what carries our tag, read nothing secret, create nothing', () => {
  const tunnelKey = secret(`${WORKFLOW_SECRET_PREFIX}env-a/tunnel-1-psk`);
  const recoveryWindow = (days: number) => ({ 'secretsmanager:RecoveryWindowInDays': String(days) });

  test('RemoveAwsVpn: the VPN connection, our gateway (detached from the customer VPC) and customer gateway; our tunnel keys scheduled', () =>
    decide(policyFor(callsOf('RemoveAwsVpn')), [
      allow('ec2:DeleteVpnConnection', ec2('vpn-connection/vpn-1'), ours),
      deny('ec2:DeleteVpnConnection', ec2('vpn-connection/vpn-1'), foreign),
      deny('ec2:DeleteVpnConnection', ec2('vpn-connection/vpn-1')),
      deny('ec2:DeleteVpnConnection', ec2('vpn-connection/vpn-1', OTHER_REGION), ours),
      allow('ec2:DetachVpnGateway', ec2('vpn-gateway/vgw-1'), ours),
      allow('ec2:DetachVpnGateway', ec2('vpc/vpc-1')),
      deny('ec2:DetachVpnGateway', ec2('vpn-gateway/vgw-1'), foreign),
      deny('ec2:DetachVpnGateway', ec2('vpc/vpc-1', REGION, OTHER_ACCOUNT)),
      allow('ec2:DeleteVpnGateway', ec2('vpn-gateway/vgw-1'), ours),
      deny('ec2:DeleteVpnGateway', ec2('vpn-gateway/vgw-1'), foreign),
      deny('ec2:DeleteVpnGateway', ec2('vpn-gateway/vgw-1')),
      allow('ec2:DeleteCustomerGateway', ec2('customer-gateway/cgw-1'), ours),
      deny('ec2:DeleteCustomerGateway', ec2('customer-gateway/cgw-1'), foreign),
      deny('ec2:DeleteCustomerGateway', ec2('customer-gateway/cgw-1')),
      allow('secretsmanager:DeleteSecret', tunnelKey, { ...ours, ...recoveryWindow(7) }),
      // Never without the product's recovery window (ForceDeleteWithoutRecovery names none), nor with another.
      deny('secretsmanager:DeleteSecret', tunnelKey, { ...ours, ...recoveryWindow(30) }),
      deny('secretsmanager:DeleteSecret', tunnelKey, { ...ours, 'secretsmanager:ForceDeleteWithoutRecovery': 'true' }),
      deny('secretsmanager:DeleteSecret', tunnelKey, ours),
      deny('secretsmanager:DeleteSecret', tunnelKey, { ...foreign, ...recoveryWindow(7) }),
      deny('secretsmanager:DeleteSecret', tunnelKey, recoveryWindow(7)),
      deny('secretsmanager:DeleteSecret', secret('prod/database'), { ...ours, ...recoveryWindow(7) }),
      allow('secretsmanager:DescribeSecret', tunnelKey),
      allow('ec2:DescribeVpnConnections', '*'),
      // It never reads a key, and creates nothing.
      deny('secretsmanager:GetSecretValue', tunnelKey, ours),
      deny('secretsmanager:RestoreSecret', tunnelKey, ours),
      deny('ec2:CreateVpnGateway', ec2('vpn-gateway/vgw-1'), tagging),
      deny('ec2:DeleteSecurityGroup', ec2('security-group/sg-1'), ours),
    ]));

  test('RemoveAwsDns: our rule association and rule, our endpoint (its interfaces with it), our security group', () =>
    decide(policyFor(callsOf('RemoveAwsDns')), [
      allow('route53resolver:DisassociateResolverRule', resolver('resolver-rule/rslvr-rr-1'), ours),
      deny('route53resolver:DisassociateResolverRule', resolver('resolver-rule/rslvr-rr-1'), foreign),
      allow('route53resolver:DeleteResolverRule', resolver('resolver-rule/rslvr-rr-1'), ours),
      deny('route53resolver:DeleteResolverRule', resolver('resolver-rule/rslvr-rr-1'), foreign),
      deny('route53resolver:DeleteResolverRule', resolver('resolver-rule/rslvr-rr-1')),
      allow('route53resolver:DeleteResolverEndpoint', resolver('resolver-endpoint/rslvr-out-1'), ours),
      deny('route53resolver:DeleteResolverEndpoint', resolver('resolver-endpoint/rslvr-out-1'), foreign),
      deny('route53resolver:DeleteResolverEndpoint', resolver('resolver-endpoint/rslvr-out-1', OTHER_REGION), ours),
      allow('ec2:DeleteNetworkInterface', ec2('network-interface/eni-1')),
      deny('ec2:DeleteNetworkInterface', ec2('network-interface/eni-1', REGION, OTHER_ACCOUNT)),
      allow('ec2:DeleteSecurityGroup', ec2('security-group/sg-1'), ours),
      deny('ec2:DeleteSecurityGroup', ec2('security-group/sg-1'), foreign),
      deny('ec2:DeleteSecurityGroup', ec2('security-group/sg-1')),
      allow('route53resolver:ListResolverRuleAssociations', '*'),
      allow('ec2:DescribeNetworkInterfaces', '*'),
      deny('route53resolver:CreateResolverRule', resolver('resolver-rule/rslvr-rr-1'), tagging),
      deny('route53resolver:AssociateResolverRule', resolver('resolver-rule/rslvr-rr-1'), ours),
    ]));

  test('RemoveProbe: our probe function only, then its security group', () =>
    decide(policyFor(callsOf('RemoveProbe')), [
      allow('lambda:DeleteFunction', probe(), ours),
      deny('lambda:DeleteFunction', probe(), foreign),
      deny('lambda:DeleteFunction', probe()),
      deny('lambda:DeleteFunction', fn('payroll'), ours),
      allow('lambda:GetFunction', probe()),
      allow('lambda:ListTags', probe()),
      deny('lambda:GetFunction', fn('payroll')),
      allow('ec2:DeleteSecurityGroup', ec2('security-group/sg-1'), ours),
      deny('ec2:DeleteSecurityGroup', ec2('security-group/sg-1'), foreign),
      deny('lambda:InvokeFunction', probe()),
      deny('lambda:CreateFunction', probe(), tagging),
    ]));

  test('AwsVpn: restores and rewrites only our scheduled tunnel keys, with the customer key when there is one', async () => {
    await decide(policyFor(callsOf('AwsVpn')), [
      allow('secretsmanager:RestoreSecret', tunnelKey, ours),
      deny('secretsmanager:RestoreSecret', tunnelKey, foreign),
      deny('secretsmanager:RestoreSecret', secret('prod/database'), ours),
      allow('secretsmanager:PutSecretValue', tunnelKey, ours),
      deny('secretsmanager:PutSecretValue', tunnelKey, foreign),
      deny('secretsmanager:DeleteSecret', tunnelKey, ours),
    ]);
    const actions = rendered(statementsForCalls('Fn', ['secretsmanager:PutSecretValue'], ctxWithKey).statements).flatMap((st) => [st.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['kms:GenerateDataKey', 'kms:Decrypt']));
  });
});

describe('the builder itself', () => {
  test('an action without a scope, or any wildcard action, fails instead of getting "*"', () => {
    for (const action of ['ec2:DeleteVpc', 'ec2:*', 'ec2:Describe*', 'route53resolver:List*', '*', 's3:GetObject', 'ec2:DescribeVpcs*']) {
      let thrown: unknown;
      try {
        statementsForCalls('SomeFunction', [action], ctx);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(UnscopedActionError);
      expect(thrown).toMatchObject({ name: 'UnscopedActionError', action, functionId: 'SomeFunction' });
    }
  });

  test('actions sharing a scope share one statement; every catalog function builds', () => {
    for (const definition of LAMBDAS) {
      const statements = rendered(statementsForCalls(definition.id, definition.calls, ctxWithKey).statements);
      const granted = statements.flatMap((s) => [s.Action].flat());
      for (const call of definition.calls) expect(granted).toContain(call);
      for (const s of statements) expect(s.Effect).toBe('Allow');
    }
    const vpn = rendered(statementsForCalls('AwsVpn', ['ec2:AttachVpnGateway', 'ec2:EnableVgwRoutePropagation'], ctx).statements);
    const onOurGateways = vpn.filter((s) => JSON.stringify(s.Resource).includes('vpn-gateway/'));
    expect(onOurGateways).toHaveLength(1);
    expect([onOurGateways[0].Action].flat().sort()).toEqual(['ec2:AttachVpnGateway', 'ec2:EnableVgwRoutePropagation']);
  });

  test('every wildcard resource comes with the reason it cannot be narrower', () => {
    for (const definition of LAMBDAS) {
      const { statements, wildcardReasons } = statementsForCalls(definition.id, definition.calls, ctxWithKey);
      const wildcards = new Set(
        statements.flatMap((s) => s.resources).filter((resource) => resource.includes('*')),
      );
      expect(new Set(wildcardReasons.keys())).toEqual(wildcards);
      for (const reason of wildcardReasons.values()) expect(reason.length).toBeGreaterThan(40);
    }
    const { wildcardReasons } = statementsForCalls('AwsVpn', ['ec2:CreateVpnGateway', 'ec2:DescribeVpnGateways'], ctx);
    const reasons = [...wildcardReasons.values()];
    // The tag that makes the wildcard acceptable is named in the reason a reviewer reads.
    expect(reasons.filter((r) => r.includes(`${MANAGED_BY_TAG_KEY}=${MANAGED_BY_TAG_VALUE}`))).toHaveLength(1);
  });
});

describe('the catalog the policies are built from', () => {
  const ROOT = path.join(__dirname, '..', '..');

  test('one entry per function: unique ids and placeholders, each entry file a handler', () => {
    expect(new Set(LAMBDAS.map((l) => l.id)).size).toBe(LAMBDAS.length);
    const substitutions = LAMBDAS.map((l) => l.substitution);
    expect(new Set(substitutions).size).toBe(LAMBDAS.length);
    for (const definition of LAMBDAS) {
      expect(definition.substitution).toBe(`${definition.id}FunctionArn`);
      expect(definition.description.length).toBeGreaterThan(20);
      expect(readFileSync(path.join(ROOT, definition.entry), 'utf8')).toMatch(/export (async )?function handler|export const handler/);
    }
    expect(existsSync(path.join(ROOT, PROBE_FUNCTION_ENTRY))).toBe(true);
  });

  test('usesAzure (the Azure credential secret and its read) exactly for the functions whose code reaches Azure', () => {
    for (const definition of LAMBDAS) {
      const built = buildSync({
        entryPoints: [path.join(ROOT, definition.entry)],
        bundle: true,
        platform: 'node',
        packages: 'external',
        write: false,
        metafile: true,
        logLevel: 'silent',
      });
      const reachesAzure = Object.keys(built.metafile!.inputs)
        .filter((file) => !file.includes('node_modules') && !/commons\/(clients|arm)\.ts$/.test(file))
        .some((file) => /\.arm\b|azureCredential/.test(readFileSync(path.resolve(ROOT, file), 'utf8')));
      expect([definition.id, definition.usesAzure]).toEqual([definition.id, reachesAzure]);
    }
  });

  test('the local ARN of a function: its id under aoai-link-, in the given region and account', () => {
    const probeRunner = LAMBDAS.find((l) => l.id === 'ProbeRunner')!;
    expect(localFunctionArn(probeRunner)).toBe('arn:aws:lambda:ap-northeast-1:123456789012:function:aoai-link-ProbeRunner');
    expect(localFunctionArn(probeRunner, 'eu-west-1', '210987654321')).toBe('arn:aws:lambda:eu-west-1:210987654321:function:aoai-link-ProbeRunner');
  });
});
