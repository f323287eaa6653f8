/**
 * The world file's version 2 fields (contract: local-cloud.md): a hub another team built loads as the emulated
 * clouds would hold it had that team built it through ARM and EC2, and reads back through the real SDK clients
 * as the real APIs show it. A world without them loads exactly as before. And EC2's one-VGW-per-VPC rule.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  AttachVpnGatewayCommand,
  CreateVpnGatewayCommand,
  DescribeVpnGatewaysCommand,
  DetachVpnGatewayCommand,
} from '@aws-sdk/client-ec2';
import { readWorld, stateFromWorld, type World } from '../../local/cloud/world';
import { errorOf, startHarness, type Harness } from '../local-aws/helpers';
import { getById, NETWORK_API, startTestAzure, type TestAzure } from '../local-azure/support';

const WORLDS = path.join(__dirname, '..', 'fixtures', 'worlds');
const FOREIGN_HUB = path.join(WORLDS, 'foreign-hub.json');

const SUB = '11111111-2222-3333-4444-555555555555';
const VNET = `/subscriptions/${SUB}/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/vnet-hub`;
const HUB_RG = `/subscriptions/${SUB}/resourceGroups/rg-hub-network/providers/Microsoft.Network`;
const GATEWAY = `${HUB_RG}/virtualNetworkGateways/vpngw-platform`;
const GATEWAY_PIP = `${HUB_RG}/publicIPAddresses/vpngw-platform-pip1`;
const RESOLVER = `${HUB_RG}/dnsResolvers/dnspr-platform`;
const INBOUND = `${RESOLVER}/inboundEndpoints/in-platform`;
const NSG_PE = `/subscriptions/${SUB}/resourceGroups/rg-network/providers/Microsoft.Network/networkSecurityGroups/nsg-pe`;
const NSG_DNS = `/subscriptions/${SUB}/resourceGroups/rg-network/providers/Microsoft.Network/networkSecurityGroups/nsg-dns`;
const ZONE = '/subscriptions/22222222-3333-4444-5555-666666666666/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/privatelink.openai.azure.com';
const DNS_API = '2024-06-01';
const RESOLVER_API = '2022-07-01';
const VPC_1 = 'vpc-0a1b2c3d4e5f60001';
const VPC_2 = 'vpc-0a1b2c3d4e5f60002';
const PLATFORM_VGW = 'vgw-0a1b2c3d4e5f60009';

function foreignHub(edit: (world: World) => void = () => undefined): World {
  const world = readWorld(FOREIGN_HUB);
  edit(world);
  return world;
}

describe('a world without version 2 fields', () => {
  test('gives exactly the state it gave before the version 2 loader', () => {
    const before = JSON.parse(readFileSync(path.join(WORLDS, 'default-world.state-v1.json'), 'utf8'));
    expect(JSON.parse(JSON.stringify(stateFromWorld(readWorld())))).toEqual(before);
  });
});

describe('the foreign hub world, read through ARM', () => {
  let env: TestAzure;
  beforeAll(async () => {
    env = await startTestAzure('', 1, foreignHub());
  });
  afterAll(() => env.close());

  test('the gateway: route-based VpnGw1AZ on the GatewaySubnet, with its public IP, Succeeded and nobody managing it for us', async () => {
    const gateway = await getById(env, GATEWAY, NETWORK_API);
    expect(gateway).toMatchObject({
      id: GATEWAY,
      type: 'Microsoft.Network/virtualNetworkGateways',
      location: 'japaneast',
      tags: { owner: 'platform-team' },
      properties: {
        provisioningState: 'Succeeded',
        gatewayType: 'Vpn',
        vpnType: 'RouteBased',
        sku: { name: 'VpnGw1AZ', tier: 'VpnGw1AZ' },
        activeActive: false,
        enableBgp: false,
        bgpSettings: { asn: 65515 },
      },
    });
    expect(gateway.tags['managed-by']).toBeUndefined();
    expect(gateway.properties.resourceGuid).toMatch(/^[0-9a-f-]{36}$/);
    const [ipConfiguration, ...more] = gateway.properties.ipConfigurations;
    expect(more).toEqual([]);
    expect(ipConfiguration).toMatchObject({
      id: `${GATEWAY}/ipConfigurations/default`,
      properties: { subnet: { id: `${VNET}/subnets/GatewaySubnet` }, publicIPAddress: { id: GATEWAY_PIP } },
    });

    // Discovery finds it as it finds any gateway: the GatewaySubnet names its IP configuration.
    const gatewaySubnet = await getById(env, `${VNET}/subnets/GatewaySubnet`, NETWORK_API);
    expect(gatewaySubnet.properties.ipConfigurations).toEqual([{ id: `${GATEWAY}/ipConfigurations/default` }]);

    const pip = await getById(env, GATEWAY_PIP, NETWORK_API);
    expect(pip).toMatchObject({
      location: 'japaneast',
      sku: { name: 'Standard', tier: 'Regional' },
      zones: ['1', '2', '3'],
      properties: {
        provisioningState: 'Succeeded',
        publicIPAllocationMethod: 'Static',
        ipAddress: '20.48.100.17',
        ipConfiguration: { id: `${GATEWAY}/ipConfigurations/default` },
      },
    });
  });

  test('the resolver in vnet-hub and its inbound endpoint at 192.168.2.4 on snet-dns-in', async () => {
    const resolver = await getById(env, RESOLVER, RESOLVER_API);
    expect(resolver).toMatchObject({
      tags: { owner: 'platform-team' },
      properties: { provisioningState: 'Succeeded', dnsResolverState: 'Connected', virtualNetwork: { id: VNET } },
    });
    const inbound = await getById(env, INBOUND, RESOLVER_API);
    expect(inbound.properties).toMatchObject({
      provisioningState: 'Succeeded',
      ipConfigurations: [{ subnet: { id: `${VNET}/subnets/snet-dns-in` }, privateIpAddress: '192.168.2.4' }],
    });
    const byVnet = await env.send('POST', `${VNET}/listDnsResolvers`, RESOLVER_API);
    expect(byVnet.json.value).toEqual([{ id: RESOLVER }]);
    // The address is taken: the subnet's next allocation is past it.
    expect(env.ctx.state.azure.allocations[`subnet:${VNET.toLowerCase()}/subnets/snet-dns-in`]).toBe(1);
  });

  test('the central zone in the other subscription, linked to vnet-hub', async () => {
    const zone = await getById(env, ZONE, DNS_API);
    expect(zone).toMatchObject({
      location: 'global',
      tags: { owner: 'platform-team' },
      properties: { provisioningState: 'Succeeded', numberOfVirtualNetworkLinks: 1, numberOfRecordSets: 1 },
    });
    const link = await getById(env, `${ZONE}/virtualNetworkLinks/link-vnet-hub`, DNS_API);
    expect(link).toMatchObject({
      location: 'global',
      properties: { provisioningState: 'Succeeded', virtualNetwork: { id: VNET }, registrationEnabled: false, virtualNetworkLinkState: 'Completed' },
    });
  });

  test("the subnets' NSGs (foreign, empty, created for them), delegation and endpoint policies", async () => {
    const pe = await getById(env, `${VNET}/subnets/snet-pe`, NETWORK_API);
    expect(pe.properties).toMatchObject({
      provisioningState: 'Succeeded',
      addressPrefix: '192.168.1.0/27',
      privateEndpointNetworkPolicies: 'Enabled',
      networkSecurityGroup: { id: NSG_PE },
    });
    const dns = await getById(env, `${VNET}/subnets/snet-dns-in`, NETWORK_API);
    expect(dns.properties).toMatchObject({ networkSecurityGroup: { id: NSG_DNS }, delegations: [{ properties: { serviceName: 'Microsoft.Network/dnsResolvers' } }] });
    for (const id of [NSG_PE, NSG_DNS]) {
      const nsg = await getById(env, id, NETWORK_API);
      expect(nsg).toMatchObject({ location: 'japaneast', properties: { provisioningState: 'Succeeded', securityRules: [] } });
      expect(nsg.properties.defaultSecurityRules.map((r: { name: string }) => r.name)).toContain('DenyAllInBound');
      expect(nsg.tags?.['managed-by']).toBeUndefined();
    }
    // The VNet lists every subnet, the world's version 1 ones too.
    const vnet = await getById(env, VNET, NETWORK_API);
    expect(vnet.properties.subnets.map((s: { name: string }) => s.name).sort()).toEqual(['GatewaySubnet', 'apps', 'snet-dns-in', 'snet-pe']);
  });

  test('every version 2 resource is marked as existing before the run, with no operation of its own', () => {
    const seeded = Object.values(env.ctx.state.azure.resources).filter((r) => /rg-hub-network|rg-dns|networkSecurityGroups|snet-/i.test(r.id));
    expect(seeded.length).toBe(10);
    for (const resource of seeded) {
      expect(resource.preExisting).toBe(true);
      expect(resource.operation).toBeUndefined();
    }
  });
});

describe('addresses the world holds are never handed out again', () => {
  test('a gateway public IP inside the emulator pool moves the pool past it', async () => {
    const env = await startTestAzure(
      '',
      1,
      foreignHub((w) => {
        w.azure.virtualNetworkGateways![0].publicIpAddresses = ['20.194.0.5'];
      }),
    );
    try {
      const pip = `/subscriptions/${SUB}/resourceGroups/rg-network/providers/Microsoft.Network/publicIPAddresses/pip-new`;
      const created = await env.send('PUT', pip, NETWORK_API, {
        location: 'japaneast',
        sku: { name: 'Standard', tier: 'Regional' },
        properties: { publicIPAllocationMethod: 'Static' },
      });
      expect(created.status).toBe(201);
      expect(created.json.properties.ipAddress).toBe('20.194.0.6');
    } finally {
      await env.close();
    }
  });
});

describe('A records and worlds ARM would refuse', () => {
  test('an A record set in the central zone reads back as the record set API shows it', async () => {
    const env = await startTestAzure(
      '',
      1,
      foreignHub((w) => {
        w.azure.privateDnsZones![0].aRecords = { 'aoai-prod': ['192.168.1.4'] };
      }),
    );
    try {
      const record = await getById(env, `${ZONE}/A/aoai-prod`, DNS_API);
      expect(record).toMatchObject({
        type: 'Microsoft.Network/privateDnsZones/A',
        name: 'aoai-prod',
        properties: { fqdn: 'aoai-prod.privatelink.openai.azure.com.', aRecords: [{ ipv4Address: '192.168.1.4' }] },
      });
      expect((await getById(env, ZONE, DNS_API)).properties.numberOfRecordSets).toBe(2);
    } finally {
      await env.close();
    }
  });

  test('an inbound endpoint outside its subnet, or in an undelegated one, is refused as ARM refuses it', () => {
    expect(() =>
      stateFromWorld(
        foreignHub((w) => {
          w.azure.dnsResolvers![0].inboundEndpoints![0].privateIpAddress = '192.168.3.4';
        }),
      ),
    ).toThrow(/not inside subnet/);
    expect(() =>
      stateFromWorld(
        foreignHub((w) => {
          delete w.azure.virtualNetworks[0].subnets!.find((s) => s.name === 'snet-dns-in')!.delegations;
          w.azure.virtualNetworks[0].subnets!.find((s) => s.name === 'snet-dns-in')!.privateEndpointNetworkPolicies = 'Disabled';
        }),
      ),
    ).toThrow(/must be delegated/);
  });
});

describe('EC2: virtual private gateways from the world, one per VPC', () => {
  let h: Harness;
  beforeEach(async () => {
    const state = stateFromWorld(
      foreignHub((w) => {
        w.aws.vpnGateways = [
          { VpnGatewayId: PLATFORM_VGW, AmazonSideAsn: 64620, VpcAttachments: [{ VpcId: VPC_2, State: 'attached' }], Tags: [{ Key: 'owner', Value: 'platform-team' }] },
        ];
      }),
    );
    h = await startHarness({ state });
  });
  afterEach(() => h.close());

  test('the world VGW reads back attached to VPC 2, found by the attachment filters', async () => {
    const found = await h.ec2.send(
      new DescribeVpnGatewaysCommand({ Filters: [{ Name: 'attachment.vpc-id', Values: [VPC_2] }, { Name: 'attachment.state', Values: ['attached'] }] }),
    );
    expect(found.VpnGateways).toEqual([
      {
        VpnGatewayId: PLATFORM_VGW,
        State: 'available',
        Type: 'ipsec.1',
        AmazonSideAsn: 64620,
        VpcAttachments: [{ VpcId: VPC_2, State: 'attached' }],
        Tags: [{ Key: 'owner', Value: 'platform-team' }],
      },
    ]);
    const none = await h.ec2.send(new DescribeVpnGatewaysCommand({ Filters: [{ Name: 'attachment.vpc-id', Values: [VPC_1] }] }));
    expect(none.VpnGateways).toEqual([]);
  });

  test('a second VGW on VPC 2 is refused (InvalidVpcState), the attached one elsewhere too; after a detach it attaches', async () => {
    const ours = (await h.ec2.send(new CreateVpnGatewayCommand({ Type: 'ipsec.1' }))).VpnGateway!.VpnGatewayId!;
    await h.clock.sleep(30);
    const refused = await errorOf(h.ec2.send(new AttachVpnGatewayCommand({ VpnGatewayId: ours, VpcId: VPC_2 })));
    expect(refused.name).toBe('InvalidVpcState');
    expect(refused.$metadata?.httpStatusCode).toBe(400);
    const elsewhere = await errorOf(h.ec2.send(new AttachVpnGatewayCommand({ VpnGatewayId: PLATFORM_VGW, VpcId: VPC_1 })));
    expect(elsewhere.name).toBe('VpnGatewayAttachmentLimitExceeded');

    await h.ec2.send(new DetachVpnGatewayCommand({ VpnGatewayId: PLATFORM_VGW, VpcId: VPC_2 }));
    // Still detaching: the VPC is still held.
    expect((await errorOf(h.ec2.send(new AttachVpnGatewayCommand({ VpnGatewayId: ours, VpcId: VPC_2 })))).name).toBe('InvalidVpcState');
    await h.clock.sleep(60);
    const attached = await h.ec2.send(new AttachVpnGatewayCommand({ VpnGatewayId: ours, VpcId: VPC_2 }));
    expect(attached.VpcAttachment).toEqual({ VpcId: VPC_2, State: 'attaching' });
    await h.clock.sleep(45);
    const now = await h.ec2.send(
      new DescribeVpnGatewaysCommand({ Filters: [{ Name: 'attachment.vpc-id', Values: [VPC_2] }, { Name: 'attachment.state', Values: ['attached'] }] }),
    );
    expect(now.VpnGateways?.map((g) => g.VpnGatewayId)).toEqual([ours]);

    // The platform's VGW, detached from VPC 2, now attached to VPC 1: the two filters match different attachments.
    await h.ec2.send(new AttachVpnGatewayCommand({ VpnGatewayId: PLATFORM_VGW, VpcId: VPC_1 }));
    await h.clock.sleep(45);
    const both = await h.ec2.send(
      new DescribeVpnGatewaysCommand({ Filters: [{ Name: 'attachment.vpc-id', Values: [VPC_2] }, { Name: 'attachment.state', Values: ['attached'] }] }),
    );
    expect(both.VpnGateways?.map((g) => g.VpnGatewayId).sort()).toEqual([ours, PLATFORM_VGW].sort());
    expect(both.VpnGateways?.find((g) => g.VpnGatewayId === PLATFORM_VGW)?.VpcAttachments).toEqual([
      { VpcId: VPC_2, State: 'detached' },
      { VpcId: VPC_1, State: 'attached' },
    ]);
  });
});
