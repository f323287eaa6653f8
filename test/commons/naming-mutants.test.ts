/**
 * Names are a contract with each service's length and character rules: checked for the shortest and the longest
 * environmentId the request allows, and the execution names at their 80-character limit.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  armTags,
  canonicalJson,
  ec2TagFilters,
  ec2Tags,
  environmentExecutionName,
  executionAttempt,
  executionName,
  MAX_ENVIRONMENT_ID_LENGTH,
  pskSecretName,
  requestHash,
  resourceNames,
} from '../../functions/commons/naming';
import type { EnvironmentRequest } from '../../functions/commons/request/contract';
import { validateRequestDocument } from '../../functions/commons/request/schema';

function request(environmentId: string, change: (document: any) => void = () => undefined): EnvironmentRequest {
  const document = JSON.parse(fs.readFileSync(path.join(__dirname, '../../events/new-environment.json'), 'utf8'));
  document.environmentId = environmentId;
  change(document);
  const result = validateRequestDocument(document);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.request;
}

const SHORTEST = 'abc';
const LONGEST = 'a' + '0'.repeat(MAX_ENVIRONMENT_ID_LENGTH - 2) + 'z';

/**
 * Azure's rule for the Microsoft.Network names used here (learn.microsoft.com, "Naming rules and restrictions for
 * Azure resources"): letters, digits, underscores, periods and hyphens; starting with a letter or digit, ending with
 * a letter, digit or underscore. Lengths: 1–80, private endpoints 2–64.
 */
const AZURE_NETWORK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*[A-Za-z0-9_]$/;

describe.each([SHORTEST, LONGEST])('names for environmentId %s', (env) => {
  test('Azure names keep Azure’s length and character rules', () => {
    const { azure } = resourceNames(request(env));
    const limited: [string, number, number][] = [
      [azure.publicIp.name, 1, 80],
      [azure.vpnGateway.name, 1, 80],
      ...azure.tunnels.flatMap((t): [string, number, number][] => [
        [t.localNetworkGateway.name, 1, 80],
        [t.connection.name, 1, 80],
      ]),
      [azure.privateEndpointNsg.name, 1, 80],
      [azure.dnsInboundNsg.name, 1, 80],
      [azure.privateEndpointSubnet.name, 1, 80],
      [azure.dnsInboundSubnet.name, 1, 80],
      [azure.privateEndpoint.name, 2, 64],
      [azure.privateEndpointNicName, 1, 80],
      [azure.privateLinkServiceConnectionName, 1, 80],
      [azure.virtualNetworkLink.name, 1, 80],
      [azure.dnsResolver.name, 1, 80],
      [azure.inboundEndpoint.name, 1, 80],
    ];
    for (const [name, min, max] of limited) {
      expect([name, name.length >= min && name.length <= max, AZURE_NETWORK_NAME.test(name)]).toEqual([name, true, true]);
      expect(name).toContain(env);
    }
  });

  test('AWS names keep AWS’s rules', () => {
    const { aws } = resourceNames(request(env));
    // Lambda: 1–64 of [A-Za-z0-9-_].
    expect(aws.probeFunction).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    // Route 53 Resolver names: up to 64, not all digits.
    for (const name of [aws.resolverEndpoint, aws.resolverRule, aws.resolverRuleAssociation]) expect(name).toMatch(/^(?!\d+$)[A-Za-z0-9 _-]{1,64}$/);
    // Creator request ids: 1–255.
    for (const id of Object.values(aws.creatorRequestIds)) expect(id.length).toBeLessThanOrEqual(255);
    // Security group names: up to 255, never starting with "sg-".
    for (const name of [aws.dnsOutboundSecurityGroup, aws.probeSecurityGroup]) expect(name).toMatch(/^(?!sg-)[A-Za-z0-9 ._\-:/()#,@[\]+=&;{}!$*]{1,255}$/);
    // Secrets Manager: 1–512 of [A-Za-z0-9/_+=.@-], and not ending in "-" + six characters (the ARN's random suffix).
    for (const name of aws.pskSecretNames) {
      expect(name).toMatch(/^[A-Za-z0-9/_+=.@-]{1,512}$/);
      expect(name).not.toMatch(/-[^-]{6}$/);
    }
    // Name tags: up to 256.
    for (const name of [aws.customerGateway, aws.vpnGateway, aws.vpnConnection]) expect(name.length).toBeLessThanOrEqual(256);
  });

  test('execution names stay within Step Functions’ 80 characters for any hash and a large attempt', () => {
    const byRequest = executionName(env, 'ffffffff', 999_999);
    const byEnvironment = environmentExecutionName(env, 9_999_999);
    for (const name of [byRequest, byEnvironment]) expect(name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
  });
});

describe('names that must not collide', () => {
  test('every name and id is distinct within one environment', () => {
    const { azure, aws } = resourceNames(request('aoai-prod-01'));
    const azureIds = [
      azure.virtualNetwork.id,
      azure.gatewaySubnet.id,
      azure.privateEndpointSubnet.id,
      azure.dnsInboundSubnet.id,
      azure.publicIp.id,
      azure.vpnGateway.id,
      ...azure.tunnels.flatMap((t) => [t.localNetworkGateway.id, t.connection.id]),
      azure.privateEndpointNsg.id,
      azure.dnsInboundNsg.id,
      azure.privateEndpoint.id,
      azure.privateDnsZoneGroup.id,
      azure.privateDnsZone.id,
      azure.virtualNetworkLink.id,
      azure.dnsResolver.id,
      azure.inboundEndpoint.id,
    ];
    expect(new Set(azureIds.map((id) => id.toLowerCase())).size).toBe(azureIds.length);
    const awsNames = [aws.customerGateway, aws.vpnGateway, aws.vpnConnection, aws.dnsOutboundSecurityGroup, aws.probeSecurityGroup, aws.resolverEndpoint, aws.resolverRule, ...aws.pskSecretNames, aws.probeFunction];
    expect(new Set(awsNames).size).toBe(awsNames.length);
    expect(aws.creatorRequestIds.resolverEndpoint).not.toBe(aws.creatorRequestIds.resolverRule);
  });

  test('creator request ids are keyed by environment and VPC', () => {
    const a = resourceNames(request('aoai-prod-01')).aws.creatorRequestIds;
    const b = resourceNames(request('aoai-prod-01', (d) => (d.aws.vpcId = 'vpc-0a1b2c3d4e5f69999'))).aws.creatorRequestIds;
    expect(a.resolverEndpoint).toBe('aoai-link-aoai-prod-01-vpc-0a1b2c3d4e5f60001-outbound-endpoint');
    expect(a.resolverRule).toBe('aoai-link-aoai-prod-01-vpc-0a1b2c3d4e5f60001-forward-openai');
    expect(b.resolverEndpoint).not.toBe(a.resolverEndpoint);
    expect(b.resolverRule).not.toBe(a.resolverRule);
  });

  test('AWS names and the tunnel key secrets, spelled out', () => {
    const { aws, azure } = resourceNames(request('aoai-prod-01'));
    expect(aws).toMatchObject({
      region: 'ap-northeast-1',
      customerGateway: 'aoai-link-aoai-prod-01-cgw',
      vpnGateway: 'aoai-link-aoai-prod-01-vgw',
      vpnConnection: 'aoai-link-aoai-prod-01-vpn',
      dnsOutboundSecurityGroup: 'aoai-link-aoai-prod-01-dns-outbound',
      probeSecurityGroup: 'aoai-link-aoai-prod-01-probe',
      resolverEndpoint: 'aoai-link-aoai-prod-01-outbound',
      resolverRule: 'aoai-link-aoai-prod-01-openai',
      resolverRuleAssociation: 'aoai-link-aoai-prod-01-openai',
      pskSecretNames: ['aoai-link/aoai-prod-01/tunnel-1-psk', 'aoai-link/aoai-prod-01/tunnel-2-psk'],
      probeFunction: 'aoai-link-probe-aoai-prod-01',
    });
    expect(pskSecretName('x', 2)).toBe('aoai-link/x/tunnel-2-psk');
    expect(azure.privateEndpointNicName).toBe('pe-aoai-prod-01-openai-nic');
    expect(azure.privateLinkServiceConnectionName).toBe('plsc-aoai-prod-01-openai');
    expect(azure.subscriptionId).toBe('11111111-2222-3333-4444-555555555555');
    expect(azure.resourceGroup).toBe('rg-network');
    expect(azure.resourceGroupId).toBe('/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-network');
    expect(azure.privateEndpointSubnet.id).toBe(`${azure.virtualNetwork.id}/subnets/snet-aoai-prod-01-private-endpoint`);
    expect(azure.subnetNamesByPrefixField.dnsResolverSubnetPrefix).toBe(azure.dnsInboundSubnet.name);
  });

  test('the OpenAI account is read from its own id, in its own subscription and group', () => {
    const other = '22222222-2222-3333-4444-555555555555';
    const { openAiAccount } = resourceNames(
      request('aoai-prod-01', (d) => (d.azure.openAiAccountId = `/subscriptions/${other}/resourceGroups/rg-elsewhere/providers/Microsoft.CognitiveServices/accounts/acct-x`)),
    ).azure;
    expect(openAiAccount).toEqual({
      id: `/subscriptions/${other}/resourceGroups/rg-elsewhere/providers/Microsoft.CognitiveServices/accounts/acct-x`,
      name: 'acct-x',
      subscriptionId: other,
      resourceGroup: 'rg-elsewhere',
    });
  });
});

describe('execution names at their limits', () => {
  test('executionName: exactly 80 characters is allowed, 81 is refused; the attempt is whole and from 2', () => {
    const hash = 'deadbeef';
    const env80 = 'e'.repeat(80 - hash.length - 1);
    expect(executionName(env80, hash)).toHaveLength(80);
    expect(() => executionName(`${env80}e`, hash)).toThrow(RangeError);
    expect(() => executionName(env80, hash, 2)).toThrow(RangeError);
    expect(executionName('env', hash, 2.9)).toBe('env-deadbeef-r2');
    expect(executionName('env', hash, 0)).toBe('env-deadbeef');
    expect(executionName('env', hash, undefined)).toBe('env-deadbeef');
    expect(executionName('env', 'a.b/c_d')).toBe('env-a-b-c_d');
  });

  test('environmentExecutionName: 80 allowed, 81 refused; attempts are whole numbers from 1', () => {
    const env = 'e'.repeat(80 - '-run-1'.length);
    expect(environmentExecutionName(env, 1)).toHaveLength(80);
    expect(() => environmentExecutionName(env, 10)).toThrow(RangeError);
    expect(() => environmentExecutionName('env', 1.5)).toThrow(RangeError);
    expect(() => environmentExecutionName('env', -1)).toThrow(RangeError);
    expect(environmentExecutionName('env', 2)).toBe('env-run-2');
    expect(environmentExecutionName('e.v', 3)).toBe('e-v-run-3');
  });

  test('executionAttempt reads only a whole attempt right after the marker', () => {
    expect(executionAttempt('env-run-1', 'env')).toBe(1);
    expect(executionAttempt('env-run-10', 'env')).toBe(10);
    expect(executionAttempt('env-run-01', 'env')).toBeUndefined();
    expect(executionAttempt('env-run-1x', 'env')).toBeUndefined();
    expect(executionAttempt('env-run-', 'env')).toBeUndefined();
    expect(executionAttempt('xenv-run-1', 'env')).toBeUndefined();
    expect(executionAttempt('env-runs-1', 'env')).toBeUndefined();
  });
});

describe('hashing and tags', () => {
  test('canonicalJson: nulls, holes and undefined array items as null, strings escaped, nested arrays kept in order', () => {
    expect(canonicalJson({ a: null, b: [undefined, null, [2, 1]], c: 'q"u', d: true, e: 1.5 })).toBe('{"a":null,"b":[null,null,[2,1]],"c":"q\\"u","d":true,"e":1.5}');
    expect(canonicalJson([])).toBe('[]');
    expect(canonicalJson({})).toBe('{}');
    expect(canonicalJson('x')).toBe('"x"');
    expect(canonicalJson({ 'b"': 1, a: 2 })).toBe('{"a":2,"b\\"":1}');
  });

  test('requestHash is the first 8 hex digits of SHA-256 over the canonical JSON', () => {
    const { createHash } = require('crypto');
    const r = request('aoai-prod-01');
    expect(requestHash(r)).toBe(createHash('sha256').update(canonicalJson(r)).digest('hex').slice(0, 8));
  });

  test('tags: extra tags ride along, and a given Name comes first', () => {
    expect(ec2Tags('e1x', 'n', { ticket: 'T-1' })).toEqual([
      { Key: 'Name', Value: 'n' },
      { Key: 'environment', Value: 'e1x' },
      { Key: 'managed-by', Value: 'aoai-private-link' },
      { Key: 'ticket', Value: 'T-1' },
    ]);
    expect(ec2Tags('e1x', '')).toEqual([
      { Key: 'environment', Value: 'e1x' },
      { Key: 'managed-by', Value: 'aoai-private-link' },
    ]);
    expect(ec2TagFilters('e1x')).toEqual([
      { Name: 'tag:environment', Values: ['e1x'] },
      { Name: 'tag:managed-by', Values: ['aoai-private-link'] },
    ]);
    expect(armTags('e1x')).toEqual({ environment: 'e1x', 'managed-by': 'aoai-private-link' });
  });
});
