import * as fs from 'fs';
import * as path from 'path';
import {
  armTags,
  canonicalJson,
  ec2TagFilters,
  ec2Tags,
  ec2TagSpecifications,
  executionName,
  environmentExecutionName,
  executionAttempt,
  requestHash,
  resourceNames,
  standardTags,
  subnetNamesByPrefixField,
} from '../../functions/commons/naming';
import type { EnvironmentRequest } from '../../functions/commons/request/contract';
import { validateRequestDocument } from '../../functions/commons/request/schema';

function request(overrides: (document: any) => void = () => {}): EnvironmentRequest {
  const document = JSON.parse(fs.readFileSync(path.join(__dirname, '../../events/new-environment.json'), 'utf8'));
  overrides(document);
  const result = validateRequestDocument(document);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.request;
}

const LONGEST_ENV = 'a' + 'b'.repeat(29) + 'c'; // 31 characters, the schema's maximum
const RG = '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-network';

describe('resourceNames', () => {
  test('names and ids for the default request', () => {
    const names = resourceNames(request());
    const { azure, aws } = names;
    expect(names.prefix).toBe('aoai-link-aoai-prod-01');
    expect(azure.virtualNetwork.id).toBe(`${RG}/providers/Microsoft.Network/virtualNetworks/vnet-hub`);
    expect(azure.gatewaySubnet).toEqual({ name: 'GatewaySubnet', id: `${azure.virtualNetwork.id}/subnets/GatewaySubnet` });
    expect(azure.privateEndpointSubnet.name).toBe('snet-aoai-prod-01-private-endpoint');
    expect(azure.dnsInboundSubnet.id).toBe(`${azure.virtualNetwork.id}/subnets/snet-aoai-prod-01-dns-inbound`);
    expect(azure.publicIp).toEqual({ name: 'pip-aoai-prod-01-vpngw', id: `${RG}/providers/Microsoft.Network/publicIPAddresses/pip-aoai-prod-01-vpngw` });
    expect(azure.vpnGateway.id).toBe(`${RG}/providers/Microsoft.Network/virtualNetworkGateways/vpngw-aoai-prod-01`);
    expect(azure.vpnGatewayIpConfigurationId).toBe(`${azure.vpnGateway.id}/ipConfigurations/default`);
    expect(azure.tunnels.map((t) => [t.tunnel, t.localNetworkGateway.name, t.connection.name, t.pskSecretName])).toEqual([
      [1, 'lng-aoai-prod-01-aws-tunnel-1', 'cn-aoai-prod-01-aws-tunnel-1', 'aoai-link/aoai-prod-01/tunnel-1-psk'],
      [2, 'lng-aoai-prod-01-aws-tunnel-2', 'cn-aoai-prod-01-aws-tunnel-2', 'aoai-link/aoai-prod-01/tunnel-2-psk'],
    ]);
    expect(azure.tunnels[1].connection.id).toBe(`${RG}/providers/Microsoft.Network/connections/cn-aoai-prod-01-aws-tunnel-2`);
    expect(azure.tunnels[0].localNetworkGateway.id).toBe(`${RG}/providers/Microsoft.Network/localNetworkGateways/lng-aoai-prod-01-aws-tunnel-1`);
    expect(azure.privateEndpointNsg.name).toBe('nsg-aoai-prod-01-private-endpoint');
    expect(azure.dnsInboundNsg.id).toBe(`${RG}/providers/Microsoft.Network/networkSecurityGroups/nsg-aoai-prod-01-dns-inbound`);
    expect(azure.privateEndpoint.name).toBe('pe-aoai-prod-01-openai');
    expect(azure.privateDnsZoneGroup.id).toBe(`${azure.privateEndpoint.id}/privateDnsZoneGroups/default`);
    expect(azure.privateDnsZone.id).toBe(`${RG}/providers/Microsoft.Network/privateDnsZones/privatelink.openai.azure.com`);
    expect(azure.virtualNetworkLink.id).toBe(`${azure.privateDnsZone.id}/virtualNetworkLinks/link-aoai-prod-01`);
    expect(azure.dnsResolver.id).toBe(`${RG}/providers/Microsoft.Network/dnsResolvers/dnspr-aoai-prod-01`);
    expect(azure.inboundEndpoint.id).toBe(`${azure.dnsResolver.id}/inboundEndpoints/in-aoai-prod-01`);
    expect(azure.openAiAccount).toEqual({
      id: '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/aoai-prod',
      name: 'aoai-prod',
      subscriptionId: '11111111-2222-3333-4444-555555555555',
      resourceGroup: 'rg-ai',
    });
    expect(aws).toMatchObject({
      region: 'ap-northeast-1',
      customerGateway: 'aoai-link-aoai-prod-01-cgw',
      vpnGateway: 'aoai-link-aoai-prod-01-vgw',
      vpnConnection: 'aoai-link-aoai-prod-01-vpn',
      dnsOutboundSecurityGroup: 'aoai-link-aoai-prod-01-dns-outbound',
      probeSecurityGroup: 'aoai-link-aoai-prod-01-probe',
      pskSecretNames: ['aoai-link/aoai-prod-01/tunnel-1-psk', 'aoai-link/aoai-prod-01/tunnel-2-psk'],
      probeFunction: 'aoai-link-probe-aoai-prod-01',
    });
    expect(aws.creatorRequestIds.resolverEndpoint).not.toBe(aws.creatorRequestIds.resolverRule);
  });

  test('is deterministic', () => {
    expect(resourceNames(request())).toEqual(resourceNames(request()));
  });

  test('different environments share no AWS name and no Azure resource name of their own', () => {
    const a = resourceNames(request());
    const b = resourceNames(request((d) => (d.environmentId = 'aoai-dev-02')));
    const strings = (value: unknown): string[] =>
      typeof value === 'string' ? [value] : value && typeof value === 'object' ? Object.values(value).flatMap(strings) : [];
    const aNames = new Set([...strings(a.aws), ...strings(a.azure)]);
    // Names that are the same by design: the region, the user's own VNet/RG/account, GatewaySubnet, the zone.
    const sharedByDesign = new Set(strings(b.azure).filter((name) => !name.includes('aoai-dev-02')).concat(b.aws.region));
    for (const name of [...strings(b.aws), ...strings(b.azure)]) {
      if (!sharedByDesign.has(name)) expect([name, aNames.has(name)]).toEqual([name, false]);
    }
    expect([...sharedByDesign].filter((name) => !name.startsWith('/'))).toEqual(
      expect.arrayContaining(['GatewaySubnet', 'privatelink.openai.azure.com', 'vnet-hub', 'ap-northeast-1']),
    );
  });

  test('names respect the service limits for a 31-character environmentId', () => {
    const names = resourceNames(request((d) => (d.environmentId = LONGEST_ENV)));
    const { azure, aws } = names;
    const limits: [string, string, number][] = [
      ['public IP', azure.publicIp.name, 80],
      ['VPN gateway', azure.vpnGateway.name, 80],
      ...azure.tunnels.flatMap((t): [string, string, number][] => [
        ['local network gateway', t.localNetworkGateway.name, 80],
        ['connection', t.connection.name, 80],
      ]),
      ['PE NSG', azure.privateEndpointNsg.name, 80],
      ['DNS NSG', azure.dnsInboundNsg.name, 80],
      ['PE subnet', azure.privateEndpointSubnet.name, 80],
      ['DNS subnet', azure.dnsInboundSubnet.name, 80],
      ['private endpoint', azure.privateEndpoint.name, 64],
      ['PE NIC', azure.privateEndpointNicName, 80],
      ['PLS connection', azure.privateLinkServiceConnectionName, 80],
      ['VNet link', azure.virtualNetworkLink.name, 80],
      ['DNS resolver', azure.dnsResolver.name, 80],
      ['inbound endpoint', azure.inboundEndpoint.name, 80],
      ['customer gateway Name tag', aws.customerGateway, 256],
      ['VGW Name tag', aws.vpnGateway, 256],
      ['VPN connection Name tag', aws.vpnConnection, 256],
      ['security group', aws.dnsOutboundSecurityGroup, 255],
      ['security group', aws.probeSecurityGroup, 255],
      ['resolver endpoint', aws.resolverEndpoint, 64],
      ['resolver rule', aws.resolverRule, 64],
      ['rule association', aws.resolverRuleAssociation, 64],
      ['creator request id', aws.creatorRequestIds.resolverEndpoint, 255],
      ['creator request id', aws.creatorRequestIds.resolverRule, 255],
      ['secret', aws.pskSecretNames[0], 512],
      ['secret', aws.pskSecretNames[1], 512],
      ['Lambda function', aws.probeFunction, 64],
    ];
    for (const [what, name, limit] of limits) {
      expect([what, name, name.length <= limit]).toEqual([what, name, true]);
      expect(name).toContain(LONGEST_ENV);
    }
    // Character rules: Azure names here are letters, digits, hyphens; Lambda names [A-Za-z0-9-_].
    expect(aws.probeFunction).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(aws.resolverEndpoint).toMatch(/^[A-Za-z0-9_ -]+$/);
    expect(aws.dnsOutboundSecurityGroup.startsWith('sg-')).toBe(false);
  });

  test('subnetNamesByPrefixField feeds crossCheckRequest', () => {
    expect(subnetNamesByPrefixField('env')).toEqual({
      gatewaySubnetPrefix: 'GatewaySubnet',
      privateEndpointSubnetPrefix: 'snet-env-private-endpoint',
      dnsResolverSubnetPrefix: 'snet-env-dns-inbound',
    });
  });
});

describe('tags', () => {
  test('standard tags in each cloud shape', () => {
    expect(standardTags('aoai-prod-01')).toEqual({ environment: 'aoai-prod-01', 'managed-by': 'aoai-private-link' });
    expect(armTags('aoai-prod-01', { ticket: 'OPS-1' })).toEqual({ environment: 'aoai-prod-01', 'managed-by': 'aoai-private-link', ticket: 'OPS-1' });
    expect(ec2Tags('aoai-prod-01', 'aoai-link-aoai-prod-01-vgw')).toEqual([
      { Key: 'Name', Value: 'aoai-link-aoai-prod-01-vgw' },
      { Key: 'environment', Value: 'aoai-prod-01' },
      { Key: 'managed-by', Value: 'aoai-private-link' },
    ]);
    expect(ec2Tags('e1x')).toHaveLength(2);
    expect(ec2TagSpecifications('vpn-gateway', 'e1x', 'n')).toEqual([{ ResourceType: 'vpn-gateway', Tags: ec2Tags('e1x', 'n') }]);
    expect(ec2TagFilters('e1x', 'n')).toEqual([
      { Name: 'tag:Name', Values: ['n'] },
      { Name: 'tag:environment', Values: ['e1x'] },
      { Name: 'tag:managed-by', Values: ['aoai-private-link'] },
    ]);
  });
});

describe('execution identity', () => {
  test('requestHash is 8 hex digits, stable, and ignores key order', () => {
    const a = request();
    const reordered = JSON.parse(JSON.stringify({ options: a.options, azure: a.azure, aws: a.aws, ticket: a.ticket, environmentId: a.environmentId, version: a.version }));
    expect(requestHash(a)).toMatch(/^[0-9a-f]{8}$/);
    expect(requestHash(a)).toBe(requestHash(reordered));
    expect(requestHash(a)).not.toBe(requestHash(request((d) => (d.options.tunnels = 'one'))));
  });

  test('defaults written out or left implicit hash the same (hash the validated request)', () => {
    const implicit = request((d) => {
      delete d.options;
      delete d.azure.gatewaySku;
    });
    expect(requestHash(implicit)).toBe(requestHash(request()));
  });

  test('canonicalJson sorts keys at every level and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: 'x' }, u: undefined })).toBe('{"a":{"c":"x","d":[2,1]},"b":1}');
  });

  test('executionName fits Step Functions rules for the longest environmentId', () => {
    const name = executionName(LONGEST_ENV, 'deadbeef');
    expect(name).toBe(`${LONGEST_ENV}-deadbeef`);
    expect(name.length).toBeLessThanOrEqual(80);
    expect(name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    expect(executionName('env', 'deadbeef', 2)).toBe('env-deadbeef-r2');
    expect(executionName('env', 'deadbeef', 1)).toBe('env-deadbeef');
    expect(executionName('env', 'dead beef')).toBe('env-dead-beef');
    expect(() => executionName('e'.repeat(80), 'deadbeef')).toThrow(RangeError);
  });

  test('environmentExecutionName depends on the environment and attempt only, and parses back exactly', () => {
    expect(environmentExecutionName('aoai-prod-01', 1)).toBe('aoai-prod-01-run-1');
    const longest = environmentExecutionName(LONGEST_ENV, 999_999);
    expect(longest.length).toBeLessThanOrEqual(80);
    expect(longest).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    expect(executionAttempt('aoai-prod-01-run-12', 'aoai-prod-01')).toBe(12);
    // A prefix of another environment's id never claims its executions, in either direction.
    expect(executionAttempt('aoai-prod-01-run-1', 'aoai-prod')).toBeUndefined();
    expect(executionAttempt(environmentExecutionName('aoai-prod-run', 1), 'aoai-prod')).toBeUndefined();
    expect(executionAttempt(environmentExecutionName('aoai-prod', 1), 'aoai-prod-run')).toBeUndefined();
    expect(executionAttempt('aoai-prod-01-run-0', 'aoai-prod-01')).toBeUndefined();
    expect(executionAttempt('aoai-prod-01-deadbeef', 'aoai-prod-01')).toBeUndefined();
    expect(() => environmentExecutionName('env', 0)).toThrow(RangeError);
  });
});
