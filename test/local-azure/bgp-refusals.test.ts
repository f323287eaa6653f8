/**
 * What the emulated ARM refuses on an active-active, BGP gateway and on the local network gateways and
 * connections that peer with AWS (docs/local-mode.md, "Strict readings: BGP and active-active"), by code and
 * status, and what a gateway GET answers in bgpSettings. Raw REST through the real client's pipeline.
 */
import { createAndWait, ids, NET, NETWORK_API, startTestAzure, type TestAzure, VNET } from './support';

const GW = `${NET}/virtualNetworkGateways/vpngw-aa`;
const PIP1 = `${NET}/publicIPAddresses/pip-aa-1`;
const PIP2 = `${NET}/publicIPAddresses/pip-aa-2`;
const PIP_BASIC = `${NET}/publicIPAddresses/pip-basic`;
const LNG = `${NET}/localNetworkGateways/lng-bgp-1`;
const LNG_STATIC = `${NET}/localNetworkGateways/lng-static`;
const CONNECTION = `${NET}/connections/cn-bgp-1`;
const IPC = [`${GW}/ipConfigurations/default`, `${GW}/ipConfigurations/active-active`];

function gateway(patch: (props: Record<string, any>) => void = () => undefined) {
  const properties: Record<string, any> = {
    gatewayType: 'Vpn',
    vpnType: 'RouteBased',
    sku: { name: 'VpnGw1AZ', tier: 'VpnGw1AZ' },
    activeActive: true,
    enableBgp: true,
    ipConfigurations: [
      { name: 'default', properties: { subnet: { id: `${VNET}/subnets/GatewaySubnet` }, publicIPAddress: { id: PIP1 } } },
      { name: 'active-active', properties: { subnet: { id: `${VNET}/subnets/GatewaySubnet` }, publicIPAddress: { id: PIP2 } } },
    ],
    bgpSettings: {
      asn: 65000,
      bgpPeeringAddresses: [
        { ipconfigurationId: IPC[0], customBgpIpAddresses: ['169.254.21.2', '169.254.22.2'] },
        { ipconfigurationId: IPC[1], customBgpIpAddresses: ['169.254.21.6', '169.254.22.6'] },
      ],
    },
  };
  patch(properties);
  return { location: 'japaneast', properties };
}

const lng = (patch: (props: Record<string, any>) => void = () => undefined) => {
  const properties: Record<string, any> = { gatewayIpAddress: '3.112.10.1', localNetworkAddressSpace: { addressPrefixes: [] }, bgpSettings: { asn: 64512, bgpPeeringAddress: '169.254.21.1' } };
  patch(properties);
  return { location: 'japaneast', properties };
};

const connection = (patch: (props: Record<string, any>) => void = () => undefined) => {
  const properties: Record<string, any> = {
    connectionType: 'IPsec',
    virtualNetworkGateway1: { id: GW },
    localNetworkGateway2: { id: LNG },
    sharedKey: 'Bgp1.key_abcdefgh',
    enableBgp: true,
    gatewayCustomBgpIpAddresses: [
      { ipConfigurationId: IPC[0], customBgpIpAddress: '169.254.21.2' },
      { ipConfigurationId: IPC[1], customBgpIpAddress: '169.254.21.6' },
    ],
  };
  patch(properties);
  return { location: 'japaneast', properties };
};

/** A fresh emulated ARM with the GatewaySubnet and the two Standard public IPs an active-active gateway needs. */
async function startWithGatewaySubnetAndPublicIps(): Promise<TestAzure> {
  const env = await startTestAzure();
  await createAndWait(env, ids.gatewaySubnet, { properties: { addressPrefix: '192.168.255.0/27' } });
  const standard = { location: 'japaneast', sku: { name: 'Standard', tier: 'Regional' }, properties: { publicIPAllocationMethod: 'Static' } };
  await createAndWait(env, PIP1, standard);
  await createAndWait(env, PIP2, standard);
  return env;
}

describe('BGP and active-active on the emulated ARM', () => {
  let env: TestAzure;

  beforeAll(async () => {
    env = await startWithGatewaySubnetAndPublicIps();
    await createAndWait(env, PIP_BASIC, { location: 'japaneast', sku: { name: 'Basic' }, properties: { publicIPAllocationMethod: 'Dynamic' } });
  }, 60_000);
  afterAll(async () => env?.close());

  async function refused(id: string, body: unknown): Promise<[number, string]> {
    const response = await env.send('PUT', id, NETWORK_API, body);
    return [response.status, response.json?.error?.code];
  }

  it('refuses an active-active gateway without exactly two IP configurations, on one public IP twice, or on a Basic one', async () => {
    expect(await refused(GW, gateway((p) => p.ipConfigurations.pop()))).toEqual([400, 'ActiveActiveGatewayMustHaveExactlyTwoIpConfigurations']);
    expect(await refused(GW, gateway((p) => (p.ipConfigurations[1].properties.publicIPAddress.id = PIP1)))).toEqual([400, 'PublicIPAddressInUse']);
    expect(await refused(GW, gateway((p) => (p.ipConfigurations[1].properties.publicIPAddress.id = PIP_BASIC)))).toEqual([400, 'ActiveActiveGatewayPublicIPAddressesDiffersInSkuOrZones']);
  });

  it('refuses an ASN Azure reserves, a custom address outside 169.254.21.0–169.254.22.255, and two on an active-standby gateway', async () => {
    for (const asn of [65517, 8075, 23456, 0]) expect(await refused(GW, gateway((p) => (p.bgpSettings.asn = asn)))).toEqual([400, 'InvalidBgpAsn']);
    expect(await refused(GW, gateway((p) => (p.bgpSettings.bgpPeeringAddresses[1].customBgpIpAddresses = ['169.254.20.6'])))).toEqual([400, 'InvalidCustomBgpIpAddress']);
    expect(await refused(GW, gateway((p) => (p.bgpSettings.bgpPeeringAddresses[1].customBgpIpAddresses = ['169.254.23.1'])))).toEqual([400, 'InvalidCustomBgpIpAddress']);
    expect(
      await refused(
        GW,
        gateway((p) => {
          p.activeActive = false;
          p.ipConfigurations.pop();
          p.bgpSettings.bgpPeeringAddresses.pop();
        }),
      ),
    ).toEqual([400, 'InvalidCustomBgpIpAddress']);
    expect(env.ctx.state.azure.resources[GW.toLowerCase()]).toBeUndefined();
  });

  it('builds the consistent gateway: GET shows each instance\'s default, tunnel and custom addresses', async () => {
    await createAndWait(env, GW, gateway());
    const got = await env.send('GET', GW, NETWORK_API);
    const pipIp = (id: string) => env.ctx.state.azure.resources[id.toLowerCase()].body.properties.ipAddress;
    expect(got.json.properties.bgpSettings.asn).toBe(65000);
    expect(got.json.properties.bgpSettings.bgpPeeringAddresses).toEqual([
      expect.objectContaining({ ipconfigurationId: IPC[0], defaultBgpIpAddresses: [expect.stringMatching(/^192\.168\.255\./)], tunnelIpAddresses: [pipIp(PIP1)], customBgpIpAddresses: ['169.254.21.2', '169.254.22.2'] }),
      expect.objectContaining({ ipconfigurationId: IPC[1], defaultBgpIpAddresses: [expect.stringMatching(/^192\.168\.255\./)], tunnelIpAddresses: [pipIp(PIP2)], customBgpIpAddresses: ['169.254.21.6', '169.254.22.6'] }),
    ]);
    const defaults = got.json.properties.bgpSettings.bgpPeeringAddresses.map((p: any) => p.defaultBgpIpAddresses[0]);
    expect(new Set(defaults).size).toBe(2);
  });

  it('refuses a local network gateway with a reserved ASN (65515 too) or a peering address that is not IPv4', async () => {
    for (const asn of [65515, 12076, 0]) expect(await refused(LNG, lng((p) => (p.bgpSettings.asn = asn)))).toEqual([400, 'InvalidBgpAsn']);
    expect(await refused(LNG, lng((p) => (p.bgpSettings.bgpPeeringAddress = 'not-an-address')))).toEqual([400, 'InvalidRequestFormat']);
    await createAndWait(env, LNG, lng());
    await createAndWait(env, LNG_STATIC, { location: 'japaneast', properties: { gatewayIpAddress: '3.112.10.2', localNetworkAddressSpace: { addressPrefixes: ['172.17.0.0/16'] } } });
  });

  it('refuses a BGP connection to a local network gateway without bgpSettings, or with custom addresses the gateway does not hold', async () => {
    expect(await refused(CONNECTION, connection((p) => (p.localNetworkGateway2.id = LNG_STATIC)))).toEqual([400, 'LocalNetworkGatewayBgpSettingsRequired']);
    // Configured on the gateway, but on the other IP configuration.
    expect(await refused(CONNECTION, connection((p) => (p.gatewayCustomBgpIpAddresses[0].customBgpIpAddress = '169.254.21.6')))).toEqual([400, 'InvalidGatewayCustomBgpIpAddress']);
    expect(await refused(CONNECTION, connection((p) => (p.gatewayCustomBgpIpAddresses[0].ipConfigurationId = `${GW}/ipConfigurations/other`)))).toEqual([400, 'InvalidGatewayCustomBgpIpAddress']);
    // An active-active gateway needs one entry per IP configuration.
    expect(await refused(CONNECTION, connection((p) => p.gatewayCustomBgpIpAddresses.pop()))).toEqual([400, 'InvalidGatewayCustomBgpIpAddress']);
    await createAndWait(env, CONNECTION, connection());
    expect(env.ctx.state.azure.resources[CONNECTION.toLowerCase()].body.properties.gatewayCustomBgpIpAddresses).toHaveLength(2);
  });
});

// A fresh emulated ARM: its token lasts a simulated hour, and a gateway build and an update in place take 40 minutes each.
describe('a gateway without BGP, then an update in place', () => {
  let env: TestAzure;

  beforeAll(async () => {
    env = await startWithGatewaySubnetAndPublicIps();
    await createAndWait(env, LNG, lng());
    await createAndWait(env, GW, gateway((p) => (p.enableBgp = false)));
  }, 60_000);
  afterAll(async () => env?.close());

  it('refuses enableBgp on a connection whose gateway does not speak BGP', async () => {
    const response = await env.send('PUT', `${NET}/connections/cn-bgp-2`, NETWORK_API, connection());
    expect([response.status, response.json?.error?.code]).toEqual([400, 'BgpNotEnabledOnVirtualNetworkGateway']);
  });

  it("allows 65515 (Azure's default) on a gateway; an update in place takes as long as a build", async () => {
    expect((await env.send('PUT', GW, NETWORK_API, gateway((p) => (p.bgpSettings.asn = 65515)))).status).toBe(200);
    // docs/local-mode.md, "Gateway update": no source gives a figure, so the least convenient one.
    expect(env.ctx.state.azure.resources[GW.toLowerCase()].operation?.readyAt).toBeGreaterThanOrEqual(env.clock.now() + 1800);
  });
});
