/**
 * The limits of the request contract, one each side of every bound, read by field path: what the static
 * validator accepts and refuses, that it keeps going after a problem, and the cross-check's edge cases.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { EnvironmentRequest, RequestValidation } from '../../functions/commons/request/contract';
import {
  closestName,
  describeJsonType,
  displayText,
  formatProblems,
  levenshtein,
  parseOpenAiAccountId,
  parseRequestText,
  shownProblems,
  validateRequestDocument,
} from '../../functions/commons/request/schema';
import { crossCheckRequest, type CloudFacts } from '../../functions/validate-request/cross-check';
import { subnetNamesByPrefixField } from '../../functions/commons/naming';

const DEFAULT_TEXT = fs.readFileSync(path.join(__dirname, '../../events/new-environment.json'), 'utf8');
const SUB = '11111111-2222-3333-4444-555555555555';
const ACCOUNT = `/subscriptions/${SUB}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/aoai-prod`;

function base(): any {
  return JSON.parse(DEFAULT_TEXT);
}

function withField(fieldPath: string, value: unknown): any {
  const document = base();
  const keys = fieldPath.split('.');
  let target = document;
  for (const key of keys.slice(0, -1)) target = target[key];
  if (value === undefined) delete target[keys[keys.length - 1]];
  else target[keys[keys.length - 1]] = value;
  return document;
}

function paths(result: RequestValidation): string[] {
  return result.ok ? [] : result.problems.map((p) => p.path);
}

function pathsFor(fieldPath: string, value: unknown): string[] {
  return paths(validateRequestDocument(withField(fieldPath, value)));
}

describe('each bound, from both sides', () => {
  const accepted: [string, unknown][] = [
    ['environmentId', 'a-1'],
    ['environmentId', 'a' + '1'.repeat(30)],
    ['environmentId', 'a--b'],
    ['ticket.id', 'x'],
    ['ticket.id', 'x'.repeat(128)],
    ['ticket.id', 'OPS 1 ✓'],
    ['ticket.callbackUrl', `https://tickets.example.com/${'a'.repeat(2048 - 'https://tickets.example.com/'.length)}`],
    ['aws.region', 'us-iso-east-1'],
    ['aws.region', 'ap-southeast-10'],
    ['aws.region', 'eu-north-1'],
    ['aws.region', 'sa-east-1'],
    ['aws.region', 'ap-south-2'],
    ['aws.region', 'us-west-2'],
    ['aws.region', 'ca-central-1'],
    ['aws.region', 'mx-northwest-1'],
    ['aws.region', 'ap-northwest-1'],
    ['aws.region', 'af-southwest-1'],
    ['aws.region', 'il-southeast-1'],
    ['aws.vpcId', 'vpc-0123456789abcdef0'],
    ['aws.vpcId', 'vpc-01234567'],
    ['azure.subscriptionId', 'abcdef01-abcd-ABCD-9876-0123456789ab'],
    ['azure.resourceGroup', 'r'],
    ['azure.resourceGroup', 'rg-日本語'],
    ['azure.resourceGroup', '(rg)'],
    ['azure.virtualNetworkName', '12'],
    ['azure.virtualNetworkName', 'a.b-c_d'],
    ['azure.virtualNetworkName', 'v'.repeat(64)],
    ['azure.virtualNetworkName', 'Vnet'],
    ['azure.gatewaySubnetPrefix', '192.168.254.0/26'],
    ['azure.gatewaySubnetPrefix', '192.168.255.0/27'],
    ['azure.privateEndpointSubnetPrefix', '192.168.1.0/29'],
    ['azure.privateEndpointSubnetPrefix', '192.168.0.0/24'],
    ['azure.dnsResolverSubnetPrefix', '192.168.2.0/28'],
    ['azure.dnsResolverSubnetPrefix', '192.168.3.0/24'],
    ['azure.gatewaySku', 'VpnGw1AZ'],
    ['azure.gatewaySku', 'VpnGw2AZ'],
    ['azure.gatewaySku', 'VpnGw3AZ'],
    ['azure.gatewaySku', 'VpnGw4AZ'],
    ['azure.openAiAccountId', `/subscriptions/${SUB}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/a1`],
    ['azure.openAiAccountId', `/subscriptions/${SUB}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/A${'b'.repeat(63)}`],
    ['azure.openAiAccountId', `/subscriptions/${SUB}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/9-x`],
    ['azure.openAiDeployment', 'A'],
    ['azure.openAiDeployment', '9z'],
    ['options.publicNetworkAccess', 'keep'],
    ['options.publicNetworkAccess', 'disable-after-probe'],
    ['options.tunnels', 'both'],
    ['options.tunnels', 'one'],
  ];
  test.each(accepted)('%s = %j is accepted', (fieldPath, value) => {
    expect(pathsFor(fieldPath, value)).toEqual([]);
  });

  const refused: [string, unknown, string][] = [
    ['environmentId', 'a1', 'environmentId'],
    ['environmentId', 'a' + '1'.repeat(31), 'environmentId'],
    ['environmentId', '-abc', 'environmentId'],
    ['environmentId', 'abc-', 'environmentId'],
    ['environmentId', 'abc\n', 'environmentId'],
    ['environmentId', ' abc', 'environmentId'],
    ['environmentId', 'abC', 'environmentId'],
    ['ticket.id', '', 'ticket.id'],
    ['ticket.id', 'x'.repeat(129), 'ticket.id'],
    ['ticket.id', 'a\tb', 'ticket.id'],
    ['ticket.id', 'a\u007fb', 'ticket.id'],
    ['ticket.id', 'a\u001fb', 'ticket.id'],
    ['ticket.id', '\u0000', 'ticket.id'],
    ['ticket.callbackUrl', `https://tickets.example.com/${'a'.repeat(2049 - 'https://tickets.example.com/'.length)}`, 'ticket.callbackUrl'],
    ['ticket.callbackUrl', 'ftp://tickets.example.com/x', 'ticket.callbackUrl'],
    ['ticket.callbackUrl', 'https://:secret@tickets.example.com/x', 'ticket.callbackUrl'],
    ['ticket.callbackUrl', 'https://user@tickets.example.com/x', 'ticket.callbackUrl'],
    ['ticket.callbackUrl', 'https://127.0.0.1/x', 'ticket.callbackUrl'],
    ['ticket.callbackUrl', '/relative/path', 'ticket.callbackUrl'],
    ['aws.region', 'xap-northeast-1', 'aws.region'],
    ['aws.region', 'ap-northeast-1x', 'aws.region'],
    ['aws.region', 'ap-northeast-0', 'aws.region'],
    ['aws.region', 'ap-northeast-100', 'aws.region'],
    ['aws.region', 'a-northeast-1', 'aws.region'],
    ['aws.region', 'apx-northeast-1', 'aws.region'],
    ['aws.region', 'us-gov-gov-west-1', 'aws.region'],
    ['aws.region', 'us-isobc-east-1', 'aws.region'],
    ['aws.region', 'ap-northeast1', 'aws.region'],
    ['aws.region', 'apnortheast-1', 'aws.region'],
    ['aws.region', 'ap-up-1', 'aws.region'],
    ['aws.region', 'ap-northeast-', 'aws.region'],
    ['aws.vpcId', 'vpc-0123456', 'aws.vpcId'],
    ['aws.vpcId', 'vpc-012345678', 'aws.vpcId'],
    ['aws.vpcId', 'vpc-0123456789abcdef', 'aws.vpcId'],
    ['aws.vpcId', 'vpc-0123456789abcdef01', 'aws.vpcId'],
    ['aws.vpcId', 'xvpc-01234567', 'aws.vpcId'],
    ['aws.vpcId', 'vpc-01234567x', 'aws.vpcId'],
    ['aws.vpcId', 'vpc01234567', 'aws.vpcId'],
    ['aws.vpcId', 'vpc-0123456g', 'aws.vpcId'],
    ['azure.subscriptionId', `x${SUB}`, 'azure.subscriptionId'],
    ['azure.subscriptionId', `${SUB}x`, 'azure.subscriptionId'],
    ['azure.subscriptionId', '1111111-2222-3333-4444-555555555555', 'azure.subscriptionId'],
    ['azure.subscriptionId', '11111111-222-3333-4444-555555555555', 'azure.subscriptionId'],
    ['azure.subscriptionId', '11111111-2222-333-4444-555555555555', 'azure.subscriptionId'],
    ['azure.subscriptionId', '11111111-2222-3333-444-555555555555', 'azure.subscriptionId'],
    ['azure.subscriptionId', '11111111-2222-3333-4444-55555555555', 'azure.subscriptionId'],
    ['azure.subscriptionId', 'g1111111-2222-3333-4444-555555555555', 'azure.subscriptionId'],
    ['azure.subscriptionId', '11111111222233334444555555555555', 'azure.subscriptionId'],
    ['azure.resourceGroup', 'rg/x', 'azure.resourceGroup'],
    ['azure.resourceGroup', 'rg x', 'azure.resourceGroup'],
    ['azure.resourceGroup', 'a'.repeat(90) + '.', 'azure.resourceGroup'],
    ['azure.resourceGroup', '.', 'azure.resourceGroup'],
    ['azure.virtualNetworkName', 'ab.', 'azure.virtualNetworkName'],
    ['azure.virtualNetworkName', '_ab', 'azure.virtualNetworkName'],
    ['azure.virtualNetworkName', '.ab', 'azure.virtualNetworkName'],
    ['azure.virtualNetworkName', 'a$b', 'azure.virtualNetworkName'],
    ['azure.virtualNetworkName', 'a b', 'azure.virtualNetworkName'],
    ['azure.virtualNetworkName', 'v'.repeat(65), 'azure.virtualNetworkName'],
    ['azure.gatewaySubnetPrefix', '192.168.255.0/28', 'azure.gatewaySubnetPrefix'],
    ['azure.gatewaySubnetPrefix', '192.168.255.1/27', 'azure.gatewaySubnetPrefix'],
    ['azure.privateEndpointSubnetPrefix', '192.168.1.0/30', 'azure.privateEndpointSubnetPrefix'],
    ['azure.privateEndpointSubnetPrefix', '192.168.1.0/32', 'azure.privateEndpointSubnetPrefix'],
    ['azure.dnsResolverSubnetPrefix', '192.168.2.0/29', 'azure.dnsResolverSubnetPrefix'],
    ['azure.dnsResolverSubnetPrefix', '192.168.4.0/23', 'azure.dnsResolverSubnetPrefix'],
    ['azure.gatewaySku', 'VpnGw5', 'azure.gatewaySku'],
    ['azure.gatewaySku', 'VpnGw6', 'azure.gatewaySku'],
    ['azure.gatewaySku', 'VpnGw6AZ', 'azure.gatewaySku'],
    ['azure.gatewaySku', 'standard', 'azure.gatewaySku'],
    ['azure.gatewaySku', 'HighPerformance', 'azure.gatewaySku'],
    ['azure.gatewaySku', 'UltraPerformance', 'azure.gatewaySku'],
    ['azure.gatewaySku', 'VpnGw1AZ ', 'azure.gatewaySku'],
    ['azure.gatewaySku', 'Generation1', 'azure.gatewaySku'],
    ['azure.gatewaySku', 5, 'azure.gatewaySku'],
    ['azure.openAiAccountId', `x/subscriptions/${SUB}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/aoai`, 'azure.openAiAccountId'],
    ['azure.openAiAccountId', `/subscription/${SUB}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/aoai`, 'azure.openAiAccountId'],
    ['azure.openAiAccountId', `/subscriptions/${SUB}/resourceGroup/rg-ai/providers/Microsoft.CognitiveServices/accounts/aoai`, 'azure.openAiAccountId'],
    ['azure.openAiAccountId', `/subscriptions/${SUB}/resourceGroups/rg-ai/provider/Microsoft.CognitiveServices/accounts/aoai`, 'azure.openAiAccountId'],
    ['azure.openAiAccountId', `/subscriptions/${SUB}/resourceGroups/rg-ai/providers/Microsoft.Cognitive/accounts/aoai`, 'azure.openAiAccountId'],
    ['azure.openAiAccountId', `/subscriptions/${SUB}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/account/aoai`, 'azure.openAiAccountId'],
    ['azure.openAiAccountId', `/subscriptions/${SUB}/resourceGroups/rg./providers/Microsoft.CognitiveServices/accounts/aoai`, 'azure.openAiAccountId'],
    ['azure.openAiAccountId', `/subscriptions/${SUB}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/a`, 'azure.openAiAccountId'],
    ['azure.openAiAccountId', `/subscriptions/${SUB}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/a${'b'.repeat(64)}`, 'azure.openAiAccountId'],
    ['azure.openAiAccountId', `/subscriptions/${SUB}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/-ab`, 'azure.openAiAccountId'],
    ['azure.openAiAccountId', `/subscriptions/${SUB}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/a_b`, 'azure.openAiAccountId'],
    ['azure.openAiAccountId', `/subscriptions/${SUB}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/ab-`.replace(/-$/, '.'), 'azure.openAiAccountId'],
    ['azure.openAiDeployment', 'a-', 'azure.openAiDeployment'],
    ['azure.openAiDeployment', '-a', 'azure.openAiDeployment'],
    ['azure.openAiDeployment', 'a$b', 'azure.openAiDeployment'],
    ['options.publicNetworkAccess', 'Keep', 'options.publicNetworkAccess'],
    ['options.tunnels', 'two', 'options.tunnels'],
    ['options', null, 'options'],
    ['options', 'both', 'options'],
    ['ticket', [], 'ticket'],
  ];
  test.each(refused)('%s = %j is refused at %s, and only there', (fieldPath, value, problemPath) => {
    expect(pathsFor(fieldPath, value)).toEqual([problemPath]);
  });
});

describe('messages that carry what the engineer must change', () => {
  const messageFor = (fieldPath: string, value: unknown) => {
    const result = validateRequestDocument(withField(fieldPath, value));
    if (result.ok) throw new Error('expected a refusal');
    return result.problems[0].message;
  };

  test('host bits: the aligned network is named', () => {
    expect(messageFor('azure.dnsResolverSubnetPrefix', '192.168.2.5/28')).toContain('192.168.2.0/28');
  });

  test('a non-AZ SKU names its AZ twin; a case slip names the spelling', () => {
    expect(messageFor('azure.gatewaySku', 'vpngw4')).toContain('VpnGw4AZ');
    expect(messageFor('azure.gatewaySku', 'VPNGW2AZ')).toContain('"VpnGw2AZ"');
  });

  test('only a whole SKU name is diagnosed as non-AZ or legacy; anything else gets the list', () => {
    for (const value of ['xVpnGw1', 'VpnGw1x', 'Basicx', 'xStandard', 'VpnGw9AZ']) {
      const message = messageFor('azure.gatewaySku', value);
      expect([value, /non-AZ|legacy/.test(message), message.includes('VpnGw1AZ, VpnGw2AZ, VpnGw3AZ, VpnGw4AZ, VpnGw5AZ')]).toEqual([value, false, true]);
    }
    expect(messageFor('azure.gatewaySku', 'UltraPerformance')).toMatch(/legacy.*VpnGw1AZ, VpnGw2AZ, VpnGw3AZ, VpnGw4AZ, VpnGw5AZ/);
  });

  test('a wrong scheme is named without its colon', () => {
    expect(messageFor('ticket.callbackUrl', 'ftp://tickets.example.com/x')).toMatch(/got ftp$/);
  });

  test('a wrong resource type is named', () => {
    expect(messageFor('azure.openAiAccountId', `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Search/searchServices/s`)).toContain('Microsoft.Search/searchServices');
  });

  test('an unknown option suggests the close one only when there is one', () => {
    expect(messageFor('options.publicNetworkAccess', 'disable-frist')).toContain('"disable-first"');
    expect(messageFor('options.tunnels', 'zzzzz')).not.toContain('did you mean');
  });

  test('an unknown field in the wrong section points at the right one, else lists the section’s fields', () => {
    const wrongSection = validateRequestDocument(withField('aws.openAiDeployment', 'x'));
    expect(!wrongSection.ok && wrongSection.problems[0].message).toContain('azure.openAiDeployment');
    const ticketField = validateRequestDocument(withField('options.callbackUrl', 'x'));
    expect(!ticketField.ok && ticketField.problems[0].message).toContain('ticket.callbackUrl');
    const topLevel = validateRequestDocument(withField('ticket.tunnels', 'x'));
    expect(!topLevel.ok && topLevel.problems[0].message).toContain('options.tunnels');
    const listing = validateRequestDocument(withField('options.zzzzzzzz', 'x'));
    expect(!listing.ok && listing.problems[0].message).toContain('in options are publicNetworkAccess, tunnels');
    const nowhere = validateRequestDocument(withField('ticket.zzzzzzzz', 'x'));
    expect(!nowhere.ok && nowhere.problems[0].message).toContain('in ticket are id, callbackUrl');
  });

  test('JSON types are described as JSON sees them', () => {
    expect(describeJsonType(null)).toBe('null');
    expect(describeJsonType([])).toBe('an array');
    expect(describeJsonType({})).toBe('an object');
    expect(describeJsonType(3)).toBe('the number 3');
    expect(describeJsonType(1.5)).toBe('a number');
    expect(describeJsonType('x')).toBe('a string');
    expect(describeJsonType(true)).toBe('true');
    expect(describeJsonType(false)).toBe('false');
    expect(describeJsonType(undefined)).toBe('undefined');
  });

  test('a section that is not an object says which type it got', () => {
    expect(messageFor('aws', 7)).toContain('got the number 7');
    expect(messageFor('options', 'x')).toContain('got a string');
    expect(messageFor('azure.gatewaySku', true)).toContain('got true');
    expect(messageFor('aws.routeTableIds', { a: 1 })).toContain('got an object');
  });
});

describe('keeps going after a problem', () => {
  test('a broken ticket id and callback URL are both reported, and the request is refused', () => {
    const document = base();
    document.ticket = { id: '', callbackUrl: 'http://x' };
    expect(paths(validateRequestDocument(document))).toEqual(['ticket.id', 'ticket.callbackUrl']);
  });

  test('an array item can be malformed and a duplicate at once; later items are still read', () => {
    const document = withField('aws.routeTableIds', ['rtb-x', 'rtb-x', 'rtb-0a1b2c3d', 'rtb-0a1b2c3d']);
    const result = validateRequestDocument(document);
    expect(paths(result)).toEqual(['aws.routeTableIds[0]', 'aws.routeTableIds[1]', 'aws.routeTableIds[1]', 'aws.routeTableIds[3]']);
    expect(!result.ok && result.problems[3].message).toContain('aws.routeTableIds[2]');
  });

  test('a too-short list is reported along with its bad items', () => {
    expect(pathsFor('aws.resolverSubnetIds', ['subnet-x'])).toEqual(['aws.resolverSubnetIds', 'aws.resolverSubnetIds[0]']);
    expect(pathsFor('aws.resolverSubnetIds', ['subnet-0a1b2c3d', 'subnet-0a1b2c3e'])).toEqual([]);
  });

  test('every missing required field of every section is reported', () => {
    const document = { version: 1, environmentId: 'abc', aws: {}, azure: {} };
    expect(paths(validateRequestDocument(document))).toEqual([
      'aws.region',
      'aws.vpcId',
      'aws.routeTableIds',
      'aws.resolverSubnetIds',
      'aws.probeSubnetIds',
      'azure.subscriptionId',
      'azure.resourceGroup',
      // The subnet prefixes may be left out (hub discovery asks for them only when it must build the subnet).
      'azure.virtualNetworkName',
      'azure.openAiAccountId',
      'azure.openAiDeployment',
    ]);
    expect(paths(validateRequestDocument({ version: 1, environmentId: 'abc' }))).toEqual(['aws', 'azure']);
  });

  test('one bad field in a section is enough to refuse the request, whichever it is', () => {
    for (const [fieldPath, value] of [
      ['aws.region', 'x'],
      ['aws.vpcId', 'x'],
      ['aws.routeTableIds', []],
      ['aws.resolverSubnetIds', []],
      ['aws.probeSubnetIds', []],
      ['azure.subscriptionId', 'x'],
      ['azure.resourceGroup', '.'],
      ['azure.virtualNetworkName', 'x'],
      ['azure.gatewaySubnetPrefix', 'x'],
      ['azure.privateEndpointSubnetPrefix', 'x'],
      ['azure.dnsResolverSubnetPrefix', 'x'],
      ['azure.gatewaySku', 'x'],
      ['azure.openAiAccountId', 'x'],
      ['azure.openAiDeployment', '.'],
      ['options.publicNetworkAccess', 'x'],
      ['options.tunnels', 'x'],
      ['ticket.id', ''],
      ['version', 2],
    ] as [string, unknown][]) {
      expect([fieldPath, validateRequestDocument(withField(fieldPath, value)).ok]).toEqual([fieldPath, false]);
    }
  });

  test('subnets that overlap are reported on the later field, each pair once', () => {
    const document = base();
    document.azure.gatewaySubnetPrefix = '192.168.0.0/26';
    document.azure.privateEndpointSubnetPrefix = '192.168.0.0/27';
    document.azure.dnsResolverSubnetPrefix = '192.168.0.32/28';
    const result = validateRequestDocument(document);
    expect(paths(result)).toEqual(['azure.privateEndpointSubnetPrefix', 'azure.dnsResolverSubnetPrefix']);
    expect(!result.ok && result.problems[1].message).toContain('azure.gatewaySubnetPrefix');
    // Adjacent blocks do not overlap.
    const adjacent = base();
    adjacent.azure.privateEndpointSubnetPrefix = '192.168.2.16/28';
    adjacent.azure.dnsResolverSubnetPrefix = '192.168.2.0/28';
    expect(paths(validateRequestDocument(adjacent))).toEqual([]);
    // An invalid prefix is not compared with the others.
    expect(pathsFor('azure.privateEndpointSubnetPrefix', '192.168.255.0/33')).toEqual(['azure.privateEndpointSubnetPrefix']);
  });

  test('the result carries only the fields of the contract, and a given empty ticket', () => {
    const document = base();
    document.ticket = {};
    const result = validateRequestDocument(document);
    expect(result.ok && result.request.ticket).toEqual({});
    const noDefaults = base();
    noDefaults.options = {};
    const defaults = validateRequestDocument(noDefaults);
    expect(defaults.ok && defaults.request.options).toEqual({ publicNetworkAccess: 'disable-after-probe', tunnels: 'both' });
    expect(defaults.ok && Object.keys(defaults.request).sort()).toEqual(['aws', 'azure', 'environmentId', 'options', 'ticket', 'version']);
  });
});

describe('text: parsing and display', () => {
  test('a byte-order mark in bytes is accepted; a BOM-only or whitespace request is empty', () => {
    expect(parseRequestText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(DEFAULT_TEXT)])).ok).toBe(true);
    expect(paths(parseRequestText('\ufeff'))).toEqual(['(document)']);
    expect(paths(parseRequestText(Buffer.from('\n\t ')))).toEqual(['(document)']);
    expect(paths(parseRequestText('x' + DEFAULT_TEXT))).toEqual(['(document)']);
  });

  test('displayText cuts only beyond the limit and escapes every unsafe range', () => {
    expect(displayText('abc', 3)).toBe('abc');
    expect(displayText('abcd', 3)).toBe('abc… (4 characters)');
    for (const c of ['\u0000', '\u001f', '\u007f', '\u009f', '\u200b', '\u200f', '\u2028', '\u202e', '\u2060', '\u2069', '\ufeff']) {
      expect(displayText(`a${c}b`, 80)).toBe(`a\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}b`);
    }
    for (const c of [' ', '~', '\u00a0', '\u2010', '\u2070']) expect(displayText(`a${c}b`, 80)).toBe(`a${c}b`);
    // Length is counted before escaping for the note, in code points.
    expect(displayText('\u0000'.repeat(2), 6)).toBe('\\u0000… (2 characters)');
  });

  test('shownProblems escapes paths and messages built outside the walker; formatProblems writes one line each', () => {
    const shown = shownProblems([{ path: 'a\nb', message: 'm\u001b' }]);
    expect(shown).toEqual([{ path: 'a\\u000ab', message: 'm\\u001b' }]);
    expect(formatProblems([...shown, { path: 'p', message: 'q' }])).toBe('a\\u000ab: m\\u001b\np: q');
    expect(formatProblems([])).toBe('');
  });

  test('an echoed value is shortened wherever it appears, and an empty echo changes nothing', () => {
    const long = `vpc-${'f'.repeat(200)}`;
    const result = validateRequestDocument(withField('aws.vpcId', long));
    expect(!result.ok && result.problems[0].message).not.toContain(long);
    expect(!result.ok && result.problems[0].message).toContain('(204 characters)');
  });
});

describe('names close to a known one', () => {
  test('levenshtein counts insertions, deletions and substitutions', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('abc', '')).toBe(3);
    expect(levenshtein('abc', 'abc')).toBe(0);
    expect(levenshtein('flaw', 'lawn')).toBe(2);
    expect(levenshtein('ab', 'ba')).toBe(2);
    expect(levenshtein('a', 'b')).toBe(1);
  });

  test('closestName takes the nearest, the first of equals, and nothing from distance 3', () => {
    expect(closestName('regio', ['regions', 'region'])).toBe('region');
    expect(closestName('abx', ['abc', 'abd'])).toBe('abc');
    expect(closestName('abcxx', ['abc'])).toBe('abc');
    expect(closestName('abxxx', ['abc'])).toBeUndefined();
    expect(closestName('x', [])).toBeUndefined();
  });
});

describe('parseOpenAiAccountId', () => {
  test('splits a valid id into its parts; refuses what the validator refuses', () => {
    expect(parseOpenAiAccountId(ACCOUNT)).toEqual({ subscriptionId: SUB, resourceGroup: 'rg-ai', accountName: 'aoai-prod' });
    expect(parseOpenAiAccountId(`${ACCOUNT}/`)).toBeUndefined();
    expect(parseOpenAiAccountId(ACCOUNT.replace('accounts', 'things'))).toBeUndefined();
  });
});

describe('cross-check edge cases', () => {
  const request = (): EnvironmentRequest => {
    const result = validateRequestDocument(base());
    if (!result.ok) throw new Error('default request should be valid');
    return result.request;
  };
  const OWN = (): Record<string, string> => subnetNamesByPrefixField('aoai-prod-01');
  const VPC = 'vpc-0a1b2c3d4e5f60001';
  const facts = (): CloudFacts => ({
    vpc: { cidrBlocks: ['10.0.0.0/16'] },
    subnets: {
      'subnet-0a1b2c3d4e5f60001': { vpcId: VPC, availabilityZone: 'ap-northeast-1a', cidrBlock: '10.0.1.0/24' },
      'subnet-0a1b2c3d4e5f60002': { vpcId: VPC, availabilityZone: 'ap-northeast-1c', cidrBlock: '10.0.2.0/24' },
    },
    routeTables: { 'rtb-0a1b2c3d4e5f60001': { vpcId: VPC } },
    vnet: { location: 'japaneast', addressPrefixes: ['192.168.0.0/16'], subnets: [] },
    openAiAccount: { kind: 'OpenAI', customSubDomainName: 'aoai-prod', location: 'japaneast', deployments: ['gpt-4o'] },
  });
  const pathsOf = (r: EnvironmentRequest, f: CloudFacts, own: Record<string, string> = OWN()) => crossCheckRequest(r, f, own).map((p) => p.path);

  test('the zone rule waits for two usable resolver subnets; probe subnets do not count', () => {
    const f = facts();
    f.subnets['subnet-0a1b2c3d4e5f60002'] = undefined;
    expect(pathsOf(request(), f)).toEqual(['aws.resolverSubnetIds[1]']);
    const other = facts();
    other.subnets['subnet-0a1b2c3d4e5f60002']!.vpcId = 'vpc-other';
    expect(pathsOf(request(), other)).toEqual(['aws.resolverSubnetIds[1]']);
    const sameZone = facts();
    sameZone.subnets['subnet-0a1b2c3d4e5f60002']!.availabilityZone = 'ap-northeast-1a';
    const r = request();
    r.aws.probeSubnetIds = ['subnet-0a1b2c3d4e5f60003'];
    sameZone.subnets['subnet-0a1b2c3d4e5f60003'] = { vpcId: VPC, availabilityZone: 'ap-northeast-1d', cidrBlock: '10.0.3.0/24' };
    expect(pathsOf(r, sameZone)).toEqual(['aws.resolverSubnetIds']);
    const three = facts();
    const r3 = request();
    r3.aws.resolverSubnetIds = ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002', 'subnet-0a1b2c3d4e5f60003'];
    three.subnets['subnet-0a1b2c3d4e5f60002']!.availabilityZone = 'ap-northeast-1a';
    three.subnets['subnet-0a1b2c3d4e5f60003'] = { vpcId: VPC, availabilityZone: 'ap-northeast-1a', cidrBlock: '10.0.3.0/24' };
    expect(pathsOf(r3, three)).toEqual(['aws.resolverSubnetIds']);
    three.subnets['subnet-0a1b2c3d4e5f60003']!.availabilityZone = 'ap-northeast-1c';
    expect(pathsOf(r3, three)).toEqual([]);
  });

  test('every route table is checked, each at its index', () => {
    const r = request();
    r.aws.routeTableIds = ['rtb-0a1b2c3d4e5f60001', 'rtb-0a1b2c3d4e5f60002', 'rtb-0a1b2c3d4e5f60003'];
    const f = facts();
    f.routeTables['rtb-0a1b2c3d4e5f60003'] = { vpcId: 'vpc-other' };
    expect(pathsOf(r, f)).toEqual(['aws.routeTableIds[1]', 'aws.routeTableIds[2]']);
  });

  test('a VNet without address space refuses every prefix; an unreadable prefix or subnet is skipped', () => {
    const f = facts();
    f.vnet!.addressPrefixes = [];
    const problems = crossCheckRequest(request(), f, OWN());
    expect(problems.map((p) => p.path)).toEqual(['azure.gatewaySubnetPrefix', 'azure.privateEndpointSubnetPrefix', 'azure.dnsResolverSubnetPrefix']);
    expect(problems[0].message).toContain('(none)');
    const g = facts();
    g.vnet!.addressPrefixes = ['garbage', '192.168.0.0/16'];
    g.vnet!.subnets = [{ name: 'weird', addressPrefix: '' }];
    g.vpc!.cidrBlocks = ['garbage', '10.0.0.0/16'];
    expect(pathsOf(request(), g)).toEqual([]);
  });

  test('a prefix must sit inside one block of the space, not straddle two', () => {
    const r = request();
    r.azure.gatewaySubnetPrefix = '192.168.254.0/23';
    const f = facts();
    f.vnet!.addressPrefixes = ['192.168.0.0/17', '192.168.128.0/18', '192.168.192.0/19', '192.168.224.0/20', '192.168.240.0/21', '192.168.248.0/22', '192.168.252.0/23', '192.168.254.0/24', '192.168.255.0/24'];
    expect(pathsOf(r, f)).toEqual(['azure.gatewaySubnetPrefix']);
  });

  test('our subnet name with another prefix is a conflict; another name that only touches is not', () => {
    const f = facts();
    f.vnet!.subnets = [
      { name: 'SNET-AOAI-PROD-01-PRIVATE-ENDPOINT', addressPrefix: '192.168.1.0/28' },
      { name: 'neighbour', addressPrefix: '192.168.1.32/27' },
    ];
    expect(pathsOf(request(), f)).toEqual(['azure.privateEndpointSubnetPrefix']);
    // Our name with the same network written with host bits is the same block.
    f.vnet!.subnets[0].addressPrefix = '192.168.1.0/27';
    expect(pathsOf(request(), f)).toEqual([]);
    f.vnet!.subnets[0].addressPrefix = '192.168.1.0/26';
    expect(pathsOf(request(), f)).toEqual(['azure.privateEndpointSubnetPrefix']);
    // A GatewaySubnet of another prefix, with no names given: GatewaySubnet is still our name.
    const g = facts();
    g.vnet!.subnets = [{ name: 'GatewaySubnet', addressPrefix: '192.168.254.0/27' }];
    expect(pathsOf(request(), g, {})).toEqual(['azure.gatewaySubnetPrefix']);
    // Another field's name does not make a subnet ours.
    const h = facts();
    h.vnet!.subnets = [{ name: 'GatewaySubnet', addressPrefix: '192.168.1.0/27' }];
    expect(pathsOf(request(), h)).toEqual(['azure.gatewaySubnetPrefix', 'azure.privateEndpointSubnetPrefix']);
  });

  test('every VPC block is compared with every VNet block', () => {
    const f = facts();
    f.vpc!.cidrBlocks = ['10.0.0.0/16', '172.16.0.0/16'];
    f.vnet!.addressPrefixes = ['192.168.0.0/16', '172.16.128.0/17'];
    const r = request();
    const problems = crossCheckRequest(r, f, OWN());
    expect(problems.map((p) => p.path)).toEqual(['aws.vpcId']);
    expect(problems[0].message).toContain('172.16.0.0/16');
    expect(problems[0].message).toContain('172.16.128.0/17');
    // Without the VPC, no overlap can be told.
    const noVpc = facts();
    delete noVpc.vpc;
    noVpc.vnet!.addressPrefixes = ['10.0.0.0/8', '192.168.0.0/16'];
    expect(pathsOf(r, noVpc)).toEqual(['aws.vpcId']);
  });

  test('account kind is compared without case; no deployments list means no deployment check; an empty one refuses', () => {
    const f = facts();
    f.openAiAccount = { kind: 'openai', customSubDomainName: 'x', location: 'eastus', deployments: undefined };
    expect(pathsOf(request(), f)).toEqual([]);
    f.openAiAccount.kind = 'aiservices';
    expect(pathsOf(request(), f)).toEqual([]);
    f.openAiAccount.kind = 'OpenAIx';
    expect(pathsOf(request(), f)).toEqual(['azure.openAiAccountId']);
    const empty = facts();
    empty.openAiAccount!.deployments = [];
    const problems = crossCheckRequest(request(), empty, OWN());
    expect(problems.map((p) => p.path)).toEqual(['azure.openAiDeployment']);
    expect(problems[0].message).toContain('it has none');
    const listed = facts();
    listed.openAiAccount!.deployments = ['gpt-35', 'o1'];
    expect(crossCheckRequest(request(), listed, OWN())[0].message).toContain('gpt-35, o1');
    const noSubdomain = facts();
    noSubdomain.openAiAccount!.customSubDomainName = '';
    expect(pathsOf(request(), noSubdomain)).toEqual(['azure.openAiAccountId']);
  });
});
