/**
 * The teardown of an environment provisioned with `options.routing: "bgp"` (issue 12), through the real
 * teardown state machine on the local runner with the real functions against the emulated clouds: it removes
 * both VPN connections and customer gateways, the four tunnels' keys, local network gateways and connections,
 * and, as the last environment on the hub, the active-active gateway with both its public IPs; on a hub that
 * another environment still uses, the gateway and both public IPs stay.
 */
import * as path from 'node:path';
import { hubResourceNames } from '../../functions/commons/hub';
import { resourceNames } from '../../functions/commons/naming';
import type { TeardownSummary } from '../../functions/commons/teardown-data';
import { runLocal, type LocalRunResult } from '../../local/runner';
import { temporaryDirectory } from '../local-runner/support';
import { bgpRequestDocument, provisionBgpEnvironment, stateFileOf, type SavedBgpEnvironment } from './bgp-support';

const lower = (ids: string[]) => ids.map((id) => id.toLowerCase()).sort();

function tearDown(saved: SavedBgpEnvironment, dir: string, name: string): Promise<LocalRunResult> {
  return runLocal({ request: bgpRequestDocument(), teardown: true, stateFile: stateFileOf(saved, dir, name), outDir: path.join(dir, name), output: null });
}

/** What the BGP half adds to a static environment, by the ids the summary and the report give them. */
function bgpHalfIds(saved: SavedBgpEnvironment) {
  const names = resourceNames(saved.request);
  const hub = hubResourceNames(saved.request);
  const aws = saved.state.aws;
  const tagged = (tags: { Key?: string; Value?: string }[] | undefined, name: string) => (tags ?? []).some((t) => t.Key === 'Name' && t.Value === name);
  return {
    azureTunnels: names.azure.tunnels.slice(2).flatMap((t) => [t.connection.id, t.localNetworkGateway.id]),
    secondPublicIp: hub.secondPublicIp.id,
    customerGateway: aws.customerGateways.find((g) => tagged(g.Tags, names.aws.customerGateways[1]))!.CustomerGatewayId!,
    vpnConnection: aws.vpnConnections.find((c) => tagged(c.Tags, names.aws.vpnConnections[1]))!.VpnConnectionId!,
    secrets: aws.secrets.filter((s) => names.aws.pskSecretNames.slice(2).includes(s.Name!)).map((s) => s.ARN!),
  };
}

describe('the last environment on the hub, provisioned with BGP', () => {
  const dir = temporaryDirectory('bgp-teardown');
  let saved: SavedBgpEnvironment;
  let torn: LocalRunResult;
  beforeAll(async () => {
    saved = await provisionBgpEnvironment(dir);
    torn = await tearDown(saved, dir, 'teardown');
  }, 300_000);

  it('was built with two of each on AWS, four tunnels and two gateway IPs on Azure', () => {
    const ids = bgpHalfIds(saved);
    expect(ids.secrets).toHaveLength(2);
    expect(Object.keys(saved.state.azure.resources)).toEqual(expect.arrayContaining(lower([ids.secondPublicIp, ...ids.azureTunnels])));
    const gateway = saved.state.azure.resources[hubResourceNames(saved.request).vpnGateway.id.toLowerCase()];
    expect([gateway.body.properties.activeActive, gateway.body.properties.ipConfigurations.length]).toEqual([true, 2]);
  });

  it('leaves nothing of the environment in either cloud', () => {
    expect([torn.status, torn.error, torn.failedState ?? null]).toEqual(['SUCCEEDED', null, null]);
    expect(torn.report!.resources).toEqual({ aws: [], azure: [] });
  });

  it('its inventory and summary list and count the second VPN connection, customer gateway, public IP and tunnels 3 and 4', () => {
    const summary = torn.output as TeardownSummary;
    const ids = bgpHalfIds(saved);
    const removed = lower(summary.removed.map((entry) => entry.id));
    expect(removed).toEqual(expect.arrayContaining(lower([ids.customerGateway, ids.vpnConnection, ids.secondPublicIp, ...ids.azureTunnels, ...ids.secrets])));
    // The static environment's 33, and the nine the BGP half adds.
    expect(summary.removed).toHaveLength(42);
    expect(summary.message).toBe(`Removed 42 resources of environment ${saved.request.environmentId}.`);
    expect(summary.tunnelKeySecrets.note).toMatch(/^4 tunnel-key secrets scheduled for deletion/);
    expect([summary.left, summary.kept]).toEqual([[], []]);
  });
});

describe('an environment provisioned with BGP on a hub another environment still uses', () => {
  const dir = temporaryDirectory('bgp-teardown-hub');
  const OTHER = 'aoai-spoke-b';
  let saved: SavedBgpEnvironment;
  let torn: LocalRunResult;
  beforeAll(async () => {
    saved = await provisionBgpEnvironment(dir, { anotherEnvironment: OTHER });
    torn = await tearDown(saved, dir, 'teardown');
  }, 300_000);

  it('keeps the hub gateway and both its public IPs, and says why', () => {
    expect([torn.status, torn.error]).toEqual(['SUCCEEDED', null]);
    const hub = hubResourceNames(saved.request);
    const kept = [hub.vpnGateway.id, hub.publicIp.id, hub.secondPublicIp.id];
    const left = lower(torn.report!.resources.azure.map((r) => r.id));
    expect(left).toEqual(expect.arrayContaining(lower(kept)));
    const summary = torn.output as TeardownSummary;
    expect(lower(summary.kept.map((entry) => entry.id))).toEqual(expect.arrayContaining(lower(kept)));
    for (const entry of summary.kept) expect(entry.reason).toContain(OTHER);
    expect(lower(summary.removed.map((entry) => entry.id))).not.toEqual(expect.arrayContaining([hub.secondPublicIp.id.toLowerCase()]));
  });

  it("removes every one of the environment's own resources, and nothing of the other environment", () => {
    const names = resourceNames(saved.request);
    const ids = bgpHalfIds(saved);
    const left = lower(torn.report!.resources.azure.map((r) => r.id));
    for (const tunnel of names.azure.tunnels) {
      expect(left).not.toContain(tunnel.connection.id.toLowerCase());
      expect(left).not.toContain(tunnel.localNetworkGateway.id.toLowerCase());
    }
    expect(left.filter((id) => id.includes(OTHER))).toHaveLength(2);
    // The AWS side is the environment's alone: both VPN connections and customer gateways, the VGW and the keys go.
    expect(torn.report!.resources.aws).toEqual([]);
    expect(lower((torn.output as TeardownSummary).removed.map((entry) => entry.id))).toEqual(expect.arrayContaining(lower([ids.customerGateway, ids.vpnConnection, ...ids.secrets])));
  });
});

describe('provisioned with BGP by the workflow itself, then torn down', () => {
  const dir = temporaryDirectory('bgp-provision-teardown');
  const stateFile = path.join(dir, 'state.json');
  let provisioned: LocalRunResult;
  let torn: LocalRunResult;
  beforeAll(async () => {
    provisioned = await runLocal({ request: bgpRequestDocument(), stateFile, outDir: path.join(dir, 'provision'), output: null });
    torn = await runLocal({ request: bgpRequestDocument(), teardown: true, stateFile, outDir: path.join(dir, 'teardown'), output: null });
  }, 300_000);

  it('leaves nothing of the environment: two customer gateways and VPN connections, four tunnels, two gateway IPs', () => {
    expect(provisioned.status).toBe('SUCCEEDED');
    const types = (run: LocalRunResult) => [...run.report!.resources.aws, ...run.report!.resources.azure].map((r) => r.type);
    const count = (list: string[], type: string) => list.filter((t) => t === type).length;
    const built = types(provisioned);
    expect([
      count(built, 'customer-gateway'),
      count(built, 'vpn-connection'),
      count(built, 'secret'),
      count(built, 'Microsoft.Network/connections'),
      count(built, 'Microsoft.Network/localNetworkGateways'),
      count(built, 'Microsoft.Network/publicIPAddresses'),
    ]).toEqual([2, 2, 4, 4, 4, 2]);
    expect([torn.status, torn.error, torn.failedState ?? null]).toEqual(['SUCCEEDED', null, null]);
    expect(torn.report!.resources).toEqual({ aws: [], azure: [] });
    expect((torn.output as TeardownSummary).removed).toHaveLength(42);
  });
});

describe('provisioned with BGP, torn down with a request that says static routing (the default request)', () => {
  const dir = temporaryDirectory('bgp-provision-static-teardown');
  const stateFile = path.join(dir, 'state.json');
  let torn: LocalRunResult;
  beforeAll(async () => {
    const provisioned = await runLocal({ request: bgpRequestDocument(), stateFile, outDir: path.join(dir, 'provision'), output: null });
    expect(provisioned.status).toBe('SUCCEEDED');
    const { routing: _routing, ...staticOptions } = (bgpRequestDocument() as any).options;
    torn = await runLocal({ request: { ...(bgpRequestDocument() as any), options: staticOptions }, teardown: true, stateFile, outDir: path.join(dir, 'teardown'), output: null });
  }, 300_000);

  it('still removes everything the BGP provisioning made: a teardown looks for every name of the environment, whatever its routing', () => {
    expect([torn.status, torn.error]).toEqual(['SUCCEEDED', null]);
    expect(torn.report!.resources).toEqual({ aws: [], azure: [] });
    expect((torn.output as TeardownSummary).removed).toHaveLength(42);
  });
});
