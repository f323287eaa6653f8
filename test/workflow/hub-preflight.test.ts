/**
 * The first step sees the hub: what the VNet already holds is discovered (create, use or adopt, per hub
 * resource), said in a plan, and what the product cannot work with is refused, every problem at once, each at
 * its field path, with nothing written to either cloud. Real validator, real SDK clients, emulated clouds; the
 * hubs are built as their owners would: a world file (another team's) or ARM PUTs (an earlier environment's).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { API_VERSIONS } from '../../functions/commons/arm';
import { greenfieldHub, hubResourceNames, hubTags } from '../../functions/commons/hub';
import { resourceNames, standardTags } from '../../functions/commons/naming';
import type { EnvironmentRequest } from '../../functions/commons/request/contract';
import { validateRequestDocument } from '../../functions/commons/request/schema';
import { validateEnvironmentRequest, type CheckedRequest } from '../../functions/validate-request/validate';
import { readWorld, type World } from '../../local/cloud/world';
import { DEFAULT_REQUEST, ROOT } from './support';
import { pathsOf, problemsOf, startValidatorClouds, type ValidatorClouds } from './validate-support';

const WORLDS = path.join(ROOT, 'test', 'fixtures', 'worlds');
const FOREIGN_HUB = path.join(WORLDS, 'foreign-hub.json');
const SUB = '/subscriptions/11111111-2222-3333-4444-555555555555';
const VNET = `${SUB}/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/vnet-hub`;
const CENTRAL_ZONE = '/subscriptions/22222222-3333-4444-5555-666666666666/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/privatelink.openai.azure.com';
const PLATFORM = `${SUB}/resourceGroups/rg-hub-network/providers/Microsoft.Network`;

/** A spoke request of the foreign hub, as its owner wrote it, changed by `patch`. */
function spoke(n: 1 | 2, patch: (r: any) => void = () => undefined): any {
  const document = JSON.parse(readFileSync(path.join(WORLDS, `foreign-hub-spoke-${n}.json`), 'utf8'));
  patch(document);
  return document;
}
const copy = (document: unknown): any => JSON.parse(JSON.stringify(document));
function normalised(document: unknown): EnvironmentRequest {
  const result = validateRequestDocument(document);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.request;
}
function foreignHub(change: (world: any) => void = () => undefined): World {
  const world = readWorld(FOREIGN_HUB);
  change(world);
  return world;
}

let clouds: ValidatorClouds;
beforeAll(async () => {
  clouds = await startValidatorClouds(readWorld(FOREIGN_HUB));
});
afterAll(async () => clouds?.close());
// The emulated Entra's tokens last a simulated hour: after a test that let the gateway build, start afresh.
beforeEach(async () => {
  if (clouds.ctx.clock.now() < 1200) return;
  await clouds.close();
  clouds = await startValidatorClouds(readWorld(FOREIGN_HUB));
});

/** Runs the validator on `world`; answers its result (or refusal) and the writes either cloud saw during it. */
async function check(world: World, document: unknown): Promise<{ result?: CheckedRequest; error?: unknown; writes: string[] }> {
  clouds.reset(world);
  const mark = clouds.mark();
  try {
    const result = await validateEnvironmentRequest(document, clouds.clients, clouds.context);
    return { result, writes: clouds.writesSince(mark) };
  } catch (error) {
    return { error, writes: clouds.writesSince(mark) };
  }
}
async function refused(world: World, document: unknown): Promise<{ paths: string[]; problems: { path: string; message: string }[] }> {
  const { error, writes } = await check(world, document);
  expect(writes).toEqual([]);
  return { paths: pathsOf(error), problems: problemsOf(error) };
}

describe('discovery', () => {
  test('the foreign hub is adopted piece by piece, the plan says so, and nothing is written', async () => {
    const { result, writes, error } = await check(foreignHub(), spoke(1));
    expect(error).toBeUndefined();
    const hub = result!.facts.hub;
    const ours = hubResourceNames(normalised(spoke(1)));
    expect(hub).toEqual({
      gatewaySubnet: { id: `${VNET}/subnets/GatewaySubnet`, action: 'adopt', ready: true },
      vpnGateway: {
        id: `${PLATFORM}/virtualNetworkGateways/vpngw-platform`,
        action: 'adopt',
        ready: true,
        ipConfigurationId: expect.stringMatching(/^\/subscriptions\/.+\/virtualNetworkGateways\/vpngw-platform\/ipConfigurations\/[^/]+$/),
      },
      publicIp: { id: expect.stringMatching(/^\/subscriptions\/.+\/resourceGroups\/rg-hub-network\/providers\/Microsoft\.Network\/publicIPAddresses\//), action: 'adopt', ready: true },
      // The request's 192.168.1.0/27 is the existing snet-pe: the endpoint is built there, with the platform's NSG.
      privateEndpointSubnet: { id: `${VNET}/subnets/snet-pe`, action: 'adopt', ready: true },
      privateEndpointNsg: { id: `${SUB}/resourceGroups/rg-network/providers/Microsoft.Network/networkSecurityGroups/nsg-pe`, action: 'adopt', ready: true },
      privateEndpoint: { id: ours.privateEndpoint.id, action: 'create', ready: false },
      privateDnsZoneGroup: { id: ours.privateDnsZoneGroup.id, action: 'create', ready: false },
      privateDnsZone: { id: CENTRAL_ZONE, action: 'adopt', ready: true },
      virtualNetworkLink: { id: expect.stringMatching(new RegExp(`^${CENTRAL_ZONE}/virtualNetworkLinks/`)), action: 'adopt', ready: true },
      dnsResolverSubnet: { id: `${VNET}/subnets/snet-dns-in`, action: 'adopt', ready: true },
      dnsInboundNsg: { id: `${SUB}/resourceGroups/rg-network/providers/Microsoft.Network/networkSecurityGroups/nsg-dns`, action: 'adopt', ready: true },
      dnsResolver: { id: `${PLATFORM}/dnsResolvers/dnspr-platform`, action: 'adopt', ready: true },
      inboundEndpoint: { id: `${PLATFORM}/dnsResolvers/dnspr-platform/inboundEndpoints/in-platform`, action: 'adopt', ready: true },
    });
    expect(result!.hubPlan).toHaveLength(13);
    expect(result!.hubPlan.filter((line) => line.startsWith('adopt '))).toHaveLength(11);
    expect(result!.hubPlan).toContainEqual(expect.stringMatching(/^adopt VPN gateway vpngw-platform .*vpngw-platform$/));
    expect(result!.hubPlan).toContainEqual(expect.stringMatching(/^create private endpoint pe-vnet-hub-aoai-prod /));
    expect(writes).toEqual([]);
  });

  test('an empty VNet gives the greenfield hub: everything to build, with the hub’s names', async () => {
    const { result, writes } = await check(readWorld(), DEFAULT_REQUEST);
    expect(result!.facts.hub).toEqual(greenfieldHub(normalised(DEFAULT_REQUEST)));
    expect(result!.hubPlan.every((line) => line.startsWith('create '))).toBe(true);
    expect(writes).toEqual([]);
  });

  test('a second environment on a hub the product built for the first uses every piece, ready', async () => {
    // The default VNet (empty), beside the two VPCs of the foreign-hub world.
    const world = readWorld();
    world.aws = foreignHub().aws;
    clouds.reset(world);
    const first = normalised(DEFAULT_REQUEST);
    await buildHubAsTheProductDoes(first);
    const second = secondEnvironment();
    const mark = clouds.mark();
    const result = await validateEnvironmentRequest(second, clouds.clients, clouds.context).catch((e: unknown) => {
      throw new Error(JSON.stringify((e as Error).message));
    });
    expect(clouds.writesSince(mark)).toEqual([]);
    const names = hubResourceNames(first);
    const used = (id: string) => ({ id, action: 'use', ready: true });
    expect(result.facts.hub).toEqual({
      gatewaySubnet: used(names.gatewaySubnet.id),
      vpnGateway: { ...used(names.vpnGateway.id), ipConfigurationId: names.vpnGatewayIpConfigurationId },
      publicIp: used(names.publicIp.id),
      privateEndpointSubnet: used(names.privateEndpointSubnet.id),
      privateEndpointNsg: used(names.privateEndpointNsg.id),
      privateEndpoint: used(names.privateEndpoint.id),
      privateDnsZoneGroup: used(names.privateDnsZoneGroup.id),
      privateDnsZone: used(names.privateDnsZone.id),
      virtualNetworkLink: used(names.virtualNetworkLink.id),
      dnsResolverSubnet: used(names.dnsResolverSubnet.id),
      dnsInboundNsg: used(names.dnsInboundNsg.id),
      dnsResolver: used(names.dnsResolver.id),
      inboundEndpoint: used(names.inboundEndpoint.id),
    });
    expect(result.hubPlan.every((line) => line.startsWith('use '))).toBe(true);
  });

  test('another team’s approved private endpoint to the account in the hub is adopted, and its subnet is the one to match', async () => {
    clouds.reset(foreignHub());
    const account = normalised(spoke(1)).azure.openAiAccountId;
    const theirs = `${PLATFORM}/privateEndpoints/pe-platform-aoai`;
    const status = await clouds.armPut(theirs, API_VERSIONS.network, {
      location: 'japaneast',
      tags: { owner: 'platform-team' },
      properties: { subnet: { id: `${VNET}/subnets/snet-pe` }, privateLinkServiceConnections: [{ name: 'platform', properties: { privateLinkServiceId: account, groupIds: ['account'] } }] },
    });
    expect(status).toBeLessThan(300);
    await clouds.ctx.clock.sleep(200);
    const mark = clouds.mark();
    const { facts } = await validateEnvironmentRequest(spoke(2, (r) => delete r.azure.privateEndpointSubnetPrefix), clouds.clients, clouds.context);
    expect(clouds.writesSince(mark)).toEqual([]);
    expect(facts.hub.privateEndpoint).toEqual({ id: theirs, action: 'adopt', ready: true });
    // No zone group of ours on an endpoint we did not build.
    expect(facts.hub.privateDnsZoneGroup).toBeUndefined();
    expect(facts.hub.privateEndpointSubnet).toEqual({ id: `${VNET}/subnets/snet-pe`, action: 'adopt', ready: true });
    const error = await validateEnvironmentRequest(spoke(2, (r) => (r.azure.privateEndpointSubnetPrefix = '192.168.5.0/27')), clouds.clients, clouds.context).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(pathsOf(error)).toEqual(['azure.privateEndpointSubnetPrefix']);
    expect(problemsOf(error)[0].message).toMatch(/pe-platform-aoai .*192\.168\.1\.0\/27/);
  });
});

/** Another environment on the default request's VNet, from the second VPC. */
function secondEnvironment(): any {
  const second = copy(DEFAULT_REQUEST);
  second.environmentId = 'aoai-prod-02';
  second.aws.vpcId = 'vpc-0a1b2c3d4e5f60002';
  second.aws.routeTableIds = ['rtb-0a1b2c3d4e5f60002'];
  second.aws.resolverSubnetIds = ['subnet-0a1b2c3d4e5f60003', 'subnet-0a1b2c3d4e5f60004'];
  second.aws.probeSubnetIds = ['subnet-0a1b2c3d4e5f60003'];
  return second;
}

/**
 * The hub the workflow builds for its first environment, PUT by PUT as ARM takes it, each write given the
 * simulated time it needs. The bodies are the workflow's in substance (hub names, hub tags), not its code.
 */
async function buildHubAsTheProductDoes(request: EnvironmentRequest): Promise<void> {
  const n = hubResourceNames(request);
  const tags = hubTags(request);
  const NET = API_VERSIONS.network;
  const put = async (id: string, apiVersion: string, body: unknown, seconds: number) => {
    const status = await clouds.armPut(id, apiVersion, body);
    if (status >= 300) throw new Error(`PUT ${id} answered ${status}`);
    await clouds.ctx.clock.sleep(seconds);
  };
  const location = 'japaneast';
  await put(n.privateEndpointNsg.id, NET, { location, tags, properties: { securityRules: [] } }, 15);
  await put(n.dnsInboundNsg.id, NET, { location, tags, properties: { securityRules: [] } }, 15);
  await put(n.gatewaySubnet.id, NET, { properties: { addressPrefix: request.azure.gatewaySubnetPrefix } }, 15);
  await put(n.publicIp.id, NET, { location, tags, sku: { name: 'Standard', tier: 'Regional' }, zones: ['1', '2', '3'], properties: { publicIPAllocationMethod: 'Static', publicIPAddressVersion: 'IPv4' } }, 20);
  await put(
    n.vpnGateway.id,
    NET,
    {
      location,
      tags,
      properties: {
        gatewayType: 'Vpn',
        vpnType: 'RouteBased',
        sku: { name: request.azure.gatewaySku, tier: request.azure.gatewaySku },
        activeActive: false,
        enableBgp: false,
        ipConfigurations: [{ name: 'default', properties: { privateIPAllocationMethod: 'Dynamic', subnet: { id: n.gatewaySubnet.id }, publicIPAddress: { id: n.publicIp.id } } }],
      },
    },
    2500,
  );
  await put(
    n.privateEndpointSubnet.id,
    NET,
    { properties: { addressPrefix: request.azure.privateEndpointSubnetPrefix, networkSecurityGroup: { id: n.privateEndpointNsg.id }, privateEndpointNetworkPolicies: 'Enabled' } },
    15,
  );
  await put(
    n.dnsResolverSubnet.id,
    NET,
    {
      properties: {
        addressPrefix: request.azure.dnsResolverSubnetPrefix,
        networkSecurityGroup: { id: n.dnsInboundNsg.id },
        delegations: [{ name: 'Microsoft.Network.dnsResolvers', properties: { serviceName: 'Microsoft.Network/dnsResolvers' } }],
      },
    },
    15,
  );
  await put(n.privateDnsZone.id, API_VERSIONS.privateDns, { location: 'global', tags }, 40);
  await put(n.virtualNetworkLink.id, API_VERSIONS.privateDns, { location: 'global', tags, properties: { virtualNetwork: { id: VNET }, registrationEnabled: false } }, 40);
  await put(
    n.privateEndpoint.id,
    NET,
    {
      location,
      tags,
      properties: {
        subnet: { id: n.privateEndpointSubnet.id },
        customNetworkInterfaceName: n.privateEndpointNicName,
        privateLinkServiceConnections: [{ name: n.privateLinkServiceConnectionName, properties: { privateLinkServiceId: request.azure.openAiAccountId, groupIds: ['account'] } }],
      },
    },
    120,
  );
  await put(n.privateDnsZoneGroup.id, NET, { properties: { privateDnsZoneConfigs: [{ name: 'openai', properties: { privateDnsZoneId: n.privateDnsZone.id } }] } }, 30);
  await put(n.dnsResolver.id, API_VERSIONS.dnsResolver, { location, tags, properties: { virtualNetwork: { id: VNET } } }, 150);
  await put(
    n.inboundEndpoint.id,
    API_VERSIONS.dnsResolver,
    { location, tags, properties: { ipConfigurations: [{ subnet: { id: n.dnsResolverSubnet.id }, privateIpAllocationMethod: 'Dynamic' }] } },
    200,
  );
}

describe('what the product cannot work with is refused before anything is written', () => {
  const gatewayOf = (world: any) => world.azure.virtualNetworkGateways[0];

  test.each([
    ['a policy-based gateway', (g: any) => (g.vpnType = 'PolicyBased'), /PolicyBased, not RouteBased/],
    ['a Basic SKU gateway', (g: any) => (g.sku = 'Basic'), /Basic SKU/],
    ['an ExpressRoute gateway', (g: any) => (g.gatewayType = 'ExpressRoute'), /type ExpressRoute, not Vpn/],
  ])('%s on the hub is refused on azure.virtualNetworkName, with the fix', async (_what, change, message) => {
    const { paths, problems } = await refused(foreignHub((w) => change(gatewayOf(w))), spoke(1));
    expect(paths).toEqual(['azure.virtualNetworkName']);
    expect(problems[0].message).toMatch(message);
    expect(problems[0].message).toContain('vpngw-platform');
  });

  test('a resolver with the hub’s name serving another VNet is refused', async () => {
    const other = `${SUB}/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/vnet-other`;
    const world = readWorld() as any;
    world.azure.virtualNetworks.push({ id: other, location: 'japaneast', addressPrefixes: ['10.50.0.0/16'], subnets: [] });
    world.azure.dnsResolvers = [{ id: hubResourceNames(normalised(DEFAULT_REQUEST)).dnsResolver.id, location: 'japaneast', virtualNetworkId: other, inboundEndpoints: [] }];
    const { paths, problems } = await refused(world, DEFAULT_REQUEST);
    expect(paths).toEqual(['azure.virtualNetworkName']);
    expect(problems[0].message).toContain('vnet-other');
  });

  test('another team’s resolver without an inbound endpoint is refused: its owner must add one', async () => {
    const { paths, problems } = await refused(foreignHub((w) => (w.azure.dnsResolvers[0].inboundEndpoints = [])), spoke(1));
    expect(paths).toEqual(['azure.virtualNetworkName']);
    expect(problems[0].message).toMatch(/dnspr-platform .*no inbound endpoint/);
  });

  test('a VNet linked to another zone of the namespace than the one requested is refused on azure.privateDnsZoneId', async () => {
    const localZone = `${SUB}/resourceGroups/rg-dns-local/providers/Microsoft.Network/privateDnsZones/privatelink.openai.azure.com`;
    const world = foreignHub((w) => {
      w.azure.privateDnsZones[0].virtualNetworkLinks = [];
      w.azure.privateDnsZones.push({ id: localZone, virtualNetworkLinks: [VNET], aRecords: {}, tags: { owner: 'app-team' } });
    });
    const { paths, problems } = await refused(world, spoke(1));
    expect(paths).toEqual(['azure.privateDnsZoneId']);
    expect(problems[0].message).toContain(localZone);
    // Without the field, that linked zone is the one used.
    const { result } = await check(world, spoke(1, (r) => delete r.azure.privateDnsZoneId));
    expect(result!.facts.hub.privateDnsZone).toEqual({ id: localZone, action: 'adopt', ready: true });
  });

  test('a requested zone that does not exist, or of another name, is refused on azure.privateDnsZoneId', async () => {
    const missing = CENTRAL_ZONE.replace('rg-dns', 'rg-dns-gone');
    const { paths, problems } = await refused(foreignHub(), spoke(1, (r) => (r.azure.privateDnsZoneId = missing)));
    expect(paths).toEqual(['azure.privateDnsZoneId']);
    expect(problems[0].message).toContain('was not found');
    const misnamed = await refused(foreignHub(), spoke(1, (r) => (r.azure.privateDnsZoneId = CENTRAL_ZONE.replace('openai', 'blob.core'))));
    expect(misnamed.paths).toEqual(['azure.privateDnsZoneId']);
    expect(misnamed.problems[0].message).toContain('privatelink.openai.azure.com');
  });

  test('a prefix left out for a subnet the product must build is refused on that field', async () => {
    const document = copy(DEFAULT_REQUEST);
    delete document.azure.gatewaySubnetPrefix;
    delete document.azure.dnsResolverSubnetPrefix;
    delete document.azure.privateEndpointSubnetPrefix;
    const { paths } = await refused(readWorld(), document);
    expect(paths).toEqual(['azure.dnsResolverSubnetPrefix', 'azure.gatewaySubnetPrefix', 'azure.privateEndpointSubnetPrefix']);
  });

  test('a resolver subnet to build in that is not delegated to DNS resolvers is refused on its prefix', async () => {
    const world = readWorld() as any;
    world.azure.virtualNetworks[0].subnets.push({ name: 'snet-shared', addressPrefix: '192.168.2.0/28' });
    const { paths, problems } = await refused(world, DEFAULT_REQUEST);
    expect(paths).toEqual(['azure.dnsResolverSubnetPrefix']);
    expect(problems[0].message).toMatch(/snet-shared .*not delegated/);
    world.azure.virtualNetworks[0].subnets[1].delegations = ['Microsoft.Network/dnsResolvers'];
    const { result } = await check(world, DEFAULT_REQUEST);
    expect(result!.facts.hub.dnsResolverSubnet).toEqual({ id: `${VNET}/subnets/snet-shared`, action: 'adopt', ready: true });
  });

  test('a prefix that differs from what the hub has is refused on that field, naming what is there', async () => {
    const document = spoke(1, (r) => {
      r.azure.gatewaySubnetPrefix = '192.168.254.0/27';
      r.azure.dnsResolverSubnetPrefix = '192.168.3.0/28';
    });
    const { paths, problems } = await refused(foreignHub(), document);
    expect(paths).toEqual(['azure.dnsResolverSubnetPrefix', 'azure.gatewaySubnetPrefix']);
    expect(problems.find((p) => p.path === 'azure.gatewaySubnetPrefix')!.message).toContain('192.168.255.0/27');
    expect(problems.find((p) => p.path === 'azure.dnsResolverSubnetPrefix')!.message).toContain('192.168.2.0/28');
    // The same prefixes as what is there are accepted.
    const same = spoke(1, (r) => {
      r.azure.gatewaySubnetPrefix = '192.168.255.0/27';
      r.azure.dnsResolverSubnetPrefix = '192.168.2.0/28';
    });
    expect((await check(foreignHub(), same)).error).toBeUndefined();
  });

  test('a VPC that already has another virtual private gateway is refused on aws.vpcId', async () => {
    const world = foreignHub((w) => {
      w.aws.vpnGateways = [{ VpnGatewayId: 'vgw-0a1b2c3d4e5f60099', VpcAttachments: [{ VpcId: 'vpc-0a1b2c3d4e5f60001', State: 'attached' }], Tags: [{ Key: 'owner', Value: 'network-team' }] }];
    });
    const { paths, problems } = await refused(world, spoke(1));
    expect(paths).toEqual(['aws.vpcId']);
    expect(problems[0].message).toContain('vgw-0a1b2c3d4e5f60099');
    // The other VPC is free.
    expect((await check(world, spoke(2))).error).toBeUndefined();
  });

  test('a VPC CIDR that another environment on the same gateway already routes is refused on aws.vpcId', async () => {
    clouds.reset(foreignHub());
    const NET = API_VERSIONS.network;
    const gateway = `${PLATFORM}/virtualNetworkGateways/vpngw-platform`;
    // Another environment's tunnel: its local network gateway covers 172.17.0.0/16 (spoke one's VPC).
    const lng = `${SUB}/resourceGroups/rg-network/providers/Microsoft.Network/localNetworkGateways/lng-elsewhere`;
    expect(await clouds.armPut(lng, NET, { location: 'japaneast', tags: standardTags('elsewhere'), properties: { gatewayIpAddress: '203.0.113.50', localNetworkAddressSpace: { addressPrefixes: ['172.17.0.0/16'] } } })).toBeLessThan(300);
    await clouds.ctx.clock.sleep(40);
    const connection = `${SUB}/resourceGroups/rg-network/providers/Microsoft.Network/connections/cn-elsewhere`;
    expect(
      await clouds.armPut(connection, NET, {
        location: 'japaneast',
        tags: standardTags('elsewhere'),
        properties: { connectionType: 'IPsec', virtualNetworkGateway1: { id: gateway }, localNetworkGateway2: { id: lng }, sharedKey: 'Abcdefgh12345678', connectionProtocol: 'IKEv2' },
      }),
    ).toBeLessThan(300);
    await clouds.ctx.clock.sleep(90);
    const mark = clouds.mark();
    const error = await validateEnvironmentRequest(spoke(1), clouds.clients, clouds.context).then(() => undefined, (e: unknown) => e);
    expect(clouds.writesSince(mark)).toEqual([]);
    expect(pathsOf(error)).toEqual(['aws.vpcId']);
    expect(problemsOf(error)[0].message).toMatch(/172\.17\.0\.0\/16 .*lng-elsewhere/);
    // Spoke two's VPC (172.18.0.0/16) does not overlap it.
    await expect(validateEnvironmentRequest(spoke(2), clouds.clients, clouds.context)).resolves.toBeDefined();
    // This environment's own local network gateway is no other environment's.
    const own = resourceNames(normalised(spoke(2))).azure.tunnels[0].localNetworkGateway.id;
    expect(await clouds.armPut(own, NET, { location: 'japaneast', tags: standardTags('spoke-two'), properties: { gatewayIpAddress: '203.0.113.60', localNetworkAddressSpace: { addressPrefixes: ['172.18.0.0/16'] } } })).toBeLessThan(300);
    await clouds.ctx.clock.sleep(40);
    const ownConnection = resourceNames(normalised(spoke(2))).azure.tunnels[0].connection.id;
    expect(
      await clouds.armPut(ownConnection, NET, {
        location: 'japaneast',
        tags: standardTags('spoke-two'),
        properties: { connectionType: 'IPsec', virtualNetworkGateway1: { id: gateway }, localNetworkGateway2: { id: own }, sharedKey: 'Abcdefgh12345678', connectionProtocol: 'IKEv2' },
      }),
    ).toBeLessThan(300);
    await clouds.ctx.clock.sleep(90);
    await expect(validateEnvironmentRequest(spoke(2), clouds.clients, clouds.context)).resolves.toBeDefined();
  });

  test('every problem is reported at once, with the rest of the request’s, and nothing is written', async () => {
    const world = foreignHub((w) => {
      gatewayOf(w).vpnType = 'PolicyBased';
      w.azure.dnsResolvers[0].inboundEndpoints = [];
      w.aws.vpnGateways = [{ VpnGatewayId: 'vgw-0a1b2c3d4e5f60099', VpcAttachments: [{ VpcId: 'vpc-0a1b2c3d4e5f60001', State: 'attached' }] }];
    });
    const document = spoke(1, (r) => {
      r.azure.gatewaySubnetPrefix = '192.168.254.0/27';
      r.azure.privateDnsZoneId = CENTRAL_ZONE.replace('rg-dns', 'rg-dns-gone');
      r.azure.openAiDeployment = 'gpt-35';
    });
    const { paths } = await refused(world, document);
    expect(paths).toEqual([
      'aws.vpcId',
      'azure.gatewaySubnetPrefix',
      'azure.openAiDeployment',
      'azure.privateDnsZoneId',
      'azure.virtualNetworkName',
      'azure.virtualNetworkName',
    ]);
  });
});
