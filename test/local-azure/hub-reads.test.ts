/**
 * The reads hub discovery relies on, through the real Network, Private DNS and DNS Resolver clients: what lives in a
 * subnet, the resolvers of a VNet, a resolver's inbound endpoints, the zones of a subscription or group (another
 * subscription's too), a zone's links, the account's private endpoint connections and a gateway's connections.
 * Each works on a hub loaded from the world as well as on resources written through the API.
 */
import * as path from 'node:path';
import { readWorld } from '../../local/cloud/world';
import { ACCOUNT, bodies, COGNITIVE_API, createAndWait, getById, ids, NET, NETWORK_API, restError, startTestAzure, SUB, VNET, type TestAzure } from './support';
import { all, CENTRAL_ZONE, dnsResolverClient, hub, networkClient, OTHER_SUB, privateDnsClient, seedForeignHub } from './hub-support';

let env: TestAzure;
const PE = `${NET}/privateEndpoints/pe-aoai`;
const MANUAL_PE = `${NET}/privateEndpoints/pe-manual`;

beforeAll(async () => {
  env = await startTestAzure();
  seedForeignHub(env);
  // Written through the API: the endpoint subnet and two endpoints for the account (one approved, one manual).
  await createAndWait(env, ids.peSubnet, bodies.peSubnet());
  await createAndWait(env, PE, {
    location: 'japaneast',
    properties: { subnet: { id: ids.peSubnet }, privateLinkServiceConnections: [{ name: 'aoai', properties: { privateLinkServiceId: ACCOUNT, groupIds: ['account'] } }] },
  });
  await createAndWait(env, MANUAL_PE, {
    location: 'japaneast',
    properties: {
      subnet: { id: ids.peSubnet },
      manualPrivateLinkServiceConnections: [{ name: 'ask', properties: { privateLinkServiceId: ACCOUNT, groupIds: ['account'], requestMessage: 'please' } }],
    },
  });
  // Two environments' tunnels on the foreign gateway, and one local network gateway elsewhere with no connection.
  for (const [n, ip] of [[1, '52.68.1.10'], [2, '52.68.2.10']] as const) {
    await createAndWait(env, `${NET}/localNetworkGateways/lng-env${n}`, { location: 'japaneast', properties: { gatewayIpAddress: ip, localNetworkAddressSpace: { addressPrefixes: [`172.1${6 + n}.0.0/16`] } } });
    await createAndWait(env, `${NET}/connections/cn-env${n}`, {
      location: 'japaneast',
      properties: {
        connectionType: 'IPsec',
        virtualNetworkGateway1: { id: hub.gateway, properties: {} },
        localNetworkGateway2: { id: `${NET}/localNetworkGateways/lng-env${n}`, properties: {} },
        sharedKey: `key-for-env-${n}`,
      },
    });
  }
}, 120_000);
afterAll(async () => env?.close());

describe('a subnet says what lives in it', () => {
  it('the GatewaySubnet lists the world gateway\'s IP configuration, the endpoint subnet its endpoints and their NIC configurations', async () => {
    const network = networkClient(env);
    const gatewaySubnet = await network.subnets.get('rg-network', 'vnet-hub', 'GatewaySubnet');
    expect(gatewaySubnet.ipConfigurations?.map((c) => c.id)).toEqual([`${hub.gateway}/ipConfigurations/default`]);
    expect(gatewaySubnet.privateEndpoints).toBeUndefined();

    const peSubnet = await network.subnets.get('rg-network', 'vnet-hub', 'snet-pe');
    expect(peSubnet.privateEndpoints?.map((e) => e.id).sort()).toEqual([MANUAL_PE, PE].sort());
    const nicConfigs = (peSubnet.ipConfigurations ?? []).map((c) => c.id!);
    expect(nicConfigs).toHaveLength(2);
    for (const id of nicConfigs) expect(id).toMatch(/\/providers\/Microsoft\.Network\/networkInterfaces\/pe-(aoai|manual)\.nic\.[0-9a-f]+\/ipConfigurations\/privateEndpointIpConfig$/);

    // The resolver's subnet holds no gateway or endpoint: ARM leaves both lists out.
    const dnsSubnet = await network.subnets.get('rg-network', 'vnet-hub', 'snet-dns-in');
    expect(dnsSubnet.ipConfigurations).toBeUndefined();
    expect(dnsSubnet.privateEndpoints).toBeUndefined();
  });

  it('the VNet GET shows the same in its embedded subnets', async () => {
    const vnet = await networkClient(env).virtualNetworks.get('rg-network', 'vnet-hub');
    const byName: Record<string, any> = Object.fromEntries((vnet.subnets ?? []).map((s) => [s.name, s]));
    expect(byName.GatewaySubnet?.ipConfigurations?.map((c: { id: string }) => c.id)).toEqual([`${hub.gateway}/ipConfigurations/default`]);
    expect(byName['snet-pe']?.privateEndpoints?.map((e: { id: string }) => e.id).sort()).toEqual([MANUAL_PE, PE].sort());
  });

  it('a gateway built through the API shows in its GatewaySubnet the same way', async () => {
    const own = await startTestAzure();
    try {
      await createAndWait(own, ids.gatewaySubnet, bodies.gatewaySubnet);
      await own.send('PUT', ids.pip, NETWORK_API, bodies.pip);
      await own.clock.sleep(15);
      expect((await getById(own, ids.gatewaySubnet, NETWORK_API)).properties.ipConfigurations).toBeUndefined();
      await createAndWait(own, ids.gateway, bodies.gateway);
      const subnet = await getById(own, ids.gatewaySubnet, NETWORK_API);
      expect(subnet.properties.ipConfigurations).toEqual([{ id: `${ids.gateway}/ipConfigurations/default` }]);
    } finally {
      await own.close();
    }
  }, 60_000);
});

describe('the DNS private resolver of a VNet', () => {
  it('POST listDnsResolvers on the VNet answers the resolver ids; the resolver lists its inbound endpoints', async () => {
    const resolvers = dnsResolverClient(env);
    const found = await all(resolvers.dnsResolvers.listByVirtualNetwork('rg-network', 'vnet-hub'));
    expect(found).toEqual([{ id: hub.resolver }]);
    const endpoints = await all(resolvers.inboundEndpoints.list('rg-hub-network', 'dnspr-platform'));
    expect(endpoints.map((e) => [e.id, e.ipConfigurations[0].privateIpAddress, e.ipConfigurations[0].subnet?.id])).toEqual([[hub.inbound, '192.168.2.4', hub.dnsSubnet]]);
  });

  it('a VNet without a resolver answers an empty list; listDnsResolvers speaks only the DNS resolver provider\'s api-versions', async () => {
    const other = `${NET}/virtualNetworks/vnet-spoke`;
    env.ctx.state.azure.resources[other.toLowerCase()] = { id: other, type: 'Microsoft.Network/virtualNetworks', name: 'vnet-spoke', apiVersion: NETWORK_API, preExisting: true, body: { location: 'japaneast', properties: { addressSpace: { addressPrefixes: ['10.9.0.0/16'] } } } };
    expect(await all(dnsResolverClient(env).dnsResolvers.listByVirtualNetwork('rg-network', 'vnet-spoke'))).toEqual([]);
    // 2024-07-01 is a Microsoft.Network version, not a DNS resolver one.
    const wrongVersion = await env.send('POST', `${VNET}/listDnsResolvers`, '2024-07-01');
    expect([wrongVersion.status, wrongVersion.json.error.code]).toEqual([400, 'NoRegisteredProviderFound']);
  });
});

describe('private DNS zones, wherever they live', () => {
  it('lists the zones of another subscription by subscription and by resource group, and a zone\'s links', async () => {
    const dns = privateDnsClient(env, OTHER_SUB);
    expect((await all(dns.privateZones.list())).map((z) => z.id)).toEqual([CENTRAL_ZONE]);
    expect((await all(dns.privateZones.listByResourceGroup('rg-dns'))).map((z) => z.id)).toEqual([CENTRAL_ZONE]);
    const links = await all(dns.virtualNetworkLinks.list('rg-dns', 'privatelink.openai.azure.com'));
    expect(links.map((l) => [l.id, l.virtualNetwork?.id, l.virtualNetworkLinkState])).toEqual([[hub.link, VNET, 'Completed']]);
  });

  it('the product\'s own subscription lists none of them; a subscription the store does not hold is not found', async () => {
    expect(await all(privateDnsClient(env, SUB).privateZones.list())).toEqual([]);
    const unknown = await restError(all(privateDnsClient(env, '99999999-0000-0000-0000-000000000000').privateZones.list()));
    expect([unknown.statusCode, unknown.code]).toEqual([404, 'SubscriptionNotFound']);
    const noGroup = await restError(all(privateDnsClient(env, OTHER_SUB).privateZones.listByResourceGroup('rg-none')));
    expect([noGroup.statusCode, noGroup.code]).toEqual([404, 'ResourceGroupNotFound']);
  });

  it('a list the spec does not define is refused (virtual network gateways by subscription)', async () => {
    const answer = await env.send('GET', `/subscriptions/${SUB}/providers/Microsoft.Network/virtualNetworkGateways`, NETWORK_API);
    expect([answer.status, answer.json.error.code]).toEqual([400, 'InvalidResourceType']);
  });
});

describe('the account\'s private endpoint connections', () => {
  it('one per endpoint that names the account, with the state of the endpoint\'s connection', async () => {
    const account = await getById(env, ACCOUNT, COGNITIVE_API);
    const connections = account.properties.privateEndpointConnections.map((c: any) => [c.properties.privateEndpoint.id, c.properties.privateLinkServiceConnectionState.status]);
    expect(connections.sort()).toEqual([[MANUAL_PE, 'Pending'], [PE, 'Approved']].sort());
    // PrivateEndpointConnections_List answers the same connections.
    const listed = await env.send('GET', `${ACCOUNT}/privateEndpointConnections`, COGNITIVE_API);
    expect(listed.json.value).toEqual(account.properties.privateEndpointConnections);
  });
});

describe('a zone\'s record sets', () => {
  it('RecordSets_List answers the SOA record set and every A record set, however it was written', async () => {
    const dns = privateDnsClient(env, OTHER_SUB);
    await dns.recordSets.createOrUpdate('rg-dns', 'privatelink.openai.azure.com', 'A', 'aoai-prod', { ttl: 10, aRecords: [{ ipv4Address: '192.168.1.4' }] });
    const sets = await all(dns.recordSets.list('rg-dns', 'privatelink.openai.azure.com'));
    expect(sets.map((r) => [r.type, r.name])).toEqual([['Microsoft.Network/privateDnsZones/SOA', '@'], ['Microsoft.Network/privateDnsZones/A', 'aoai-prod']]);
    expect((await all(dns.recordSets.listByType('rg-dns', 'privatelink.openai.azure.com', 'A'))).map((r) => r.aRecords)).toEqual([[{ ipv4Address: '192.168.1.4' }]]);
    await dns.recordSets.delete('rg-dns', 'privatelink.openai.azure.com', 'A', 'aoai-prod');
  });
});

describe('a gateway\'s connections', () => {
  it('VirtualNetworkGateways_ListConnections answers each connection naming the gateway, with both ends', async () => {
    const listed = await all(networkClient(env).virtualNetworkGateways.listConnections('rg-hub-network', 'vpngw-platform'));
    expect(listed.map((c) => [c.name, c.virtualNetworkGateway1.id, c.localNetworkGateway2?.id])).toEqual([
      ['cn-env1', hub.gateway, `${NET}/localNetworkGateways/lng-env1`],
      ['cn-env2', hub.gateway, `${NET}/localNetworkGateways/lng-env2`],
    ]);
    // Keys stay behind their own endpoint.
    expect(JSON.stringify(listed)).not.toContain('key-for-env');
  });

  it('connections and local network gateways are listed by resource group; the address spaces show another environment\'s VPC', async () => {
    const network = networkClient(env);
    expect((await all(network.virtualNetworkGatewayConnections.list('rg-network'))).map((c) => c.name)).toEqual(['cn-env1', 'cn-env2']);
    expect(await all(network.virtualNetworkGatewayConnections.list('rg-hub-network'))).toEqual([]);
    const lngs = await all(network.localNetworkGateways.list('rg-network'));
    expect(lngs.map((l) => l.localNetworkAddressSpace?.addressPrefixes)).toEqual([['172.17.0.0/16'], ['172.18.0.0/16']]);
  });
});


describe('the foreign-hub world, as the world loader leaves it', () => {
  it('answers the same reads: the gateway in its GatewaySubnet, the resolver of the VNet, the central zone and its link', async () => {
    const world = readWorld(path.join(__dirname, '..', 'fixtures', 'worlds', 'foreign-hub.json'));
    const loaded = await startTestAzure('', 1, world);
    try {
      const gatewaySubnet = await networkClient(loaded).subnets.get('rg-network', 'vnet-hub', 'GatewaySubnet');
      expect(gatewaySubnet.ipConfigurations?.map((c) => c.id)).toEqual([expect.stringMatching(/\/virtualNetworkGateways\/vpngw-platform\/ipConfigurations\/[^/]+$/)]);
      expect(await all(dnsResolverClient(loaded).dnsResolvers.listByVirtualNetwork('rg-network', 'vnet-hub'))).toEqual([{ id: hub.resolver }]);
      const zones = await all(privateDnsClient(loaded, OTHER_SUB).privateZones.list());
      expect(zones.map((z) => z.id)).toEqual([CENTRAL_ZONE]);
      const links = await all(privateDnsClient(loaded, OTHER_SUB).virtualNetworkLinks.list('rg-dns', 'privatelink.openai.azure.com'));
      expect(links.map((l) => l.virtualNetwork?.id)).toEqual([VNET]);
      const nsg = (await networkClient(loaded).subnets.get('rg-network', 'vnet-hub', 'snet-pe')).networkSecurityGroup?.id;
      expect(nsg).toBe(`${NET}/networkSecurityGroups/nsg-pe`);
    } finally {
      await loaded.close();
    }
  });
});
