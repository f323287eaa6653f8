/**
 * BGP sessions over four tunnels (docs/local-mode.md, "Strict readings: BGP and active-active"): a consistent
 * set establishes all four, with routes both ways; each rule broken on its own keeps its sessions down while
 * the others stay up. Everything is built and read through the real SDK clients.
 */
import { DescribeRouteTablesCommand } from '@aws-sdk/client-ec2';
import {
  bgpPeers,
  buildBgp,
  connectedNeighbors,
  connectionId,
  gatewayBody,
  GATEWAY,
  neighborsOf,
  put,
  ROUTE_TABLE,
  startBgpClouds,
  SUBNET_A,
  telemetry,
  TUNNELS,
  VNET_PREFIX,
  type BgpClouds,
  type BuiltBgp,
  NETWORK_API,
} from './bgp-support';

const VNET_ADDRESS = '192.168.10.5';

describe('a consistent BGP set', () => {
  let h: BgpClouds;
  afterEach(async () => h?.close());

  it('establishes four sessions: routes propagate to the VPC, Azure reports four Connected peers', async () => {
    h = await startBgpClouds();
    const built = await buildBgp(h);

    const tunnels = await telemetry(h, built);
    for (const t of tunnels) {
      expect(t).toMatchObject({ Status: 'UP', AcceptedRouteCount: 1, StatusMessage: '1 BGP ROUTES' });
    }

    const tables = await h.ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [ROUTE_TABLE] }));
    expect(tables.RouteTables![0].Routes).toContainEqual(
      expect.objectContaining({ DestinationCidrBlock: VNET_PREFIX, GatewayId: built.vpnGatewayId, Origin: 'EnableVgwRoutePropagation', State: 'active' }),
    );
    expect(h.clouds.network.model.routeLookup(SUBNET_A, VNET_ADDRESS)).toMatchObject({ target: built.vpnGatewayId, origin: 'propagated', destination: VNET_PREFIX });

    const peers = await bgpPeers(h);
    const connected = peers.filter((p) => p.state === 'Connected');
    expect(connected.map((p) => p.neighbor).sort()).toEqual(neighborsOf(1, 2, 3, 4));
    for (const p of connected) expect(p).toMatchObject({ asn: built.awsAsn, routesReceived: 1 });
    // Each instance also lists the neighbors whose tunnels end on the other instance: those never connect.
    expect(peers.filter((p) => p.state !== 'Connected')).toHaveLength(4);
    // `peer` narrows the answer to one neighbor, as reported by both instances.
    expect((await bgpPeers(h, TUNNELS[2].aws)).map((p) => [p.neighbor, p.state])).toEqual([
      [TUNNELS[2].aws, 'Connecting'],
      [TUNNELS[2].aws, 'Connected'],
    ]);

    for (const t of TUNNELS) {
      const connection: any = await h.arm.resources.getById(connectionId(t.tunnel), '2025-05-01');
      expect(connection.properties.connectionStatus).toBe('Connected');
    }
  });

  it('waits bgp.session after IPsec is up: until then AWS reads the tunnel DOWN, "IPSEC IS UP", and nothing propagates', async () => {
    h = await startBgpClouds();
    // Build, then rewind to the instant IPsec came up by reading the model's own times.
    const built = await buildBgp(h);
    const tunnel = h.clouds.network.model.tunnels().find((t) => t.vpnConnectionId === built.vpnConnectionIds[0])!;
    expect(tunnel.bgp?.establishedAt).toBe(tunnel.upAt! + 30);
    // Re-write connection 1 (same body, new operation): the tunnel renegotiates, then BGP follows.
    const body: any = await h.arm.resources.getById(connectionId(1), '2025-05-01');
    body.properties.sharedKey = 'Bgp1.key_abcdefgh';
    body.properties.routingWeight = 5;
    await put(h, connectionId(1), { location: 'japaneast', properties: body.properties });
    await h.sleep(120 + 10);
    const [first] = await telemetry(h, built);
    expect(first).toMatchObject({ Status: 'DOWN', StatusMessage: 'IPSEC IS UP', AcceptedRouteCount: 0 });
    expect(await connectedNeighbors(h)).toEqual(neighborsOf(2, 3, 4));
    await h.sleep(25);
    expect((await telemetry(h, built))[0]).toMatchObject({ Status: 'UP', AcceptedRouteCount: 1 });
  });
});

describe('each BGP rule broken on its own keeps its sessions down', () => {
  let h: BgpClouds;
  afterEach(async () => h?.close());

  /** The tunnels (1–4) expected without a session read DOWN on AWS, with only what AWS knows; the others UP. */
  async function expectSessions(built: BuiltBgp, down: number[]) {
    const up = TUNNELS.map((t) => t.tunnel).filter((n) => !down.includes(n));
    const tunnels = await telemetry(h, built);
    for (const t of TUNNELS) {
      const reading = tunnels[t.tunnel - 1];
      if (down.includes(t.tunnel)) {
        expect(reading).toMatchObject({ Status: 'DOWN', AcceptedRouteCount: 0 });
        expect(['IPSEC IS UP', 'IPSEC IS DOWN']).toContain(reading.StatusMessage);
      } else expect(reading).toMatchObject({ Status: 'UP', AcceptedRouteCount: 1 });
    }
    expect(await connectedNeighbors(h)).toEqual(neighborsOf(...up));
  }

  it('a local network gateway whose ASN is not the VGW AmazonSideAsn', async () => {
    h = await startBgpClouds();
    const built = await buildBgp(h, { localNetworkGateway: (t, p) => t === 1 && (p.bgpSettings.asn = 64513) });
    await expectSessions(built, [1]);
  });

  it('a local network gateway whose peering address is not the AWS inside address', async () => {
    h = await startBgpClouds();
    const built = await buildBgp(h, { localNetworkGateway: (t, p) => t === 2 && (p.bgpSettings.bgpPeeringAddress = '169.254.22.2') });
    await expectSessions(built, [2]);
  });

  it('a connection whose custom address for its instance is another tunnel\'s', async () => {
    h = await startBgpClouds();
    const built = await buildBgp(h, {
      connection: (t, p) => t === 3 && (p.gatewayCustomBgpIpAddresses[1].customBgpIpAddress = '169.254.22.6'),
    });
    await expectSessions(built, [3]);
  });

  it('a custom address the connection names that is no longer configured on the IP configuration', async () => {
    h = await startBgpClouds();
    const built = await buildBgp(h);
    // The gateway keeps only 169.254.21.2 on instance 0: tunnel 2's connection still names 169.254.22.2.
    // An update in place runs as long as a build; the stored settings apply at once, so the session is judged on them.
    const update = await h.arm.resources.beginCreateOrUpdateById(GATEWAY, NETWORK_API, gatewayBody(built.azureAsn, [['169.254.21.2'], ['169.254.21.6', '169.254.22.6']]) as never);
    update.stopPolling();
    await h.sleep(120 + 30);
    await expectSessions(built, [2]);
  });

  it('a customer gateway whose BgpAsn is not the Azure gateway\'s ASN', async () => {
    h = await startBgpClouds();
    const built = await buildBgp(h, { customerGatewayAsn: (k, asn) => (k === 1 ? 65010 : asn) });
    await expectSessions(built, [3, 4]);
  });

  it('the same ASN on both sides', async () => {
    h = await startBgpClouds();
    const built = await buildBgp(h, { azureAsn: 64512, awsAsn: 64512 });
    await expectSessions(built, [1, 2, 3, 4]);
  });

  it('a static VPN connection: IPsec comes up over static routes, BGP never does', async () => {
    h = await startBgpClouds();
    const built = await buildBgp(h, {
      staticRoutesOnly: (k) => k === 0,
      localNetworkGateway: (t, p) => t <= 2 && (p.localNetworkAddressSpace.addressPrefixes = ['172.17.0.0/16']),
    });
    const tunnels = await telemetry(h, built);
    for (const t of [0, 1]) expect(tunnels[t]).toMatchObject({ Status: 'UP', StatusMessage: '', AcceptedRouteCount: 0 });
    for (const t of [2, 3]) expect(tunnels[t]).toMatchObject({ Status: 'UP', AcceptedRouteCount: 1 });
    expect(await connectedNeighbors(h)).toEqual(neighborsOf(3, 4));
  });

  it('a connection with enableBgp false', async () => {
    h = await startBgpClouds();
    const built = await buildBgp(h, { connection: (t, p) => t === 4 && (p.enableBgp = false) });
    await expectSessions(built, [4]);
  });
});
