/**
 * A hub another team built (test/fixtures/worlds/foreign-hub.json: their gateway, resolver, subnets with their
 * NSGs, and the landing zone's central privatelink zone in another subscription), in local mode. Spoke one
 * adopts all of it and builds only the private endpoint the hub lacks; spoke two uses that endpoint; both
 * prove their paths; the other team's resources are left exactly as they were, apart from the environments'
 * own child rules in their NSGs. An endpoint that is not ours, whose record the zone lacks, gets its A record
 * written, and the probe's DNS answer comes out right.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ArmResource, CloudState } from '../../local/cloud/state';
import { readWorld, stateFromWorld } from '../../local/cloud/world';
import { runLocalRequests } from '../../local/runner';
import { azureWrites, FOREIGN_HUB, FOREIGN_SPOKE, hubCriticalPath, PROVEN_PROBE } from './hub-support';
import { run, type Run } from './support';

const spoke = (n: 1 | 2) => JSON.parse(readFileSync(FOREIGN_SPOKE(n), 'utf8'));
const ADOPTED = ['gatewaySubnet', 'publicIp', 'vpnGateway', 'privateEndpointNsg', 'privateEndpointSubnet', 'dnsInboundNsg', 'dnsResolverSubnet', 'privateDnsZone', 'virtualNetworkLink', 'dnsResolver', 'inboundEndpoint'];

/** The other team's resources as the world made them: every world resource but the OpenAI account (whose lock the request asks for). */
function foreignResources(state: CloudState): Record<string, ArmResource> {
  return Object.fromEntries(Object.entries(state.azure.resources).filter(([, r]) => r.preExisting && r.type !== 'Microsoft.CognitiveServices/accounts'));
}

/** An NSG without the environments' own rules and the etag their writes changed: what its owners wrote. */
function withoutOurRules(resource: ArmResource | undefined): unknown {
  if (!resource || resource.type !== 'Microsoft.Network/networkSecurityGroups') return resource;
  const { etag: _etag, ...body } = resource.body as any;
  return { ...resource, body: { ...body, properties: { ...body.properties, securityRules: body.properties.securityRules.filter((r: any) => !/^aoai-link-spoke-/.test(r.name)) } } };
}

describe('two spokes on a hub another team built', () => {
  const before = foreignResources(stateFromWorld(readWorld(FOREIGN_HUB)));
  let one: Run;
  let two: Run;

  beforeAll(async () => {
    one = await run({ worldFile: FOREIGN_HUB, request: spoke(1) });
    two = await run({ worldFile: FOREIGN_HUB, stateFile: one.stateFile, request: spoke(2) });
  }, 600_000);

  it('both succeed and prove their paths', () => {
    expect([one.result.status, one.result.error, two.result.status, two.result.error]).toEqual(['SUCCEEDED', null, 'SUCCEEDED', null]);
    expect(one.result.report!.probe).toMatchObject(PROVEN_PROBE);
    expect(two.result.report!.probe).toMatchObject(PROVEN_PROBE);
  });

  it('spoke two, on the ready hub, finishes within 5% of its own critical path', () => {
    const report = two.result.report!;
    const critical = hubCriticalPath(report, two.result.output);
    expect(report.simulatedSeconds).toBeGreaterThanOrEqual(critical.seconds);
    expect(report.simulatedSeconds).toBeLessThanOrEqual(critical.seconds * 1.05);
  });

  it('spoke one adopts the hub and creates the endpoint it lacks; spoke two uses that endpoint', () => {
    const actions = (r: Run) => Object.fromEntries(Object.entries((r.result.output as any).hub).map(([key, v]: any) => [key, `${v.action} ${v.name}`]));
    const hubOne = actions(one);
    const hubTwo = actions(two);
    for (const key of ADOPTED) {
      expect([key, hubOne[key]]).toEqual([key, expect.stringMatching(/^adopted /)]);
      expect([key, hubTwo[key]]).toEqual([key, hubOne[key]]);
    }
    expect(hubOne.vpnGateway).toBe('adopted vpngw-platform');
    expect(hubOne.inboundEndpoint).toBe('adopted in-platform');
    expect(hubOne.privateEndpoint).toBe('created pe-vnet-hub-aoai-prod');
    expect(hubTwo.privateEndpoint).toBe('used pe-vnet-hub-aoai-prod');
    // Spoke two writes only its own: its tunnels and its rules.
    expect(azureWrites(two.result.report!)).toEqual(['PUT Microsoft.Network/connections', 'PUT Microsoft.Network/localNetworkGateways', 'PUT Microsoft.Network/networkSecurityGroups/securityRules']);
  });

  it("the other team's resources are unchanged, byte for byte, but for each spoke's own rules in their NSGs", () => {
    const after = foreignResources(two.state());
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    for (const id of Object.keys(before)) expect({ id, resource: withoutOurRules(after[id]) }).toEqual({ id, resource: withoutOurRules(before[id]) });
    // The NSGs hold exactly the spokes' rules beside theirs.
    const rules = (name: string) =>
      Object.values(after)
        .find((r) => r.name === name)!
        .body.properties.securityRules.map((r: any) => r.name)
        .sort();
    expect(rules('nsg-pe')).toEqual(['aoai-link-spoke-one-https', 'aoai-link-spoke-two-https']);
    expect(rules('nsg-dns')).toEqual(['aoai-link-spoke-one-dns-tcp', 'aoai-link-spoke-one-dns-udp', 'aoai-link-spoke-two-dns-tcp', 'aoai-link-spoke-two-dns-udp']);
  });

  it('an endpoint that is not ours, whose record the zone lacks, gets its A record, and the probe resolves it', async () => {
    // The endpoint spoke one built becomes another team's, without a zone group, and the zone loses its record.
    const state: CloudState = JSON.parse(readFileSync(one.stateFile, 'utf8'));
    const resources = state.azure.resources;
    const endpoint = Object.values(resources).find((r) => r.type === 'Microsoft.Network/privateEndpoints')!;
    endpoint.body.tags = { owner: 'platform-team' };
    for (const [key, r] of Object.entries(resources)) {
      if (['Microsoft.Network/privateEndpoints/privateDnsZoneGroups', 'Microsoft.Network/privateDnsZones/A'].includes(r.type)) delete resources[key];
    }
    const stateFile = path.join(one.dir, 'foreign-endpoint.json');
    writeFileSync(stateFile, JSON.stringify(state));
    const adopted = await run({ worldFile: FOREIGN_HUB, stateFile, request: spoke(2) });
    expect([adopted.result.status, adopted.result.error]).toEqual(['SUCCEEDED', null]);
    expect((adopted.result.output as any).hub.privateEndpoint).toMatchObject({ action: 'adopted', name: 'pe-vnet-hub-aoai-prod' });
    expect(azureWrites(adopted.result.report!)).toContain('PUT Microsoft.Network/privateDnsZones/A');
    const record = Object.values(adopted.state().azure.resources).find((r) => r.type === 'Microsoft.Network/privateDnsZones/A')!;
    expect(record.id.toLowerCase()).toBe('/subscriptions/22222222-3333-4444-5555-666666666666/resourcegroups/rg-dns/providers/microsoft.network/privatednszones/privatelink.openai.azure.com/a/aoai-prod');
    expect(record.body.properties.aRecords).toEqual([{ ipv4Address: '192.168.1.4' }]);
    expect(adopted.result.report!.probe).toMatchObject(PROVEN_PROBE);
    // The endpoint itself is not written.
    expect(azureWrites(adopted.result.report!)).not.toContain('PUT Microsoft.Network/privateEndpoints');
  });
});

describe("two spokes started together on a hub another team built", () => {
  let result: Awaited<ReturnType<typeof runLocalRequests>>;

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'foreign-hub-together-'));
    result = await runLocalRequests({ requestFiles: [FOREIGN_SPOKE(1), FOREIGN_SPOKE(2)], worldFile: FOREIGN_HUB, stateFile: path.join(dir, 'state.json'), outDir: path.join(dir, 'out'), output: null });
  }, 600_000);

  it('both succeed and prove their paths, through the one endpoint the first to get there built', () => {
    expect(result.runs.map((r) => [r.status, r.error])).toEqual([
      ['SUCCEEDED', null],
      ['SUCCEEDED', null],
    ]);
    for (const r of result.runs) expect(r.report!.probe).toMatchObject(PROVEN_PROBE);
    const endpoints = result.runs[0].report!.resources.azure.filter((resource) => resource.type === 'Microsoft.Network/privateEndpoints');
    expect(endpoints.map((resource) => resource.id.split('/').pop())).toEqual(['pe-vnet-hub-aoai-prod']);
  });

});
