/**
 * Teardown on a hub (issue 11): two environments share one VNet's gateway, resolver, endpoint and zone. The
 * first one's teardown removes only what is its own (the AWS side, its local network gateways and connections,
 * its NSG rules) and keeps the hub for the second, which still proves its path without anything being built
 * again; the second one's teardown, the last on the hub, removes the hub too.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { hubResourceNames } from '../../functions/commons/hub';
import type { EnvironmentRequest } from '../../functions/commons/request/contract';
import type { TeardownSummary } from '../../functions/commons/teardown-data';
import { readWorld, stateFromWorld } from '../../local/cloud/world';
import { runLocal, type LocalRunResult } from '../../local/runner';
import { temporaryDirectory } from '../local-runner/support';

const ROOT = path.join(__dirname, '..', '..');
const FIRST = path.join(ROOT, 'events', 'new-environment.json');
const SECOND = path.join(__dirname, 'fixtures', 'hub-second-spoke.request.json');
const WORLD = path.join(ROOT, 'test', 'local-runner', 'fixtures', 'two-vpcs.world.json');
const first = JSON.parse(readFileSync(FIRST, 'utf8')) as EnvironmentRequest;
const second = JSON.parse(readFileSync(SECOND, 'utf8')) as EnvironmentRequest;

const HUB_TYPES = [
  'Microsoft.Network/virtualNetworkGateways',
  'Microsoft.Network/publicIPAddresses',
  'Microsoft.Network/privateEndpoints',
  'Microsoft.Network/dnsResolvers',
  'Microsoft.Network/dnsResolvers/inboundEndpoints',
  'Microsoft.Network/privateDnsZones',
  'Microsoft.Network/privateDnsZones/virtualNetworkLinks',
];

/** The names of the security rules in the NSGs the saved clouds hold. */
function securityRuleNames(stateFile: string): string[] {
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { azure: { resources: Record<string, { type: string; body: { properties?: { securityRules?: { name: string }[] } } }> } };
  return Object.values(state.azure.resources)
    .filter((resource) => resource.type === 'Microsoft.Network/networkSecurityGroups')
    .flatMap((resource) => (resource.body.properties?.securityRules ?? []).map((rule) => rule.name));
}

const azureIds = (run: LocalRunResult) => run.report!.resources.azure.map((r) => r.id.toLowerCase());
const writesOf = (run: LocalRunResult) => Object.keys(run.report!.apiCalls.azure).filter((call) => /^(PUT|DELETE|PATCH) /.test(call));

describe('teardown of one environment on a shared hub', () => {
  const outDir = temporaryDirectory('hub-teardown');
  const stateFile = path.join(outDir, 'state.json');
  const run = (requestFile: string, teardown = false) => runLocal({ requestFile, worldFile: WORLD, stateFile, outDir: path.join(outDir, `${path.basename(requestFile)}-${teardown}-${Date.now()}`), output: null, teardown });
  const runs: Record<string, LocalRunResult> = {};
  let rulesAfterFirstTeardown: string[] = [];

  beforeAll(async () => {
    runs.first = await run(FIRST);
    runs.second = await run(SECOND);
    runs.firstTeardown = await run(FIRST, true);
    rulesAfterFirstTeardown = securityRuleNames(stateFile);
    runs.secondAgain = await run(SECOND);
    runs.secondTeardown = await run(SECOND, true);
  }, 900_000);

  it('both environments are provisioned on the one hub, the second building no hub resource', () => {
    expect([runs.first.status, runs.second.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const hubWrites = writesOf(runs.second).filter((call) => HUB_TYPES.some((type) => call.endsWith(` ${type}`)));
    expect(hubWrites).toEqual([]);
  });

  it("the first environment's teardown keeps every hub resource for the second, and says so", () => {
    expect(runs.firstTeardown.status).toBe('SUCCEEDED');
    const summary = runs.firstTeardown.output as TeardownSummary;
    const hub = hubResourceNames(first);
    const kept = summary.kept.map((entry) => entry.id.toLowerCase());
    for (const id of [hub.vpnGateway.id, hub.publicIp.id, hub.privateEndpoint.id, hub.dnsResolver.id, hub.inboundEndpoint.id, hub.virtualNetworkLink.id]) {
      expect(kept).toContain(id.toLowerCase());
      expect(azureIds(runs.firstTeardown)).toContain(id.toLowerCase());
    }
    for (const entry of summary.kept) expect(entry.reason).toMatch(/spoke-b/);
    expect(summary.message).toMatch(/kept \d+ hub resources/);
  });

  it("it removes the first environment's own resources, and nothing of the second", () => {
    const removed = runs.firstTeardown.report!.removed!;
    const removedTypes = new Set(removed.map((entry) => entry.type));
    expect(removedTypes).toEqual(
      new Set([
        'customer-gateway', 'vpn-gateway', 'vpn-connection', 'security-group', 'secret', 'function',
        'resolver-endpoint', 'resolver-rule', 'resolver-rule-association',
        'Microsoft.Network/localNetworkGateways', 'Microsoft.Network/connections', 'Microsoft.Network/networkSecurityGroups/securityRules',
      ].filter((type) => removed.some((entry) => entry.type === type))),
    );
    expect(removed.some((entry) => HUB_TYPES.includes(entry.type))).toBe(false);
    expect(removed.filter((entry) => entry.type === 'Microsoft.Network/connections')).toHaveLength(2);
    // Rules are children the report's resource lists do not show: the summary names them, the NSGs lost them.
    const summary = runs.firstTeardown.output as TeardownSummary;
    const removedRules = summary.removed.filter((entry) => entry.type === 'Microsoft.Network/networkSecurityGroups/securityRules').map((entry) => entry.name);
    expect(removedRules.sort()).toEqual([`aoai-link-${first.environmentId}-dns-tcp`, `aoai-link-${first.environmentId}-dns-udp`, `aoai-link-${first.environmentId}-https`]);
    expect(rulesAfterFirstTeardown.sort()).toEqual([`aoai-link-${second.environmentId}-dns-tcp`, `aoai-link-${second.environmentId}-dns-udp`, `aoai-link-${second.environmentId}-https`]);
    expect(removed.map((entry) => entry.id).join(' ')).not.toMatch(/spoke-b/);
    const secondConnections = runs.firstTeardown.report!.resources.azure.filter((r) => r.type === 'Microsoft.Network/connections');
    expect(secondConnections.map((r) => r.tags?.environment)).toEqual(['spoke-b', 'spoke-b']);
  });

  it('the second environment still proves its path afterwards, with nothing built again', () => {
    expect(runs.secondAgain.status).toBe('SUCCEEDED');
    expect(runs.secondAgain.report!.probe).toMatchObject({ dns: { ok: true }, tcp: { ok: true }, api: { ok: true } });
    const rebuilt = writesOf(runs.secondAgain).filter((call) => call.startsWith('PUT ') && HUB_TYPES.some((type) => call.endsWith(` ${type}`)));
    expect(rebuilt).toEqual([]);
  });

  it("the last environment's teardown removes the hub too: nothing the product built is left", () => {
    expect(runs.secondTeardown.status).toBe('SUCCEEDED');
    const summary = runs.secondTeardown.output as TeardownSummary;
    expect(summary.kept).toEqual([]);
    const removedTypes = new Set(runs.secondTeardown.report!.removed!.map((entry) => entry.type));
    for (const type of HUB_TYPES) expect([type, removedTypes.has(type)]).toEqual([type, true]);
    const left = runs.secondTeardown.report!.resources;
    expect(left.azure.filter((r) => r.tags?.['managed-by'] === 'aoai-private-link')).toEqual([]);
    expect(left.aws.filter((r) => r.tags?.['managed-by'] === 'aoai-private-link')).toEqual([]);
  });
});

describe("teardown on another team's hub", () => {
  const WORLDS = path.join(ROOT, 'test', 'fixtures', 'worlds');
  const FOREIGN_WORLD = path.join(WORLDS, 'foreign-hub.json');
  const SPOKE_ONE = path.join(WORLDS, 'foreign-hub-spoke-1.json');
  const SPOKE_TWO = path.join(WORLDS, 'foreign-hub-spoke-2.json');
  const outDir = temporaryDirectory('foreign-hub-teardown');
  const stateFile = path.join(outDir, 'state.json');
  const run = (requestFile: string, teardown = false) =>
    runLocal({ requestFile, worldFile: FOREIGN_WORLD, stateFile, outDir: path.join(outDir, `${path.basename(requestFile)}-${teardown}-${Date.now()}`), output: null, teardown });
  const runs: Record<string, LocalRunResult> = {};
  type Resources = Record<string, { preExisting?: boolean; body: { etag?: string } }>;
  // Another team's resources, as the emulated cloud keeps them (etags aside: each write under them renews them).
  const foreign = (resources: Resources): Record<string, unknown> =>
    JSON.parse(
      JSON.stringify(
        Object.fromEntries(
          Object.entries(resources)
            // The OpenAI account is not the hub's: the request asks for its public access to be locked.
            .filter(([, resource]) => resource.preExisting && (resource as { type?: string }).type !== 'Microsoft.CognitiveServices/accounts')
            .map(([key, resource]) => [key, { ...resource, body: { ...resource.body, etag: undefined } }]),
        ),
      ),
    );
  const before = foreign(stateFromWorld(readWorld(FOREIGN_WORLD)).azure.resources as Resources);
  const foreignResources = () => foreign((JSON.parse(readFileSync(stateFile, 'utf8')) as { azure: { resources: Resources } }).azure.resources);

  beforeAll(async () => {
    runs.one = await run(SPOKE_ONE);
    runs.two = await run(SPOKE_TWO);
    runs.oneTeardown = await run(SPOKE_ONE, true);
    runs.twoAgain = await run(SPOKE_TWO);
    runs.twoTeardown = await run(SPOKE_TWO, true);
  }, 900_000);

  it("the first spoke's teardown keeps the endpoint it built for the second, and touches nothing of the platform team's", () => {
    expect([runs.one.status, runs.two.status, runs.oneTeardown.status]).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    const summary = runs.oneTeardown.output as TeardownSummary;
    expect(summary.kept.map((entry) => entry.type)).toContain('Microsoft.Network/privateEndpoints');
    const removed = runs.oneTeardown.report!.removed!;
    expect(removed.some((entry) => /vpngw-platform|dnspr-platform|rg-dns|nsg-pe$|nsg-dns$/i.test(entry.id))).toBe(false);
  });

  it('the second spoke still proves its path, and its teardown, the last, leaves the platform team its hub as it was', () => {
    expect(runs.twoAgain.status).toBe('SUCCEEDED');
    expect(runs.twoAgain.report!.probe).toMatchObject({ dns: { ok: true }, tcp: { ok: true }, api: { ok: true } });
    expect(runs.twoTeardown.status).toBe('SUCCEEDED');
    const left = runs.twoTeardown.report!.resources;
    expect(left.azure.filter((r) => r.tags?.['managed-by'] === 'aoai-private-link')).toEqual([]);
    expect(left.aws.filter((r) => r.tags?.['managed-by'] === 'aoai-private-link')).toEqual([]);
    const after = foreignResources();
    expect(Object.keys(before).length).toBeGreaterThan(5);
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    for (const key of Object.keys(before)) expect([key, after[key]]).toEqual([key, before[key]]);
  });
});
