import * as fs from 'fs';
import * as path from 'path';
import type { EnvironmentRequest } from '../../functions/commons/request/contract';
import { validateRequestDocument } from '../../functions/commons/request/schema';
import { crossCheckRequest, type CloudFacts } from '../../functions/validate-request/cross-check';
import { subnetNamesByPrefixField } from '../../functions/commons/naming';

function defaultRequest(): EnvironmentRequest {
  const text = fs.readFileSync(path.join(__dirname, '../../events/new-environment.json'), 'utf8');
  const result = validateRequestDocument(JSON.parse(text));
  if (!result.ok) throw new Error('default request should be valid');
  return result.request;
}

const VPC = 'vpc-0a1b2c3d4e5f60001';
const OWN = subnetNamesByPrefixField('aoai-prod-01');

/** Facts that agree with the default request: VPC 10.0.0.0/16, VNet 192.168.0.0/16 with one unrelated subnet. */
function consistentFacts(): CloudFacts {
  return {
    vpc: { cidrBlocks: ['10.0.0.0/16'] },
    subnets: {
      'subnet-0a1b2c3d4e5f60001': { vpcId: VPC, availabilityZone: 'ap-northeast-1a', cidrBlock: '10.0.1.0/24' },
      'subnet-0a1b2c3d4e5f60002': { vpcId: VPC, availabilityZone: 'ap-northeast-1c', cidrBlock: '10.0.2.0/24' },
    },
    routeTables: { 'rtb-0a1b2c3d4e5f60001': { vpcId: VPC } },
    vnet: { location: 'japaneast', addressPrefixes: ['192.168.0.0/16'], subnets: [{ name: 'snet-app', addressPrefix: '192.168.0.0/24' }] },
    openAiAccount: { kind: 'OpenAI', customSubDomainName: 'aoai-prod', location: 'japaneast', deployments: ['gpt-4o'] },
  };
}

test('consistent facts give no problems', () => {
  expect(crossCheckRequest(defaultRequest(), consistentFacts(), OWN)).toEqual([]);
});

type Case = [string, (facts: CloudFacts, request: EnvironmentRequest) => void, { path: string; message: RegExp }[]];

const cases: Case[] = [
  ['VPC not found', (f) => delete f.vpc, [{ path: 'aws.vpcId', message: /VPC vpc-0a1b2c3d4e5f60001 was not found in ap-northeast-1/ }]],
  [
    'resolver subnet not found',
    (f) => (f.subnets['subnet-0a1b2c3d4e5f60002'] = undefined),
    [{ path: 'aws.resolverSubnetIds[1]', message: /subnet subnet-0a1b2c3d4e5f60002 was not found/ }],
  ],
  [
    'probe subnet of another VPC',
    (f, r) => {
      r.aws.probeSubnetIds = ['subnet-0a1b2c3d4e5f60009'];
      f.subnets['subnet-0a1b2c3d4e5f60009'] = { vpcId: 'vpc-99999999', availabilityZone: 'ap-northeast-1a', cidrBlock: '10.9.0.0/24' };
    },
    [{ path: 'aws.probeSubnetIds[0]', message: /belongs to vpc-99999999, not to aws.vpcId \(vpc-0a1b2c3d4e5f60001\)/ }],
  ],
  [
    'resolver subnets in one AZ',
    (f) => (f.subnets['subnet-0a1b2c3d4e5f60002']!.availabilityZone = 'ap-northeast-1a'),
    [{ path: 'aws.resolverSubnetIds', message: /at least 2 different availability zones; all are in ap-northeast-1a/ }],
  ],
  ['route table not found', (f) => (f.routeTables = {}), [{ path: 'aws.routeTableIds[0]', message: /route table rtb-0a1b2c3d4e5f60001 was not found/ }]],
  [
    'route table of another VPC',
    (f) => (f.routeTables['rtb-0a1b2c3d4e5f60001'] = { vpcId: 'vpc-88888888' }),
    [{ path: 'aws.routeTableIds[0]', message: /belongs to vpc-88888888/ }],
  ],
  ['VNet not found', (f) => delete f.vnet, [{ path: 'azure.virtualNetworkName', message: /vnet-hub was not found in resource group rg-network/ }]],
  [
    'prefix partly outside the VNet address space',
    (f) => (f.vnet!.addressPrefixes = ['192.168.0.0/23', '192.168.2.0/28', '192.168.255.0/28']),
    [{ path: 'azure.gatewaySubnetPrefix', message: /192\.168\.255\.0\/27 is outside the address space of vnet-hub/ }],
  ],
  [
    'prefix overlapping an existing subnet',
    (f) => f.vnet!.subnets.push({ name: 'snet-other', addressPrefix: '192.168.1.0/24' }),
    [{ path: 'azure.privateEndpointSubnetPrefix', message: /192\.168\.1\.0\/27 overlaps the existing subnet snet-other \(192\.168\.1\.0\/24\)/ }],
  ],
  [
    'an existing subnet with another name but the same prefix is a conflict',
    (f) => f.vnet!.subnets.push({ name: 'snet-someone-else', addressPrefix: '192.168.2.0/28' }),
    [{ path: 'azure.dnsResolverSubnetPrefix', message: /overlaps the existing subnet snet-someone-else/ }],
  ],
  [
    'an existing GatewaySubnet with another prefix',
    (f) => f.vnet!.subnets.push({ name: 'GatewaySubnet', addressPrefix: '192.168.254.0/27' }),
    [{ path: 'azure.gatewaySubnetPrefix', message: /subnet GatewaySubnet already exists in vnet-hub with prefix 192\.168\.254\.0\/27, not 192\.168\.255\.0\/27/ }],
  ],
  [
    'our own subnet name taken with an overlapping but different prefix',
    (f) => f.vnet!.subnets.push({ name: 'snet-aoai-prod-01-dns-inbound', addressPrefix: '192.168.2.0/27' }),
    [{ path: 'azure.dnsResolverSubnetPrefix', message: /already exists in vnet-hub with prefix 192\.168\.2\.0\/27, not 192\.168\.2\.0\/28/ }],
  ],
  [
    'VPC CIDR overlapping the VNet',
    (f) => (f.vpc!.cidrBlocks = ['10.0.0.0/16', '192.168.128.0/17']),
    [{ path: 'aws.vpcId', message: /VPC CIDR 192\.168\.128\.0\/17 overlaps the address space of vnet-hub \(192\.168\.0\.0\/16\)/ }],
  ],
  ['account not found', (f) => delete f.openAiAccount, [{ path: 'azure.openAiAccountId', message: /was not found/ }]],
  [
    'account of another kind',
    (f) => (f.openAiAccount!.kind = 'TextAnalytics'),
    [{ path: 'azure.openAiAccountId', message: /kind TextAnalytics; expected OpenAI or AIServices/ }],
  ],
  [
    'account without a custom subdomain',
    (f) => delete f.openAiAccount!.customSubDomainName,
    [{ path: 'azure.openAiAccountId', message: /no custom subdomain/ }],
  ],
  [
    'deployment not present',
    (f) => (f.openAiAccount!.deployments = ['gpt-4o-mini', 'gpt-35']),
    [{ path: 'azure.openAiDeployment', message: /deployment gpt-4o was not found on the account \(it has gpt-4o-mini, gpt-35\)$/ }],
  ],
  [
    'account with no deployments',
    (f) => (f.openAiAccount!.deployments = []),
    [{ path: 'azure.openAiDeployment', message: /it has none/ }],
  ],
];

test.each(cases)('%s', (_name, mutate, expected) => {
  const facts = consistentFacts();
  const request = defaultRequest();
  mutate(facts, request);
  const problems = crossCheckRequest(request, facts, OWN);
  expect(problems).toEqual(expected.map(({ path: p, message }) => ({ path: p, message: expect.stringMatching(message) })));
});

test('prefixes outside the VNet are each reported', () => {
  const facts = consistentFacts();
  facts.vnet!.addressPrefixes = ['10.200.0.0/16'];
  const problems = crossCheckRequest(defaultRequest(), facts, OWN);
  expect(problems.map((p) => p.path)).toEqual(['azure.gatewaySubnetPrefix', 'azure.privateEndpointSubnetPrefix', 'azure.dnsResolverSubnetPrefix']);
  expect(problems[0].message).toMatch(/outside the address space of vnet-hub \(10\.200\.0\.0\/16\)/);
});

describe('subnets from an earlier run are not conflicts', () => {
  test('GatewaySubnet and our own subnets with the same prefixes', () => {
    const facts = consistentFacts();
    facts.vnet!.subnets.push(
      { name: 'GatewaySubnet', addressPrefix: '192.168.255.0/27' },
      { name: 'snet-aoai-prod-01-private-endpoint', addressPrefix: '192.168.1.0/27' },
      { name: 'snet-aoai-prod-01-dns-inbound', addressPrefix: '192.168.2.0/28' },
    );
    expect(crossCheckRequest(defaultRequest(), facts, OWN)).toEqual([]);
  });

  test('GatewaySubnet is recognised even when ownSubnetNames leaves it out; name case does not matter', () => {
    const facts = consistentFacts();
    facts.vnet!.subnets.push({ name: 'gatewaysubnet', addressPrefix: '192.168.255.0/27' });
    expect(crossCheckRequest(defaultRequest(), facts, {})).toEqual([]);
  });

  test('without ownSubnetNames our PE subnet from an earlier run is a conflict', () => {
    const facts = consistentFacts();
    facts.vnet!.subnets.push({ name: 'snet-aoai-prod-01-private-endpoint', addressPrefix: '192.168.1.0/27' });
    expect(crossCheckRequest(defaultRequest(), facts, {}).map((p) => p.path)).toEqual(['azure.privateEndpointSubnetPrefix']);
  });
});

test('AIServices accounts and unknown deployments lists are accepted', () => {
  const facts = consistentFacts();
  facts.openAiAccount = { kind: 'AIServices', customSubDomainName: 'x', location: 'eastus' };
  expect(crossCheckRequest(defaultRequest(), facts, OWN)).toEqual([]);
});

test('many contradictions are reported together', () => {
  const facts: CloudFacts = { subnets: {}, routeTables: {} };
  const paths = crossCheckRequest(defaultRequest(), facts, OWN).map((p) => p.path);
  expect(paths).toEqual([
    'aws.vpcId',
    'aws.resolverSubnetIds[0]',
    'aws.resolverSubnetIds[1]',
    'aws.probeSubnetIds[0]',
    'aws.routeTableIds[0]',
    'azure.virtualNetworkName',
    'azure.openAiAccountId',
  ]);
});
