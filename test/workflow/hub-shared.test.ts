/**
 * Two environments on one hub, in local mode (the real ASL, handlers and SDK clients against the emulated
 * clouds): the first builds the hub, named for the VNet; the second, on another VPC, finds it and uses it,
 * building only what is its own (its tunnels and its NSG rules), and finishes on its own critical path; and
 * the two started together both succeed on one hub.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { criticalPath } from '../../cli/bench';
import { runLocalRequests } from '../../local/runner';
import type { CloudState } from '../../local/cloud/state';
import { azureWrites, hubCriticalPath, ONE_HUB_TWO_VPCS, PROVEN_PROBE, secondVpcRequest } from './hub-support';
import { DEFAULT_REQUEST, run, type Run } from './support';

const NET = '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-network/providers/Microsoft.Network';
const HUB_ACTIONS = (action: string) =>
  Object.fromEntries(
    ['gatewaySubnet', 'publicIp', 'vpnGateway', 'privateEndpointNsg', 'privateEndpointSubnet', 'dnsInboundNsg', 'dnsResolverSubnet', 'privateDnsZone', 'virtualNetworkLink', 'privateEndpoint', 'privateDnsZoneGroup', 'dnsResolver', 'inboundEndpoint'].map(
      (key) => [key, expect.objectContaining({ action })],
    ),
  );

/** The environment's rules in an NSG of the state: name → priority. */
function rulesIn(state: CloudState, nsgName: string): Record<string, number> {
  const nsg = state.azure.resources[`${NET}/networkSecurityGroups/${nsgName}`.toLowerCase()];
  return Object.fromEntries((nsg?.body.properties.securityRules ?? []).map((r: any) => [r.name, r.properties.priority]));
}

describe('a second environment on a hub the first built', () => {
  let first: Run;
  let second: Run;

  beforeAll(async () => {
    first = await run({ worldFile: ONE_HUB_TWO_VPCS });
    second = await run({ worldFile: ONE_HUB_TWO_VPCS, stateFile: first.stateFile, request: secondVpcRequest() });
  }, 600_000);

  it('both succeed and both probes prove the private path to the one endpoint', () => {
    expect([first.result.status, first.result.error, second.result.status, second.result.error]).toEqual(['SUCCEEDED', null, 'SUCCEEDED', null]);
    expect(first.result.report!.probe).toMatchObject(PROVEN_PROBE);
    expect(second.result.report!.probe).toMatchObject(PROVEN_PROBE);
  });

  it('the first created every hub resource; the second used each of them', () => {
    expect((first.result.output as any).hub).toEqual(HUB_ACTIONS('created'));
    expect((second.result.output as any).hub).toEqual(HUB_ACTIONS('used'));
    expect((second.result.output as any).hub.vpnGateway).toEqual({ name: 'vpngw-vnet-hub', id: `${NET}/virtualNetworkGateways/vpngw-vnet-hub`, action: 'used' });
  });

  it('the second writes on Azure only its own: its local network gateways, its connections and its NSG rules', () => {
    expect(azureWrites(second.result.report!)).toEqual([
      'PUT Microsoft.Network/connections',
      'PUT Microsoft.Network/localNetworkGateways',
      'PUT Microsoft.Network/networkSecurityGroups/securityRules',
    ]);
    const azureOperations = second.result.report!.operations.filter((o) => o.cloud === 'azure').map((o) => o.resource.split('/providers/Microsoft.Network/')[1]);
    expect(azureOperations.sort()).toEqual(
      [
        'localNetworkGateways/lng-aoai-prod-02-aws-tunnel-1',
        'localNetworkGateways/lng-aoai-prod-02-aws-tunnel-2',
        'connections/cn-aoai-prod-02-aws-tunnel-1',
        'connections/cn-aoai-prod-02-aws-tunnel-2',
        'networkSecurityGroups/nsg-vnet-hub-private-endpoint/securityRules/aoai-link-aoai-prod-02-https',
        'networkSecurityGroups/nsg-vnet-hub-dns-inbound/securityRules/aoai-link-aoai-prod-02-dns-udp',
        'networkSecurityGroups/nsg-vnet-hub-dns-inbound/securityRules/aoai-link-aoai-prod-02-dns-tcp',
      ].sort(),
    );
  });

  it("each NSG holds both environments' rules, with priorities unique in it (no lost update)", () => {
    const pe = rulesIn(second.state(), 'nsg-vnet-hub-private-endpoint');
    const dns = rulesIn(second.state(), 'nsg-vnet-hub-dns-inbound');
    expect(Object.keys(pe).sort()).toEqual(['aoai-link-aoai-prod-01-https', 'aoai-link-aoai-prod-02-https']);
    expect(Object.keys(dns).sort()).toEqual(['aoai-link-aoai-prod-01-dns-tcp', 'aoai-link-aoai-prod-01-dns-udp', 'aoai-link-aoai-prod-02-dns-tcp', 'aoai-link-aoai-prod-02-dns-udp']);
    expect(new Set(Object.values(pe)).size).toBe(2);
    expect(new Set(Object.values(dns)).size).toBe(4);
  });

  it('the second finishes within 5% of its own critical path: no gateway build, no resolver, no endpoint wait', () => {
    const report = second.result.report!;
    const critical = hubCriticalPath(report, second.result.output);
    // The parts come from this run's own operations: the hub's builds are not among them, nor an account update.
    expect(critical.parts).toEqual({ virtualPrivateGateway: 30, vpnConnection: 300, localNetworkGateways: 30, connectionsAndTunnels: 240, accountUpdate: 0 });
    expect(report.simulatedSeconds).toBeGreaterThanOrEqual(critical.seconds);
    expect(report.simulatedSeconds).toBeLessThanOrEqual(critical.seconds * 1.05);
    // The first, which built the hub, stays on bench's critical path (the e2e bound: within 5%).
    const firstCritical = criticalPath(first.result.report!.operations as any, first.result.output);
    expect(first.result.report!.simulatedSeconds).toBeLessThanOrEqual(firstCritical * 1.05);
    process.stdout.write(
      `hub runs: first ${first.result.report!.simulatedSeconds} s (bench critical path ${firstCritical} s); ` +
        `second ${report.simulatedSeconds} s (critical path ${critical.seconds} s: ${JSON.stringify(critical.parts)}; ` +
        `bench's ${criticalPath(report.operations as any, second.result.output)} s)\n`,
    );
  });
});

describe('two environments started together on an empty hub', () => {
  let result: Awaited<ReturnType<typeof runLocalRequests>>;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'aoai-hub-together-'));
    const files = [DEFAULT_REQUEST, secondVpcRequest()].map((request, index) => {
      const file = path.join(dir, `request-${index + 1}.json`);
      writeFileSync(file, JSON.stringify(request));
      return file;
    });
    result = await runLocalRequests({ requestFiles: files, worldFile: ONE_HUB_TWO_VPCS, stateFile: path.join(dir, 'state.json'), outDir: path.join(dir, 'out'), output: null });
  }, 600_000);

  it('both succeed, each proving its path, on one gateway, one resolver and one endpoint', () => {
    expect(result.runs.map((r) => [r.status, r.error])).toEqual([
      ['SUCCEEDED', null],
      ['SUCCEEDED', null],
    ]);
    for (const r of result.runs) expect(r.report!.probe).toMatchObject(PROVEN_PROBE);
    const state = JSON.parse(require('node:fs').readFileSync(path.join(dir, 'state.json'), 'utf8')) as CloudState;
    const live = (type: string) => Object.values(state.azure.resources).filter((r) => r.type === type && !r.preExisting).map((r) => r.name);
    expect(live('Microsoft.Network/virtualNetworkGateways')).toEqual(['vpngw-vnet-hub']);
    expect(live('Microsoft.Network/dnsResolvers')).toEqual(['dnspr-vnet-hub']);
    expect(live('Microsoft.Network/privateEndpoints')).toEqual(['pe-vnet-hub-aoai-prod']);
    expect(live('Microsoft.Network/connections').sort()).toEqual(['cn-aoai-prod-01-aws-tunnel-1', 'cn-aoai-prod-01-aws-tunnel-2', 'cn-aoai-prod-02-aws-tunnel-1', 'cn-aoai-prod-02-aws-tunnel-2']);
    expect(Object.keys(rulesIn(state, 'nsg-vnet-hub-dns-inbound'))).toHaveLength(4);
    // Both sent the one gateway's PUT (each found none when it looked): one build, not restarted, one gateway.
    const builds = result.runs[0].report!.operations.filter((o) => /\/virtualNetworkGateways\/vpngw-vnet-hub$/.test(o.resource));
    expect(builds.map((o) => [o.operation, o.readyAt - o.startedAt])).toEqual([['create', 2400]]);
    // Neither waits longer than the first alone does on its bench critical path.
    for (const r of result.runs) expect(r.report!.simulatedSeconds).toBeLessThanOrEqual(criticalPath(r.report!.operations as any, r.output) * 1.05);
  });
});
