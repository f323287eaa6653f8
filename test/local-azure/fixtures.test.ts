/**
 * Fixture honesty: every official azure-rest-api-specs example with a request body is sent to the emulator
 * (ids adapted into the test world), and the emulator's answer must carry the example response's property
 * structure. Values are not compared, only property paths; what the emulator intentionally leaves out is
 * listed per case, with the reason.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { readWorld } from '../../local/cloud/world';
import { ACCOUNT, advanceToReady, NET, RG, startTestAzure, type TestAzure } from './support';
import { officialExamplePath } from '../support/official-examples';

const DIR = officialExamplePath('azure-rest-api-examples');
const FIX_VNET = `${NET}/virtualNetworks/vnet-fixtures`;

function load(file: string): any {
  return JSON.parse(readFileSync(path.join(DIR, file), 'utf8'));
}

/** Maps the examples' ids into the test world: every VNet is vnet-fixtures, the PLS is the OpenAI account, every group is rg-network. */
function adapt<T>(value: T): T {
  const text = JSON.stringify(value)
    .replace(/\/subscriptions\/[^/"]+\/resourceGroups\/[^/"]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/"]+/g, FIX_VNET)
    .replace(/\/subscriptions\/[^/"]+\/resourceGroups\/[^/"]+\/providers\/Microsoft\.Network\/privateLinkServices\/[^/"]+/g, '@ACCOUNT@')
    .replace(/\/subscriptions\/[^/"]+\/resourceGroups\/[^/"]+\//g, `${RG}/`)
    .replace(/@ACCOUNT@/g, ACCOUNT);
  return JSON.parse(text) as T;
}

/** Property paths, arrays collapsed to `[]`. */
function paths(value: unknown, prefix = ''): Set<string> {
  const out = new Set<string>();
  const walk = (v: unknown, p: string) => {
    if (Array.isArray(v)) v.forEach((item) => walk(item, `${p}[]`));
    else if (v && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        const q = p ? `${p}.${k}` : k;
        out.add(q);
        walk(child, q);
      }
    }
  };
  walk(value, prefix);
  return out;
}

function missingPaths(example: unknown, ours: unknown, absent: string[]): string[] {
  const have = paths(ours);
  return [...paths(adapt(example))].filter((p) => !have.has(p) && !absent.some((a) => p === a || p.startsWith(`${a}.`) || p.startsWith(`${a}[]`)));
}

interface Case {
  /** The example with the request body. */
  file: string;
  /** Where it is sent in the test world. */
  id: string;
  method?: 'PUT' | 'PATCH';
  /** Property of `parameters` holding the body. */
  bodyKey: string;
  /** Non-id placeholders that must be adapted too (kept to a minimum, each explained). */
  tweak?: (body: any) => void;
  /** Paths of the example response the emulator intentionally does not produce. */
  absent?: string[];
  /** The matching Get example, compared with the emulator's GET of the same resource. */
  get?: { file: string; absent?: string[] };
  /** Sub-path GET for singletons (sharedkey). */
  getPath?: string;
}

const CASES: Case[] = [
  {
    file: 'network/SubnetCreateWithDelegation.json',
    id: `${FIX_VNET}/subnets/subnet1`,
    bodyKey: 'subnetParameters',
    // The example's request has no delegations, yet its response shows one (and `purpose`): nothing to echo.
    absent: ['properties.delegations', 'properties.purpose'],
    get: { file: 'network/SubnetGet.json' },
  },
  {
    file: 'network/PublicIpAddressCreateCustomizedValues.json',
    id: `${NET}/publicIPAddresses/test-ip`,
    bodyKey: 'parameters',
    // `zones` sits beside the body in the example (not in it), so nothing asks for zones; ipConfiguration
    // appears only once a gateway or NIC uses the address.
    absent: ['zones', 'properties.ipConfiguration'],
    get: { file: 'network/PublicIpAddressGet.json', absent: ['properties.ipConfiguration', 'properties.ddosSettings.ddosProtectionPlan', 'properties.ipTags[]'] },
  },
  {
    file: 'network/LocalNetworkGatewayCreate.json',
    id: `${NET}/localNetworkGateways/localgw`,
    bodyKey: 'parameters',
    get: { file: 'network/LocalNetworkGatewayGet.json' },
  },
  {
    file: 'network/NetworkSecurityGroupCreateWithRule.json',
    id: `${NET}/networkSecurityGroups/testnsg`,
    bodyKey: 'parameters',
  },
  {
    file: 'network/VirtualNetworkGatewayUpdate.json',
    id: `${NET}/virtualNetworkGateways/vpngw`,
    bodyKey: 'parameters',
    get: {
      file: 'network/VirtualNetworkGatewayGet.json',
      // NAT rules are stored as sent (no per-rule etag/state); migration status and FIPS flags are not modelled.
      absent: ['properties.natRules[].etag', 'properties.natRules[].properties.provisioningState', 'properties.virtualNetworkGatewayMigrationStatus', 'properties.vpnClientConfiguration.enableFipsCompliance'],
    },
  },
  {
    file: 'network/VirtualNetworkGatewayConnectionCreate.json',
    id: `${NET}/connections/connS2S`,
    bodyKey: 'parameters',
    get: { file: 'network/VirtualNetworkGatewayConnectionGet.json' },
  },
  {
    file: 'network/VirtualNetworkGatewayConnectionSetSharedKey.json',
    id: `${NET}/connections/connS2S/sharedkey`,
    bodyKey: 'parameters',
    get: { file: 'network/VirtualNetworkGatewayConnectionGetSharedKey.json' },
  },
  {
    file: 'network/PrivateEndpointCreate.json',
    id: `${NET}/privateEndpoints/testPe`,
    bodyKey: 'parameters',
    // `groupIdFromResource` is the example's placeholder for the target's group id; an OpenAI account's is `account`.
    tweak: (body) => {
      body.properties.privateLinkServiceConnections[0].properties.groupIds = ['account'];
    },
    get: { file: 'network/PrivateEndpointGet.json' },
  },
  {
    file: 'network/PrivateEndpointDnsZoneGroupCreate.json',
    id: `${NET}/privateEndpoints/testPe/privateDnsZoneGroups/testPdnsgroup`,
    bodyKey: 'parameters',
    get: { file: 'network/PrivateEndpointDnsZoneGroupGet.json' },
  },
  {
    file: 'privatedns/PrivateZonePut.json',
    id: `${NET}/privateDnsZones/privatezone1.com`,
    bodyKey: 'parameters',
    get: { file: 'privatedns/PrivateZoneGet.json' },
  },
  {
    file: 'privatedns/VirtualNetworkLinkPut.json',
    id: `${NET}/privateDnsZones/privatezone1.com/virtualNetworkLinks/virtualNetworkLink1`,
    bodyKey: 'parameters',
    get: { file: 'privatedns/VirtualNetworkLinkGet.json' },
  },
  {
    file: 'dnsresolver/DnsResolver_Put.json',
    id: `${NET}/dnsResolvers/sampleDnsResolver`,
    bodyKey: 'parameters',
    get: { file: 'dnsresolver/DnsResolver_Get.json' },
  },
  {
    file: 'dnsresolver/InboundEndpoint_Put.json',
    id: `${NET}/dnsResolvers/sampleDnsResolver/inboundEndpoints/sampleInboundEndpoint`,
    bodyKey: 'parameters',
    get: { file: 'dnsresolver/InboundEndpoint_Get.json' },
  },
  {
    file: 'cognitiveservices/UpdateAccount.json',
    id: ACCOUNT,
    method: 'PATCH',
    bodyKey: 'account',
    // The example's tags were never sent to this account.
    get: { file: 'cognitiveservices/GetAccount.json', absent: ['tags'] },
  },
];

/** The test world plus a VNet wide enough for the examples' prefixes (10.0.0.0/16 and friends). */
function fixtureWorld() {
  const world = readWorld();
  world.azure.virtualNetworks.push({ id: FIX_VNET, location: 'centralus', addressPrefixes: ['10.0.0.0/8', '192.168.0.0/16'] });
  return world;
}

let env: TestAzure;

beforeAll(async () => {
  env = await startTestAzure('', 1, fixtureWorld());
  // Prerequisites the examples refer to: GatewaySubnet, gwpip, the PE subnet, the delegated resolver subnet, zone1.com.
  const prereqs: [string, string, unknown][] = [
    [`${FIX_VNET}/subnets/GatewaySubnet`, '2025-05-01', { properties: { addressPrefix: '192.168.0.0/27' } }],
    [`${FIX_VNET}/subnets/mySubnet`, '2025-05-01', { properties: { addressPrefix: '192.168.1.0/27', privateEndpointNetworkPolicies: 'Enabled' } }],
    [
      `${FIX_VNET}/subnets/sampleSubnet`,
      '2025-05-01',
      { properties: { addressPrefix: '192.168.2.0/28', delegations: [{ name: 'Microsoft.Network.dnsResolvers', properties: { serviceName: 'Microsoft.Network/dnsResolvers' } }] } },
    ],
    [`${NET}/publicIPAddresses/gwpip`, '2025-05-01', { location: 'centralus', sku: { name: 'Standard' }, zones: ['1', '2', '3'], properties: { publicIPAllocationMethod: 'Static' } }],
    [`${NET}/privateDnsZones/zone1.com`, '2024-06-01', { location: 'global' }],
  ];
  for (const [id, version, body] of prereqs) {
    const res = await env.send('PUT', id, version, body);
    expect(res.status).toBe(201);
    await advanceToReady(env, id);
  }
});

afterAll(async () => {
  await env.close();
});

it('covers every example that has a request body', () => {
  const withBody = readdirSync(DIR, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.json'))
    .filter((f) => {
      const params = load(f).parameters ?? {};
      return Object.entries(params).some(([k, v]) => k !== 'extendedLocation' && v && typeof v === 'object' && !Array.isArray(v));
    })
    .filter((f) => f !== 'cognitiveservices/chat_completions.json'); // data plane: openai.test.ts
  expect(CASES.map((c) => c.file).sort()).toEqual(withBody.sort());
});

describe.each(CASES.map((c) => [c.file, c] as const))('%s', (_file, c) => {
  it('is accepted and answered with the example response structure', async () => {
    const example = load(c.file);
    const body = adapt(example.parameters[c.bodyKey]);
    c.tweak?.(body);
    const version: string = example.parameters['api-version'];
    const put = await env.send(c.method ?? 'PUT', c.id, version, body);
    expect({ status: put.status, body: put.json }).toEqual({ status: expect.any(Number), body: expect.anything() });
    if (![200, 201].includes(put.status)) throw new Error(`refused: ${put.status} ${JSON.stringify(put.json)}`);
    const target = c.id.endsWith('/sharedkey') ? c.id.replace(/\/sharedkey$/, '') : c.id;
    await advanceToReady(env, target);

    const got = await env.send('GET', c.id, version);
    expect(got.status).toBe(200);
    const exampleBody = (example.responses[String(put.status)] ?? example.responses['200']).body;
    expect(missingPaths(exampleBody, got.json, c.absent ?? [])).toEqual([]);
    if (c.get) {
      const getExample = load(c.get.file).responses['200'].body;
      expect(missingPaths(getExample, got.json, c.get.absent ?? [])).toEqual([]);
    }
  });
});
