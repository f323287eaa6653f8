/**
 * Active-active with BGP end to end in local mode (the real ASL, handlers and SDK clients against the emulated
 * clouds, whose network establishes a session only when both sides agree): `options.routing: "bgp"` builds two
 * public IPs and an active-active gateway, two customer gateways and VPN connections with the mapping's inside
 * /30s, four local network gateways and connections, waits for the sessions, and proves the path; with one
 * Azure instance down the other instance's tunnels carry it; a re-run converges; the AWS side reads right in
 * the AWS CLI.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createdCounts, request, run, secretsHeldBy, type Run } from './support';
import { readFileSync } from 'node:fs';
import { readWorld } from '../../local/cloud/world';
import { azureWrites, FOREIGN_HUB, FOREIGN_SPOKE, ONE_HUB_TWO_VPCS, PROVEN_PROBE, secondVpcRequest } from './hub-support';
import { awsCli, childEnvironment, requireAwsCli, startServe, type Served } from '../support/serve';

const NET = '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-network/providers/Microsoft.Network';
const GATEWAY = `${NET}/virtualNetworkGateways/vpngw-vnet-hub`;
const bgpRequest = () => request((r) => (r.options.routing = 'bgp'));

const armBody = (r: Run, id: string) => r.state().azure.resources[id.toLowerCase()]?.body;
const liveVpnConnections = (r: Run) => r.state().aws.vpnConnections.filter((v) => v.deletedAt === undefined);

describe('a BGP environment on a new hub', () => {
  let first: Run;
  let again: Run;

  beforeAll(async () => {
    first = await run({ request: bgpRequest() });
    again = await run({ request: bgpRequest(), stateFile: first.stateFile });
  }, 600_000);

  it('succeeds, the four sessions established, and the probe proves the path', () => {
    expect([first.result.status, first.result.error]).toEqual(['SUCCEEDED', null]);
    expect(first.result.report!.probe).toMatchObject(PROVEN_PROBE);
    const output = first.result.output as any;
    expect(output.routing).toBe('bgp');
    expect(output.bgp.sessions).toEqual(
      ['169.254.21.1', '169.254.22.1', '169.254.21.5', '169.254.22.5'].map((neighbor, i) => ({
        tunnel: i + 1,
        neighbor,
        awsAcceptedRoutes: expect.any(Number),
        azure: 'Connected',
        azureRoutesReceived: expect.any(Number),
      })),
    );
    expect(output.bgp.sessions.every((s: any) => s.awsAcceptedRoutes > 0)).toBe(true);
    expect(output.tunnels.map((t: any) => [t.tunnel, t.aws, t.azure])).toEqual([1, 2, 3, 4].map((n) => [n, 'UP', 'Connected']));
    expect(output.bgp.mapping[2]).toMatch(/^1\s+1\s+1\s+0\s+169\.254\.21\.0\/30\s+169\.254\.21\.1\s+169\.254\.21\.2$/);
  });

  it('the Azure gateway is active-active with BGP: two IP configurations, two public IPs, each instance with its APIPA addresses', () => {
    const gateway = armBody(first, GATEWAY).properties;
    expect([gateway.activeActive, gateway.enableBgp, gateway.bgpSettings.asn]).toEqual([true, true, 65000]);
    expect(gateway.ipConfigurations.map((c: any) => c.properties.publicIPAddress.id)).toEqual([`${NET}/publicIPAddresses/pip-vnet-hub-vpngw`, `${NET}/publicIPAddresses/pip-vnet-hub-vpngw-2`]);
    expect(gateway.bgpSettings.bgpPeeringAddresses.map((p: any) => p.customBgpIpAddresses)).toEqual([
      ['169.254.21.2', '169.254.22.2'],
      ['169.254.21.6', '169.254.22.6'],
    ]);
  });

  it('four local network gateways peer with the AWS inside addresses, four connections name the custom addresses', () => {
    const peers = [1, 2, 3, 4].map((n) => armBody(first, `${NET}/localNetworkGateways/lng-aoai-prod-01-aws-tunnel-${n}`).properties.bgpSettings);
    expect(peers).toEqual(['169.254.21.1', '169.254.22.1', '169.254.21.5', '169.254.22.5'].map((bgpPeeringAddress) => ({ asn: 64512, bgpPeeringAddress })));
    const connections = [1, 2, 3, 4].map((n) => armBody(first, `${NET}/connections/cn-aoai-prod-01-aws-tunnel-${n}`).properties);
    expect(connections.every((c) => c.enableBgp === true)).toBe(true);
    expect(connections.map((c) => c.gatewayCustomBgpIpAddresses.map((a: any) => a.customBgpIpAddress))).toEqual([
      ['169.254.21.2', '169.254.21.6'],
      ['169.254.22.2', '169.254.22.6'],
      ['169.254.21.2', '169.254.21.6'],
      ['169.254.22.2', '169.254.22.6'],
    ]);
  });

  it('two customer gateways (one per Azure instance, the Azure ASN) and two dynamic VPN connections with the inside /30s, no static route', () => {
    const state = first.state();
    const addresses = (first.result.output as any).bgp.azureGatewayPublicIps;
    expect(state.aws.customerGateways.map((c) => [c.IpAddress, Number(c.BgpAsn)])).toEqual([
      [addresses[0], 65000],
      [addresses[1], 65000],
    ]);
    expect(liveVpnConnections(first).map((v) => [v.StaticRoutesOnly, v.Routes.length, v.Tunnels.map((t) => t.TunnelInsideCidr)])).toEqual([
      [false, 0, ['169.254.21.0/30', '169.254.22.0/30']],
      [false, 0, ['169.254.21.4/30', '169.254.22.4/30']],
    ]);
  });

  it('a re-run converges within 300 simulated seconds: nothing new is created, the mapping is the same, the path is proven again', () => {
    expect([again.result.status, again.result.error]).toEqual(['SUCCEEDED', null]);
    expect(again.result.report!.simulatedSeconds).toBeLessThanOrEqual(300);
    expect(createdCounts(again.state())).toEqual(createdCounts(first.state()));
    expect((again.result.output as any).bgp.mapping).toEqual((first.result.output as any).bgp.mapping);
    expect(again.result.report!.probe).toMatchObject(PROVEN_PROBE);
  });

  it('no tunnel key reaches the history, the report or the output', () => {
    const secrets = secretsHeldBy(first.state());
    expect(secrets.length).toBeGreaterThanOrEqual(4);
    const texts = [first.historyText(), first.reportText(), JSON.stringify(first.result.output)];
    for (const secret of secrets) for (const text of texts) expect(text.includes(secret)).toBe(false);
  });

  describe('read with the AWS CLI from the served state', () => {
    let served: Served;
    let home: string;
    let aws: ReturnType<typeof awsCli>;

    beforeAll(async () => {
      requireAwsCli();
      home = mkdtempSync(path.join(os.tmpdir(), 'aoai-link-bgp-cli-'));
      served = await startServe(['--state', again.stateFile], home);
      aws = awsCli(served.endpoints.aws, childEnvironment(home));
    }, 60_000);

    afterAll(async () => {
      if (served && served.child.exitCode === null) {
        served.child.kill('SIGTERM');
        await served.exited;
      }
      rmSync(home, { recursive: true, force: true });
    });

    it('each tunnel its inside CIDR and accepted routes; the route table has the VNet as a propagated route', async () => {
      const connections = (await aws('ec2', 'describe-vpn-connections', '--filters', 'Name=state,Values=available')).VpnConnections;
      expect(connections.map((c: any) => c.Options.StaticRoutesOnly)).toEqual([false, false]);
      expect(connections.flatMap((c: any) => c.Options.TunnelOptions.map((t: any) => t.TunnelInsideCidr)).sort()).toEqual(
        ['169.254.21.0/30', '169.254.21.4/30', '169.254.22.0/30', '169.254.22.4/30'],
      );
      expect(connections.flatMap((c: any) => c.VgwTelemetry.map((t: any) => [t.Status, t.AcceptedRouteCount > 0]))).toEqual([1, 2, 3, 4].map(() => ['UP', true]));
      const table = (await aws('ec2', 'describe-route-tables', '--route-table-ids', 'rtb-0a1b2c3d4e5f60001')).RouteTables[0];
      expect(table.Routes).toContainEqual(expect.objectContaining({ DestinationCidrBlock: '192.168.0.0/16', Origin: 'EnableVgwRoutePropagation' }));
      const gateways = (await aws('ec2', 'describe-customer-gateways')).CustomerGateways;
      expect(gateways.map((g: any) => g.BgpAsn)).toEqual(['65000', '65000']);
    }, 60_000);
  });
});

describe('with one Azure gateway instance down', () => {
  let degraded: Run;

  beforeAll(async () => {
    degraded = await run({ request: bgpRequest(), faults: 'instance-down:0' });
  }, 600_000);

  it("succeeds over instance 1's tunnels, names the two that are down, and the probe proves the path", () => {
    expect([degraded.result.status, degraded.result.error]).toEqual(['SUCCEEDED', null]);
    const output = degraded.result.output as any;
    expect(output.tunnelsDown).toEqual([1, 2]);
    expect(output.result).toMatch(/Degraded: tunnels 1, 2 of 4 down; BGP carries the path over the others\./);
    expect(output.bgp.sessions.map((s: any) => [s.tunnel, s.azure])).toEqual([
      [3, 'Connected'],
      [4, 'Connected'],
    ]);
    expect(degraded.result.report!.probe).toMatchObject(PROVEN_PROBE);
  });
});

describe('a second BGP environment on the hub the first built', () => {
  let first: Run;
  let second: Run;

  beforeAll(async () => {
    first = await run({ worldFile: ONE_HUB_TWO_VPCS, request: bgpRequest() });
    const next = secondVpcRequest();
    next.options.routing = 'bgp';
    second = await run({ worldFile: ONE_HUB_TWO_VPCS, stateFile: first.stateFile, request: next });
  }, 600_000);

  it('takes the next free /30s, adds its addresses to the gateway (keeping the first one\'s), and both paths work', () => {
    expect([first.result.status, second.result.status, second.result.error]).toEqual(['SUCCEEDED', 'SUCCEEDED', null]);
    expect(second.result.report!.probe).toMatchObject(PROVEN_PROBE);
    const peers = [1, 2, 3, 4].map((n) => armBody(second, `${NET}/localNetworkGateways/lng-aoai-prod-02-aws-tunnel-${n}`).properties.bgpSettings.bgpPeeringAddress);
    expect(peers).toEqual(['169.254.21.9', '169.254.22.9', '169.254.21.13', '169.254.22.13']);
    expect(armBody(second, GATEWAY).properties.bgpSettings.bgpPeeringAddresses.map((p: any) => p.customBgpIpAddresses)).toEqual([
      ['169.254.21.2', '169.254.22.2', '169.254.21.10', '169.254.22.10'],
      ['169.254.21.6', '169.254.22.6', '169.254.21.14', '169.254.22.14'],
    ]);
    expect((second.result.output as any).bgp.sessions.map((s: any) => s.azure)).toEqual(['Connected', 'Connected', 'Connected', 'Connected']);
  });

  it('the gateway is updated in place, not rebuilt: no 30-minute build wait', () => {
    const states = JSON.parse(second.historyText()).events.map((e: any) => e.stateEnteredEventDetails?.name).filter(Boolean);
    expect(states).toContain("Add this environment's BGP addresses to the hub's VPN gateway");
    expect(states).not.toContain('Wait 30 minutes for the gateway build');
    expect(states).not.toContain('Create the Azure VPN gateway');
  });

  it("the first environment's four sessions still stand after the update", async () => {
    const rerun = await run({ worldFile: ONE_HUB_TWO_VPCS, stateFile: second.stateFile, request: bgpRequest() });
    expect(rerun.result.status).toBe('SUCCEEDED');
    expect((rerun.result.output as any).bgp.sessions.map((s: any) => [s.neighbor, s.azure])).toEqual(
      ['169.254.21.1', '169.254.22.1', '169.254.21.5', '169.254.22.5'].map((n) => [n, 'Connected']),
    );
  }, 600_000);

  it('BGP on a hub whose gateway a static environment built (active-standby) is refused before anything is created', async () => {
    const staticFirst = await run({ worldFile: ONE_HUB_TWO_VPCS });
    const next = secondVpcRequest();
    next.options.routing = 'bgp';
    const refused = await run({ worldFile: ONE_HUB_TWO_VPCS, stateFile: staticFirst.stateFile, request: next });
    expect(refused.result.status).toBe('REFUSED');
    expect(refused.result.problems).toContainEqual({ path: 'options.routing', message: expect.stringMatching(/is active-standby with BGP off/) });
    expect(liveVpnConnections(refused)).toHaveLength(1);
  }, 600_000);
});

describe("on another team's active-active BGP gateway", () => {
  let spoke: Run;
  let world: any;

  beforeAll(async () => {
    world = readWorld(FOREIGN_HUB);
    // Its owner runs it active-active with BGP as 65010 and has configured two slots of Microsoft's layout.
    Object.assign(world.azure.virtualNetworkGateways[0], {
      activeActive: true,
      enableBgp: true,
      bgpAsn: 65010,
      publicIpAddresses: ['20.48.100.17', '20.48.100.18'],
      customBgpIpAddresses: [
        ['169.254.21.2', '169.254.22.2', '169.254.21.10', '169.254.22.10'],
        ['169.254.21.6', '169.254.22.6', '169.254.21.14', '169.254.22.14'],
      ],
    });
    const document = JSON.parse(readFileSync(FOREIGN_SPOKE(1), 'utf8'));
    document.options.routing = 'bgp';
    spoke = await run({ world, request: document });
  }, 600_000);

  it('adopts it as it is: its ASN, its two public IPs, its configured addresses; no write to the gateway', () => {
    expect([spoke.result.status, spoke.result.error]).toEqual(['SUCCEEDED', null]);
    expect(spoke.result.report!.probe).toMatchObject(PROVEN_PROBE);
    const output = spoke.result.output as any;
    expect(output.hub.vpnGateway.action).toBe('adopted');
    expect(output.hub.secondPublicIp.action).toBe('adopted');
    expect(output.bgp.mapping[0]).toBe('BGP: Azure ASN 65010, AWS ASN 64512');
    expect(output.bgp.azureGatewayPublicIps).toEqual(['20.48.100.17', '20.48.100.18']);
    expect(spoke.state().aws.customerGateways.map((c) => [c.IpAddress, Number(c.BgpAsn)])).toEqual([
      ['20.48.100.17', 65010],
      ['20.48.100.18', 65010],
    ]);
    expect(azureWrites(spoke.result.report!)).not.toContain('PUT Microsoft.Network/virtualNetworkGateways');
    expect(output.bgp.sessions.map((s: any) => s.azure)).toEqual(['Connected', 'Connected', 'Connected', 'Connected']);
  });
});
