/**
 * `--faults instance-down:N` on an active-active gateway with four consistent tunnels: the tunnels ending on
 * instance N's public IP go DOWN on both sides and lose their sessions; the other instance keeps the routes,
 * and the VPC still reaches the VNet through the VGW.
 */
import { DescribeRouteTablesCommand } from '@aws-sdk/client-ec2';
import { parseFaults } from '../../local/faults';
import { bgpPeers, buildBgp, connectedNeighbors, GATEWAY, connectionId, neighborsOf, ROUTE_TABLE, startBgpClouds, SUBNET_A, telemetry, TUNNELS, VNET_PREFIX, type BgpClouds } from './bgp-support';

describe('instance-down on an active-active BGP gateway', () => {
  let h: BgpClouds;
  afterEach(async () => h?.close());

  it('parses only instance 0 or 1', () => {
    expect(parseFaults('instance-down:1').instanceDown).toEqual([1]);
    expect(parseFaults('instance-down:0,instance-down:1').instanceDown).toEqual([0, 1]);
    expect(() => parseFaults('instance-down:2')).toThrow(/instance-down/);
    expect(() => parseFaults('instance-down')).toThrow(/instance-down/);
  });

  it('instance 0 down: its two tunnels DOWN on AWS and NotConnected on Azure, traffic over instance 1', async () => {
    h = await startBgpClouds('instance-down:0');
    const built = await buildBgp(h);

    const tunnels = await telemetry(h, built);
    expect(tunnels.map((t) => t.Status)).toEqual(['DOWN', 'DOWN', 'UP', 'UP']);
    for (const t of tunnels.slice(0, 2)) expect(t).toMatchObject({ StatusMessage: 'IPSEC IS DOWN', AcceptedRouteCount: 0 });
    for (const t of tunnels.slice(2)) expect(t.AcceptedRouteCount).toBe(1);

    for (const t of TUNNELS) {
      const connection: any = await h.arm.resources.getById(connectionId(t.tunnel), '2025-05-01');
      expect([t.tunnel, connection.properties.connectionStatus]).toEqual([t.tunnel, t.instance === 0 ? 'NotConnected' : 'Connected']);
    }
    expect(await connectedNeighbors(h)).toEqual(neighborsOf(3, 4));
    // Only instance 1 answers: one entry per BGP connection, none from the stopped instance.
    expect((await bgpPeers(h)).map((p) => p.localAddress)).toEqual(Array(4).fill(h.clouds.state.azure.resources[GATEWAY.toLowerCase()].body.properties.bgpSettings.bgpPeeringAddresses[1].defaultBgpIpAddresses[0]));

    const tables = await h.ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [ROUTE_TABLE] }));
    expect(tables.RouteTables![0].Routes).toContainEqual(expect.objectContaining({ DestinationCidrBlock: VNET_PREFIX, GatewayId: built.vpnGatewayId }));
    expect(h.clouds.network.model.routeLookup(SUBNET_A, '192.168.10.5')).toMatchObject({ target: built.vpnGatewayId, origin: 'propagated' });
  });

  it('both instances down: nothing is up and nothing propagates', async () => {
    h = await startBgpClouds('instance-down:0,instance-down:1');
    const built = await buildBgp(h);
    expect((await telemetry(h, built)).map((t) => t.Status)).toEqual(['DOWN', 'DOWN', 'DOWN', 'DOWN']);
    expect(await connectedNeighbors(h)).toEqual([]);
    expect(h.clouds.network.model.routeLookup(SUBNET_A, '192.168.10.5').target).toBeUndefined();
  });
});
