/**
 * Every ARM request body the workflow sends, in a default local run, its option variants and BGP routing, read
 * through the official generated models of its type and written back: nothing the product sends is unknown to
 * the model (it would be dropped),. Required fields are not asserted here.
 *
 * The packages target these api-versions: @azure/arm-network 39.0.0 → 2026-01-01 (ours 2024-05-01),
 * @azure/arm-privatedns 4.0.0 → 2024-06-01 (ours), @azure/arm-dnsresolver 1.1.0 → 2022-07-01 (ours),
 * @azure/arm-cognitiveservices 8.1.0 → 2025-09-01 (ours 2024-10-01). Where they differ the newer model is
 * the one compared: ARM api-versions of one provider only add properties, so a property the newer model does not
 * know is not in the older one either, and a required field of the older one is still required.
 */
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { createSerializer } from '@azure/core-client';
import { createHttpHeaders, type HttpClient, type PipelineRequest } from '@azure/core-rest-pipeline';
import { DnsResolverManagementClient } from '@azure/arm-dnsresolver';
import { Recorder, type ArmRequestRecord } from '../../local/cloud/context';
import { API_VERSIONS } from '../../functions/commons/arm';
import { request, run } from '../workflow/support';

/** The generated files themselves: the packages' export maps do not expose their (de)serializers or mappers. */
function packageFile(name: string, relative: string): any {
  return require(path.join(path.dirname(require.resolve(name)), relative));
}
const networkModels = { ...packageFile('@azure/arm-network', 'models/common/models.js'), ...packageFile('@azure/arm-network', 'models/network/models.js') };
const privateDnsModels = packageFile('@azure/arm-privatedns', 'models/models.js');
const cognitiveMappers = packageFile('@azure/arm-cognitiveservices', 'models/mappers.js');

type RoundTrip = (record: ArmRequestRecord) => Promise<unknown>;

/** TypeSpec-generated (modular) packages: `<model>Deserializer` reads the wire body, `<model>Serializer` writes it. */
function modular(models: Record<string, (item: unknown) => unknown>, model: string): RoundTrip {
  const deserialize = models[`${model}Deserializer`];
  const serialize = models[`${model}Serializer`];
  if (!deserialize || !serialize) throw new Error(`no (de)serializer for ${model}`);
  return async (record) => serialize(deserialize(record.body));
}

/** Classic packages with reachable mappers: createSerializer(Mappers), which also checks required fields. */
function classic(mappers: Record<string, any>, model: string): RoundTrip {
  const serializer = createSerializer(mappers, false);
  return async (record) => serializer.serialize(mappers[model], serializer.deserialize(mappers[model], record.body, 'body', { xml: {} }), 'body');
}

/**
 * @azure/arm-dnsresolver bundles its mappers out of reach, so its own client does both directions: a GET whose
 * answer is the recorded body (deserialized by the client's mapper), then a PUT of that model (serialized by
 * it). The client's HttpClient is a function in this process: nothing is sent anywhere.
 */
function dnsResolverClient(kind: 'dnsResolver' | 'inboundEndpoint'): RoundTrip {
  return async (record) => {
    let sent: unknown;
    const httpClient: HttpClient = {
      async sendRequest(req: PipelineRequest) {
        if (req.method === 'PUT') sent = JSON.parse(String(req.body));
        const answer = { ...(record.body as object), id: record.id, properties: { ...(record.body as any).properties, provisioningState: 'Succeeded' } };
        return { request: req, status: 200, headers: createHttpHeaders({ 'content-type': 'application/json' }), bodyAsText: JSON.stringify(answer) };
      },
    };
    const credential = { getToken: async () => ({ token: 'local', expiresOnTimestamp: Date.now() + 3600_000 }) };
    const client = new DnsResolverManagementClient(credential, 'sub', { httpClient, endpoint: 'https://127.0.0.1:1', apiVersion: record.apiVersion });
    const parts = record.id.split('/');
    const group = parts[4];
    if (kind === 'dnsResolver') {
      const model = await client.dnsResolvers.get(group, parts[8]);
      await client.dnsResolvers.beginCreateOrUpdateAndWait(group, parts[8], model, { updateIntervalInMs: 1 });
    } else {
      const model = await client.inboundEndpoints.get(group, parts[8], parts[10]);
      await client.inboundEndpoints.beginCreateOrUpdateAndWait(group, parts[8], parts[10], model, { updateIntervalInMs: 1 });
    }
    return sent;
  };
}

const MODELS: Record<string, RoundTrip> = {
  'PUT Microsoft.Network/virtualNetworks/subnets': modular(networkModels, 'subnet'),
  'PUT Microsoft.Network/publicIPAddresses': modular(networkModels, 'publicIPAddress'),
  'PUT Microsoft.Network/virtualNetworkGateways': modular(networkModels, 'virtualNetworkGateway'),
  'PUT Microsoft.Network/localNetworkGateways': modular(networkModels, 'localNetworkGateway'),
  'PUT Microsoft.Network/connections': modular(networkModels, 'virtualNetworkGatewayConnection'),
  'PUT Microsoft.Network/connections/sharedkey': modular(networkModels, 'connectionSharedKey'),
  'PUT Microsoft.Network/networkSecurityGroups': modular(networkModels, 'networkSecurityGroup'),
  'PUT Microsoft.Network/networkSecurityGroups/securityRules': modular(networkModels, 'securityRule'),
  'PUT Microsoft.Network/privateEndpoints': modular(networkModels, 'privateEndpoint'),
  'PUT Microsoft.Network/privateEndpoints/privateDnsZoneGroups': modular(networkModels, 'privateDnsZoneGroup'),
  'PUT Microsoft.Network/privateDnsZones': modular(privateDnsModels, 'privateZone'),
  'PUT Microsoft.Network/privateDnsZones/virtualNetworkLinks': modular(privateDnsModels, 'virtualNetworkLink'),
  'PUT Microsoft.Network/privateDnsZones/A': modular(privateDnsModels, 'recordSet'),
  'PUT Microsoft.Network/dnsResolvers': dnsResolverClient('dnsResolver'),
  'PUT Microsoft.Network/dnsResolvers/inboundEndpoints': dnsResolverClient('inboundEndpoint'),
  'PATCH Microsoft.CognitiveServices/accounts': classic(cognitiveMappers, 'Account'),
};

function operationOf(record: ArmRequestRecord): string {
  const action = /\/sharedkey$/i.test(record.id) ? '/sharedkey' : '';
  return `${record.method} ${record.type}${action}`;
}

/** JSON equality: what the serializer leaves undefined is not sent, and an empty object carries no field. */
function wire(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value ?? null), (_key, item) =>
    item && typeof item === 'object' && !Array.isArray(item) && Object.keys(item).length === 0 ? undefined : item,
  );
}

const recorded: ArmRequestRecord[] = [];

beforeAll(async () => {
  const spy = jest.spyOn(Recorder.prototype, 'armRequest').mockImplementation(function (this: Recorder, record: ArmRequestRecord) {
    // A POST list action (listDnsResolvers) and a gateway's getBgpPeerStatus send no body: reads, with no model to go through.
    if (!(record.method === 'POST' && /\/(list[A-Za-z]+|getBgpPeerStatus)$/.test(record.id))) recorded.push(record);
    this.armRequests.push(record);
  });
  const variants: ((r: any) => void)[] = [
    () => undefined,
    (r) => (r.options.tunnels = 'one'),
    (r) => (r.options.publicNetworkAccess = 'keep'),
    (r) => (r.options.publicNetworkAccess = 'disable-first'),
    (r) => (r.options.routing = 'bgp'),
  ];
  for (const variant of variants) {
    const result = await run({ request: request(variant) });
    expect(result.result.status).toBe('SUCCEEDED');
  }
  spy.mockRestore();
}, 600_000);

it('records every kind of ARM write the workflow sends, at the api-versions the product pins', () => {
  const operations = new Set(recorded.map(operationOf));
  // The connection's sharedkey PUT is sent only to repair a key mismatch, and an A record only into an adopted
  // zone that lacks an adopted endpoint's record: never in these runs on an empty VNet.
  const notInTheseRuns = (op: string) => op.endsWith('/sharedkey') || op.endsWith('privateDnsZones/A');
  expect([...operations].sort()).toEqual(Object.keys(MODELS).filter((op) => !notInTheseRuns(op)).sort());
  const pinned = new Set<string>(Object.values(API_VERSIONS));
  for (const record of recorded) expect({ op: operationOf(record), apiVersion: record.apiVersion, pinned: pinned.has(record.apiVersion) }).toMatchObject({ pinned: true });
});

it('every recorded body round-trips through the official model of its type unchanged', async () => {
  const differences: unknown[] = [];
  for (const record of recorded) {
    let back: unknown;
    try {
      back = wire(await MODELS[operationOf(record)](record));
    } catch (error) {
      back = `the model refused it: ${(error as Error).message}`;
    }
    if (!isDeepStrictEqual(back, wire(record.body))) differences.push({ op: operationOf(record), id: record.id, sent: wire(record.body), back });
  }
  expect(differences).toEqual([]);
});

it('a misspelt property does not survive the model (the check can fail)', async () => {
  const subnet = recorded.find((r) => operationOf(r) === 'PUT Microsoft.Network/virtualNetworks/subnets')!;
  const broken = { ...subnet, body: { properties: { ...(subnet.body as any).properties, adressPrefix: '10.0.0.0/24' } } };
  expect(wire(await MODELS[operationOf(broken)](broken))).not.toEqual(wire(broken.body));
  const account = recorded.find((r) => operationOf(r) === 'PATCH Microsoft.CognitiveServices/accounts')!;
  const misspelt = { ...account, body: { properties: { ...(account.body as any).properties, publicNetworkAcess: 'Disabled' } } };
  expect(wire(await MODELS[operationOf(misspelt)](misspelt))).not.toEqual(wire(misspelt.body));
});

it("BGP routing's bodies are among them: the active-active gateway, the LNGs' BGP peers, the connections' custom BGP addresses", () => {
  const bodies = (op: string) => recorded.filter((r) => operationOf(r) === op).map((r) => (r.body as any).properties);
  expect(bodies('PUT Microsoft.Network/virtualNetworkGateways')).toContainEqual(
    expect.objectContaining({ activeActive: true, enableBgp: true, bgpSettings: expect.objectContaining({ asn: 65000 }) }),
  );
  expect(bodies('PUT Microsoft.Network/localNetworkGateways')).toContainEqual(expect.objectContaining({ bgpSettings: { asn: 64512, bgpPeeringAddress: '169.254.22.5' } }));
  expect(bodies('PUT Microsoft.Network/connections')).toContainEqual(
    expect.objectContaining({ enableBgp: true, gatewayCustomBgpIpAddresses: [expect.objectContaining({ customBgpIpAddress: '169.254.22.2' }), expect.objectContaining({ customBgpIpAddress: '169.254.22.6' })] }),
  );
});
