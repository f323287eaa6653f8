/**
 * The teardown's first step on the real SDK clients against the emulated clouds, loaded with what a real
 * provisioning run left: everything the environment created is found as ours, a look-alike is listed as left
 * with why, nothing is written, and a bad request is refused with every problem before anything is removed.
 */
import { takeInventory } from '../../functions/teardown-inventory/inventory';
import type { CloudState } from '../../local/cloud/state';
import { TAG_HUB } from '../../functions/commons/hub';
import { TAG_MANAGED_BY } from '../../functions/commons/naming';
import { DEFAULT_REQUEST, request, run } from '../workflow/support';
import { problemsOf, startValidatorClouds, type ValidatorClouds } from '../workflow/validate-support';

const ENV = DEFAULT_REQUEST.environmentId as string;
let provisioned: CloudState;
let reportResources: { type: string; id: string }[];
let clouds: ValidatorClouds;

/** The emulators' state objects take the provisioned clouds' contents (the listeners keep their references). */
function load(state: CloudState): void {
  const copy: CloudState = JSON.parse(JSON.stringify(state));
  for (const cloud of ['aws', 'azure'] as const) {
    const target = clouds.ctx.state[cloud] as unknown as Record<string, unknown>;
    for (const key of Object.keys(target)) delete target[key];
    Object.assign(target, copy[cloud]);
  }
}

const inventory = (document: unknown = DEFAULT_REQUEST) => takeInventory(document, clouds.clients, { deploymentRegion: 'ap-northeast-1' });

beforeAll(async () => {
  const provisioning = await run();
  expect(provisioning.result.status).toBe('SUCCEEDED');
  provisioned = provisioning.state();
  const report = JSON.parse(provisioning.reportText());
  reportResources = [...report.resources.aws, ...report.resources.azure];
  clouds = await startValidatorClouds();
}, 120_000);

afterAll(async () => {
  await clouds?.close();
});

beforeEach(() => load(provisioned));

test('after provisioning, every resource the environment created is found as ours, and nothing as left', async () => {
  const mark = clouds.mark();
  const { inventory: found } = await inventory();
  expect(clouds.writesSince(mark)).toEqual([]);
  expect(found.foreign).toEqual([]);
  expect(found.nothingToRemove).toBe(false);
  expect(found.restorePublicNetworkAccess).toBe(false);
  const types = found.ours.map((entry) => entry.type).sort();
  expect(types).toEqual(
    [
      'customer-gateway',
      'vpn-gateway',
      'vpn-connection',
      'security-group',
      'security-group',
      'secret',
      'secret',
      'resolver-endpoint',
      'resolver-rule',
      'resolver-rule-association',
      'function',
      'Microsoft.Network/publicIPAddresses',
      'Microsoft.Network/virtualNetworkGateways',
      'Microsoft.Network/localNetworkGateways',
      'Microsoft.Network/localNetworkGateways',
      'Microsoft.Network/connections',
      'Microsoft.Network/connections',
      'Microsoft.Network/networkSecurityGroups',
      'Microsoft.Network/networkSecurityGroups',
      'Microsoft.Network/privateEndpoints',
      'Microsoft.Network/privateDnsZones',
      'Microsoft.Network/privateDnsZones/virtualNetworkLinks',
      'Microsoft.Network/dnsResolvers',
      'Microsoft.Network/dnsResolvers/inboundEndpoints',
      'Microsoft.Network/virtualNetworks/subnets',
      'Microsoft.Network/virtualNetworks/subnets',
      'Microsoft.Network/virtualNetworks/subnets',
      'Microsoft.Network/networkInterfaces',
      'Microsoft.Network/privateEndpoints/privateDnsZoneGroups',
      'Microsoft.Network/privateDnsZones/A',
      'Microsoft.Network/networkSecurityGroups/securityRules',
      'Microsoft.Network/networkSecurityGroups/securityRules',
      'Microsoft.Network/networkSecurityGroups/securityRules',
    ].sort(),
  );
  // What was found is exactly what the provisioning run reported (ids as the clouds give them); the report's
  // lists do not show NSG rules, which are children of the NSG.
  const RULE = 'Microsoft.Network/networkSecurityGroups/securityRules';
  expect(found.ours.filter((entry) => entry.type !== RULE).map((entry) => entry.id.toLowerCase()).sort()).toEqual(reportResources.map((r) => r.id.toLowerCase()).sort());
});

test("a look-alike without our tags, and a hub resource that lost the hub tag, are listed as left with why", async () => {
  const state: CloudState = JSON.parse(JSON.stringify(provisioned));
  const probeGroup = state.aws.securityGroups.find((g) => g.GroupName === `aoai-link-${ENV}-probe`)!;
  probeGroup.Tags = [{ Key: 'Name', Value: probeGroup.GroupName! }];
  const nsg = Object.values(state.azure.resources).find((r) => r.id.endsWith('/networkSecurityGroups/nsg-vnet-hub-dns-inbound'))!;
  nsg.body.tags = Object.fromEntries(Object.entries(nsg.body.tags ?? {}).filter(([key]) => key !== TAG_HUB));
  load(state);
  const { inventory: found } = await inventory();
  expect(found.foreign).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ cloud: 'aws', type: 'security-group', id: probeGroup.GroupId, reason: expect.stringContaining(`lacks the tag ${TAG_MANAGED_BY}`) }),
      expect.objectContaining({ cloud: 'azure', type: 'Microsoft.Network/networkSecurityGroups', reason: expect.stringContaining('not the hub tag') }),
      // The DNS subnet is ours only through its NSG, so it is left with it.
      expect.objectContaining({ cloud: 'azure', type: 'Microsoft.Network/virtualNetworks/subnets', name: expect.stringMatching(/dns/i) }),
    ]),
  );
  expect(found.foreign).toHaveLength(3);
  expect(found.ours.map((entry) => entry.id)).not.toContain(probeGroup.GroupId);
});

test('an environment that was never provisioned has nothing to remove', async () => {
  clouds.reset();
  const { inventory: found } = await inventory();
  expect(found).toMatchObject({ environmentId: ENV, ours: [], foreign: [], nothingToRemove: true });
});

test('the request asks for the public access back: the first step passes that on', async () => {
  const { inventory: found } = await inventory(request((r) => (r.options = { ...r.options, publicNetworkAccessOnTeardown: 'restore' })));
  expect(found.restorePublicNetworkAccess).toBe(true);
});

test('a bad request is refused with every problem by field path, before anything is read', async () => {
  const mark = clouds.mark();
  const error = await inventory(
    request((r) => {
      r.environmentId = 'Bad_Id';
      r.azure.subscriptionId = 'not-a-guid';
      r.options = { publicNetworkAccessOnTeardown: 'wipe' };
    }),
  ).catch((e: unknown) => e);
  expect(error).toMatchObject({ name: 'RequestRefused' });
  expect(problemsOf(error).map((p) => p.path).sort()).toEqual(['azure.subscriptionId', 'environmentId', 'options.publicNetworkAccessOnTeardown']);
  expect(clouds.mark()).toEqual(mark);
});

test('a request for another region than the deployment is refused', async () => {
  const error = await inventory(request((r) => (r.aws.region = 'us-east-1'))).catch((e: unknown) => e);
  expect(error).toMatchObject({ name: 'RequestRefused' });
  expect(problemsOf(error).map((p) => p.path)).toEqual(['aws.region']);
});
