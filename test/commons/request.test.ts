import * as fs from 'fs';
import * as path from 'path';
import { MAX_REQUEST_BYTES, type RequestProblem, type RequestValidation } from '../../functions/commons/request/contract';
import {
  closestName,
  formatProblems,
  parseOpenAiAccountId,
  parseRequestText,
  validateRequestDocument,
} from '../../functions/commons/request/schema';

const DEFAULT_TEXT = fs.readFileSync(path.join(__dirname, '../../events/new-environment.json'), 'utf8');

/** A fresh deep copy of the default request, as plain JSON. */
function base(): any {
  return JSON.parse(DEFAULT_TEXT);
}

function problemsOf(result: RequestValidation): RequestProblem[] {
  return result.ok ? [] : result.problems;
}

function set(document: any, fieldPath: string, value: unknown): any {
  const keys = fieldPath.split('.');
  let target = document;
  for (const key of keys.slice(0, -1)) target = target[key];
  if (value === undefined) delete target[keys[keys.length - 1]];
  else target[keys[keys.length - 1]] = value;
  return document;
}

describe('the default request', () => {
  test('is valid as text and as a document', () => {
    const fromText = parseRequestText(DEFAULT_TEXT);
    expect(problemsOf(fromText)).toEqual([]);
    expect(fromText.ok && fromText.request).toEqual(base());
    expect(parseRequestText(Buffer.from(DEFAULT_TEXT)).ok).toBe(true);
  });

  test('the result holds only known fields (a fresh object, not the input)', () => {
    const document = base();
    const result = validateRequestDocument(document);
    if (!result.ok) throw new Error('expected ok');
    expect(result.request).not.toBe(document);
    expect(result.request.aws).not.toBe(document.aws);
  });
});

describe('defaults', () => {
  test('options and gatewaySku default', () => {
    const document = base();
    delete document.options;
    delete document.azure.gatewaySku;
    delete document.ticket;
    const result = validateRequestDocument(document);
    if (!result.ok) throw new Error(formatProblems(result.problems));
    expect(result.request.options).toEqual({ publicNetworkAccess: 'disable-after-probe', tunnels: 'both' });
    expect(result.request.azure.gatewaySku).toBe('VpnGw1AZ');
    expect('ticket' in result.request).toBe(false);
  });

  test('each option defaults on its own', () => {
    const result = validateRequestDocument(set(base(), 'options', { tunnels: 'one' }));
    expect(result.ok && result.request.options).toEqual({ publicNetworkAccess: 'disable-after-probe', tunnels: 'one' });
    const other = validateRequestDocument(set(base(), 'options', { publicNetworkAccess: 'keep' }));
    expect(other.ok && other.request.options).toEqual({ publicNetworkAccess: 'keep', tunnels: 'both' });
  });

  test('ticket fields are optional', () => {
    const result = validateRequestDocument(set(base(), 'ticket', { id: 'OPS-1' }));
    expect(result.ok && result.request.ticket).toEqual({ id: 'OPS-1' });
    expect(validateRequestDocument(set(base(), 'ticket', {})).ok).toBe(true);
  });
});

describe('valid variations', () => {
  test.each<[string, unknown]>([
    ['environmentId', 'abc'],
    ['environmentId', 'a' + 'b'.repeat(30)],
    ['environmentId', 'a-b-c'],
    ['aws.region', 'us-gov-west-1'],
    ['aws.region', 'cn-north-1'],
    ['aws.region', 'eu-central-2'],
    ['aws.region', 'us-isob-east-1'],
    ['aws.vpcId', 'vpc-0a1b2c3d'],
    ['aws.routeTableIds', ['rtb-0a1b2c3d', 'rtb-0a1b2c3d4e5f60002']],
    ['azure.resourceGroup', 'rg_(net).work-1'],
    ['azure.resourceGroup', 'a'.repeat(90)],
    ['azure.virtualNetworkName', 'v_'],
    ['azure.gatewaySubnetPrefix', '192.168.254.0/24'],
    ['azure.dnsResolverSubnetPrefix', '192.168.2.0/24'],
    ['azure.privateEndpointSubnetPrefix', '192.168.1.0/29'],
    ['azure.gatewaySku', 'VpnGw5AZ'],
    ['azure.subscriptionId', 'ABCDEF01-2222-3333-4444-555555555555'],
    [
      'azure.openAiAccountId',
      '/SUBSCRIPTIONS/11111111-2222-3333-4444-555555555555/resourcegroups/rg-ai/providers/microsoft.cognitiveservices/Accounts/aoai',
    ],
    ['azure.openAiDeployment', 'gpt-4o_mini.2024'],
    ['options.publicNetworkAccess', 'disable-first'],
  ])('%s = %j is accepted', (fieldPath, value) => {
    expect(problemsOf(validateRequestDocument(set(base(), fieldPath, value)))).toEqual([]);
  });
});

describe('each broken rule on its own', () => {
  // [field to change, new value (undefined = remove), expected problem path, message pattern]
  const cases: [string, unknown, string, RegExp][] = [
    ['version', 2, 'version', /unsupported version 2/],
    ['version', '1', 'version', /expected the number 1, got a string/],
    ['version', undefined, 'version', /required/],
    ['environmentId', 'Aoai', 'environmentId', /lowercase letter first/],
    ['environmentId', 'ab', 'environmentId', /3 to 31/],
    ['environmentId', 'a' + 'b'.repeat(31), 'environmentId', /3 to 31/],
    ['environmentId', '1abc', 'environmentId', /lowercase letter first/],
    ['environmentId', 'abc-', 'environmentId', /must not end with a hyphen/],
    ['environmentId', 'ab_c', 'environmentId', /lowercase letters, digits or hyphens/],
    ['environmentId', 42, 'environmentId', /expected a string, got the number 42/],
    ['environmentId', undefined, 'environmentId', /required field is missing/],
    ['environmentId', '', 'environmentId', /must not be empty/],
    ['ticket', 'OPS-1', 'ticket', /expected an object, got a string/],
    ['ticket', null, 'ticket', /expected an object, got null/],
    ['ticket.callbackUrl', 'http://tickets.example.com/x', 'ticket.callbackUrl', /https/],
    ['ticket.callbackUrl', 'not a url', 'ticket.callbackUrl', /not a URL/],
    ['ticket.callbackUrl', 'https://user:pw@tickets.example.com/x', 'ticket.callbackUrl', /user name or password/],
    ['ticket.id', 7, 'ticket.id', /expected a string/],
    ['aws', undefined, 'aws', /required/],
    ['aws', [], 'aws', /expected an object, got an array/],
    ['aws.region', 'tokyo', 'aws.region', /AWS region name/],
    ['aws.region', 'ap-northest-1', 'aws.region', /AWS region name/],
    ['aws.region', 'AP-NORTHEAST-1', 'aws.region', /AWS region name/],
    ['aws.vpcId', 'vpc-123', 'aws.vpcId', /8 or 17 hex/],
    ['aws.vpcId', 'subnet-0a1b2c3d4e5f60001', 'aws.vpcId', /vpc-/],
    ['aws.vpcId', 'vpc-0A1B2C3D', 'aws.vpcId', /hex/],
    ['aws.routeTableIds', [], 'aws.routeTableIds', /at least one route table/],
    ['aws.routeTableIds', 'rtb-0a1b2c3d', 'aws.routeTableIds', /expected an array of strings, got a string/],
    ['aws.routeTableIds', ['rtb-0a1b2c3d', 'vpc-0a1b2c3d'], 'aws.routeTableIds[1]', /rtb-/],
    ['aws.routeTableIds', ['rtb-0a1b2c3d', 5], 'aws.routeTableIds[1]', /expected a string, got the number 5/],
    ['aws.resolverSubnetIds', ['subnet-0a1b2c3d'], 'aws.resolverSubnetIds', /at least 2 subnets/],
    ['aws.resolverSubnetIds', ['subnet-0a1b2c3d', 'subnet-0a1b2c3d'], 'aws.resolverSubnetIds[1]', /duplicate of aws.resolverSubnetIds\[0\]/],
    ['aws.resolverSubnetIds', ['subnet-0a1b2c3d', 'sn-0a1b2c3e'], 'aws.resolverSubnetIds[1]', /subnet-/],
    ['aws.probeSubnetIds', [], 'aws.probeSubnetIds', /at least one subnet/],
    ['aws.probeSubnetIds', undefined, 'aws.probeSubnetIds', /required/],
    ['azure', 'x', 'azure', /expected an object, got a string/],
    ['azure.subscriptionId', 'not-a-guid', 'azure.subscriptionId', /GUID/],
    ['azure.resourceGroup', 'rg.', 'azure.resourceGroup', /must not end with a period/],
    ['azure.resourceGroup', 'a'.repeat(91), 'azure.resourceGroup', /1 to 90/],
    ['azure.resourceGroup', 'rg network', 'azure.resourceGroup', /only letters/],
    ['azure.virtualNetworkName', 'v', 'azure.virtualNetworkName', /2 to 64/],
    ['azure.virtualNetworkName', 'vnet-', 'azure.virtualNetworkName', /end with a letter, digit or underscore/],
    ['azure.virtualNetworkName', '-vnet', 'azure.virtualNetworkName', /start with a letter or digit/],
    ['azure.virtualNetworkName', 'v'.repeat(65), 'azure.virtualNetworkName', /2 to 64/],
    ['azure.gatewaySubnetPrefix', '192.168.255.0', 'azure.gatewaySubnetPrefix', /IPv4 CIDR/],
    ['azure.gatewaySubnetPrefix', 'fd00::/64', 'azure.gatewaySubnetPrefix', /IPv4 CIDR/],
    ['azure.gatewaySubnetPrefix', '192.168.255.0/28', 'azure.gatewaySubnetPrefix', /\/27 or larger.*\/28 is too small/],
    ['azure.gatewaySubnetPrefix', '192.168.255.8/27', 'azure.gatewaySubnetPrefix', /network address for \/27 is 192\.168\.255\.0\/27/],
    ['azure.privateEndpointSubnetPrefix', '192.168.1.0/30', 'azure.privateEndpointSubnetPrefix', /\/29 or larger/],
    ['azure.privateEndpointSubnetPrefix', '192.168.1.4/27', 'azure.privateEndpointSubnetPrefix', /192\.168\.1\.0\/27/],
    ['azure.dnsResolverSubnetPrefix', '192.168.2.0/29', 'azure.dnsResolverSubnetPrefix', /from \/28 to \/24.*got \/29/],
    ['azure.dnsResolverSubnetPrefix', '192.168.0.0/23', 'azure.dnsResolverSubnetPrefix', /from \/28 to \/24.*got \/23/],
    ['azure.dnsResolverSubnetPrefix', '192.168.1.16/28', 'azure.dnsResolverSubnetPrefix', /overlaps azure.privateEndpointSubnetPrefix \(192\.168\.1\.0\/27\)/],
    ['azure.privateEndpointSubnetPrefix', '192.168.255.0/29', 'azure.privateEndpointSubnetPrefix', /overlaps azure.gatewaySubnetPrefix/],
    ['azure.gatewaySku', 'VpnGw1', 'azure.gatewaySku', /non-AZ.*refuses.*new VPN gateways.*VpnGw1AZ/],
    ['azure.gatewaySku', 'VpnGw3', 'azure.gatewaySku', /use VpnGw3AZ/],
    ['azure.gatewaySku', 'Basic', 'azure.gatewaySku', /legacy/],
    ['azure.gatewaySku', 'vpngw1az', 'azure.gatewaySku', /spelled "VpnGw1AZ"/],
    ['azure.gatewaySku', 'VpnGw9AZ', 'azure.gatewaySku', /one of VpnGw1AZ, VpnGw2AZ/],
    ['azure.openAiAccountId', 'aoai-prod', 'azure.openAiAccountId', /Azure resource id/],
    [
      'azure.openAiAccountId',
      '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-ai/providers/Microsoft.Network/virtualNetworks/vnet',
      'azure.openAiAccountId',
      /Microsoft\.CognitiveServices\/accounts.*Microsoft\.Network\/virtualNetworks/,
    ],
    [
      'azure.openAiAccountId',
      '/subscriptions/my-sub/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/aoai',
      'azure.openAiAccountId',
      /subscription segment must be a GUID/,
    ],
    [
      'azure.openAiAccountId',
      '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/aoai/deployments/gpt',
      'azure.openAiAccountId',
      /Azure resource id/,
    ],
    ['azure.openAiDeployment', '', 'azure.openAiDeployment', /must not be empty/],
    ['azure.openAiDeployment', 'gpt 4o', 'azure.openAiDeployment', /1 to 64/],
    ['azure.openAiDeployment', 'g'.repeat(65), 'azure.openAiDeployment', /1 to 64/],
    ['options', [], 'options', /expected an object, got an array/],
    ['options.publicNetworkAccess', 'disable', 'options.publicNetworkAccess', /must be one of.*"disable-after-probe"/],
    ['options.tunnels', 'bth', 'options.tunnels', /did you mean "both"/],
    ['options.tunnels', 2, 'options.tunnels', /expected a string, got the number 2/],
  ];

  test.each(cases)('%s = %j → %s', (fieldPath, value, problemPath, message) => {
    const problems = problemsOf(validateRequestDocument(set(base(), fieldPath, value)));
    expect(problems).toHaveLength(1);
    expect(problems[0].path).toBe(problemPath);
    expect(problems[0].message).toMatch(message);
  });
});

describe('unknown fields', () => {
  test.each<[string, unknown, string, RegExp]>([
    ['aws.vpcID', 'x', 'aws.vpcID', /did you mean "vpcId"\?/],
    ['azure.gatewaySubnetPrefx', 'x', 'azure.gatewaySubnetPrefx', /did you mean "gatewaySubnetPrefix"\?/],
    ['options.tunnel', 'x', 'options.tunnel', /did you mean "tunnels"\?/],
    ['environmentID', 'x', 'environmentID', /did you mean "environmentId"\?/],
    ['ticket.callbackURL', 'x', 'ticket.callbackURL', /did you mean "callbackUrl"\?/],
    ['azure.region', 'x', 'azure.region', /did you mean aws.region\?/],
    ['colour', 'x', 'colour', /unknown field; the fields allowed at the top level are version, environmentId/],
    ['aws.extra', 'x', 'aws.extra', /unknown field; the fields allowed in aws are region/],
  ])('%s', (fieldPath, value, problemPath, message) => {
    const problems = problemsOf(validateRequestDocument(set(base(), fieldPath, value)));
    expect(problems).toEqual([{ path: problemPath, message: expect.stringMatching(message) }]);
  });

  test('a misspelled required field is reported as unknown and as missing', () => {
    const document = base();
    document.aws.vpcID = document.aws.vpcId;
    delete document.aws.vpcId;
    const paths = problemsOf(validateRequestDocument(document)).map((p) => p.path);
    expect(paths.sort()).toEqual(['aws.vpcID', 'aws.vpcId']);
  });

  test('__proto__ is an ordinary unknown field, not a prototype', () => {
    const problems = problemsOf(parseRequestText(DEFAULT_TEXT.replace('"version": 1,', '"version": 1, "__proto__": {"x": 1},')));
    expect(problems.map((p) => p.path)).toEqual(['__proto__']);
  });

  test('closestName is case-insensitive and stops at distance 2', () => {
    expect(closestName('VPCID', ['vpcId', 'region'])).toBe('vpcId');
    expect(closestName('regn', ['vpcId', 'region'])).toBe('region');
    expect(closestName('rgn', ['vpcId', 'region'])).toBeUndefined();
  });
});

describe('every problem at once', () => {
  test('a request with many problems returns all of them, in document order', () => {
    const document = base();
    document.version = 3;
    document.environmentId = 'Bad_';
    document.ticket.callbackUrl = 'http://x';
    document.aws.region = 'mars-1';
    document.aws.vpcId = 'vpc-1';
    document.aws.resolverSubnetIds = ['subnet-0a1b2c3d', 'subnet-0a1b2c3d', 'subnet-x'];
    document.aws.routeTableIds = [];
    document.azure.subscriptionId = 'x';
    document.azure.gatewaySubnetPrefix = '192.168.255.0/29';
    document.azure.dnsResolverSubnetPrefix = '192.168.1.0/28';
    document.azure.gatewaySku = 'VpnGw2';
    document.azure.openAiDeployment = 5;
    document.options.tunnels = 'three';
    document.options.extra = true;
    const problems = problemsOf(validateRequestDocument(document));
    expect(problems.map((p) => p.path)).toEqual([
      'version',
      'environmentId',
      'ticket.callbackUrl',
      'aws.region',
      'aws.vpcId',
      'aws.routeTableIds',
      'aws.resolverSubnetIds[1]',
      'aws.resolverSubnetIds[2]',
      'azure.subscriptionId',
      'azure.gatewaySubnetPrefix',
      'azure.dnsResolverSubnetPrefix',
      'azure.gatewaySku',
      'azure.openAiDeployment',
      'options.extra',
      'options.tunnels',
    ]);
    const text = formatProblems(problems);
    expect(text.split('\n')).toHaveLength(problems.length);
    expect(text.split('\n')[0]).toBe('version: unsupported version 3; this service understands version 1');
  });
});

describe('parseRequestText', () => {
  test('refuses more than 16 KiB, counting bytes not characters', () => {
    const padded = DEFAULT_TEXT.trimEnd();
    const fill = (bytes: number) => padded + ' '.repeat(bytes - Buffer.byteLength(padded));
    expect(parseRequestText(fill(MAX_REQUEST_BYTES)).ok).toBe(true);
    const tooBig = problemsOf(parseRequestText(fill(MAX_REQUEST_BYTES + 1)));
    expect(tooBig).toEqual([{ path: '(document)', message: expect.stringMatching(/16385 bytes; the limit is 16384/) }]);
    // 6,000 three-byte characters are 18,000 bytes though only 6,000 characters.
    const wide = `{"x":"${'€'.repeat(6000)}"}`;
    expect(problemsOf(parseRequestText(wide))[0].message).toMatch(/bytes; the limit/);
    expect(problemsOf(parseRequestText(Buffer.alloc(MAX_REQUEST_BYTES + 1, 0x20)))[0].message).toMatch(/limit/);
  });

  test.each<[string | Buffer, RegExp]>([
    ['{"version": 1,', /not valid JSON/],
    ['', /empty/],
    ['   ', /empty/],
    ['[]', /expected a JSON object, got an array/],
    ['null', /expected a JSON object, got null/],
    ['"text"', /expected a JSON object, got a string/],
    [Buffer.from([0x7b, 0xff, 0x7d]), /UTF-8/],
  ])('refuses %j', (text, message) => {
    expect(problemsOf(parseRequestText(text))).toEqual([{ path: '(document)', message: expect.stringMatching(message) }]);
  });

  test('accepts a byte-order mark', () => {
    expect(parseRequestText('\ufeff' + DEFAULT_TEXT).ok).toBe(true);
  });
});

describe('parseOpenAiAccountId', () => {
  test('splits a valid id and refuses others', () => {
    expect(parseOpenAiAccountId(base().azure.openAiAccountId)).toEqual({
      subscriptionId: '11111111-2222-3333-4444-555555555555',
      resourceGroup: 'rg-ai',
      accountName: 'aoai-prod',
    });
    expect(parseOpenAiAccountId('/subscriptions/x')).toBeUndefined();
  });
});
