/**
 * The teardown's Azure removals (functions/remove-azure) with the real ResourceManagementClient against the
 * emulated Azure: each removes ours and answers once it is gone, leaves a look-alike untouched, does nothing
 * for what is absent, converges after a lost answer, and waits (ResourceNotReady) while what uses a resource
 * still goes.
 */
import * as azure from '../../functions/azure-network/azure-network';
import * as removal from '../../functions/remove-azure/remove-azure';
import { isAzureDeletionRefusedWhileInUse } from '../../functions/commons/cloud-errors';
import { ResourceNotReady } from '../../functions/commons/errors';
import { armTags, resourceNames } from '../../functions/commons/naming';
import type { RemovalInput, RemovalOutcome } from '../../functions/commons/teardown-data';
import type { TestAzure } from '../local-azure/support';
import { endOperation, failureOf, stepInput, stored, withAzure } from '../workflow/azure-support';
import { provisionAzureSide, settle, untilReady, provisionedAzureNames } from './remove-azure-support';

const input = stepInput();
const request: RemovalInput['request'] = input.request;
const n = provisionedAzureNames(request);
const NET_API = '2024-05-01';

let env!: TestAzure;
afterEach(async () => {
  await env?.close();
  env = undefined as unknown as TestAzure;
});

/** The teardown's Azure removals in the order the state machine runs them (its three Azure branches one after the other). */
const TEARDOWN_ORDER: [string, string, (arm: TestAzure['client']) => Promise<RemovalOutcome>][] = [
  ['zone group', n.privateDnsZoneGroup.id, (arm) => removal.removeZoneGroup(arm, { request })],
  ['private endpoint', n.privateEndpoint.id, (arm) => removal.removePrivateEndpoint(arm, { request })],
  ['zone link', n.virtualNetworkLink.id, (arm) => removal.removeZoneLink(arm, { request })],
  ['zone', n.privateDnsZone.id, (arm) => removal.removeZone(arm, { request })],
  ['inbound endpoint', n.inboundEndpoint.id, (arm) => removal.removeInboundEndpoint(arm, { request })],
  ['resolver', n.dnsResolver.id, (arm) => removal.removeResolver(arm, { request })],
  ['private endpoint subnet', n.privateEndpointSubnet.id, (arm) => removal.removeSubnet(arm, { request, subnet: 'privateEndpoint' })],
  ['DNS subnet', n.dnsInboundSubnet.id, (arm) => removal.removeSubnet(arm, { request, subnet: 'dnsInbound' })],
  ['private endpoint NSG', n.privateEndpointNsg.id, (arm) => removal.removeNetworkSecurityGroup(arm, { request, nsg: 'privateEndpoint' })],
  ['DNS NSG', n.dnsInboundNsg.id, (arm) => removal.removeNetworkSecurityGroup(arm, { request, nsg: 'dnsInbound' })],
  ['connection 1', n.tunnels[0].connection.id, (arm) => removal.removeConnection(arm, { request, tunnel: 1 })],
  ['connection 2', n.tunnels[1].connection.id, (arm) => removal.removeConnection(arm, { request, tunnel: 2 })],
  ['local network gateway 1', n.tunnels[0].localNetworkGateway.id, (arm) => removal.removeLocalNetworkGateway(arm, { request, tunnel: 1 })],
  ['local network gateway 2', n.tunnels[1].localNetworkGateway.id, (arm) => removal.removeLocalNetworkGateway(arm, { request, tunnel: 2 })],
  ['VPN gateway', n.vpnGateway.id, (arm) => removal.removeVpnGateway(arm, { request })],
  ['public IP', n.publicIp.id, (arm) => removal.removePublicIp(arm, { request })],
  ['GatewaySubnet', n.gatewaySubnet.id, (arm) => removal.removeSubnet(arm, { request, subnet: 'gateway' })],
];

/** Every DELETE ARM was asked, by type. */
function deletes(azureEnv: TestAzure): Record<string, number> {
  return Object.fromEntries(Object.entries(azureEnv.ctx.recorder.apiCalls.azure).filter(([call]) => call.startsWith('DELETE ')));
}

function deleteCount(azureEnv: TestAzure): number {
  return Object.values(deletes(azureEnv)).reduce((a, b) => a + b, 0);
}

/** How many deletions ARM started for this resource. */
function deletionsStarted(azureEnv: TestAzure, id: string): number {
  return azureEnv.ctx.recorder.operations.filter((op) => op.operation === 'delete' && op.resource.toLowerCase() === id.toLowerCase()).length;
}

/** The world's own resources (the VNet, the account, whatever the hub already had), as stored. */
function worldResources(azureEnv: TestAzure): string {
  return JSON.stringify(
    Object.values(azureEnv.ctx.state.azure.resources)
      .filter((r) => r.preExisting)
      .map((r) => [r.id, r.body.tags, r.body.properties?.addressSpace, r.body.properties?.publicNetworkAccess])
      .sort(),
  );
}

/** Runs the whole teardown order, each step until it answers, as the state machine's Retry would. */
async function tearDown(azureEnv: TestAzure): Promise<Record<string, RemovalOutcome>> {
  const outcomes: Record<string, RemovalOutcome> = {};
  for (const [label, , remove] of TEARDOWN_ORDER) outcomes[label] = (await untilReady(azureEnv, () => remove(azureEnv.client))).result;
  return outcomes;
}

describe('removing the environment', () => {
  it('removes every Azure resource of the environment in the teardown order, keeps the world, and a second teardown is a no-op', async () => {
    env = await withAzure();
    await provisionAzureSide(env, input);
    const world = worldResources(env);
    for (const [label, id] of TEARDOWN_ORDER) expect({ label, exists: stored(env, id) !== undefined }).toEqual({ label, exists: true });

    const outcomes = await tearDown(env);
    await settle(env);
    for (const [label, id] of TEARDOWN_ORDER) {
      expect({ label, outcome: outcomes[label].outcome }).toEqual({ label, outcome: expect.stringMatching(/^(removed|absent)$/) });
      expect({ label, exists: stored(env, id) !== undefined }).toEqual({ label, exists: false });
      expect({ label, deletions: deletionsStarted(env, id) }).toEqual({ label, deletions: label === 'zone group' || label === 'private endpoint' ? expect.any(Number) : 1 });
    }
    // The endpoint's NIC and the zone group's A record went with them; nothing of the environment is left.
    const left = Object.values(env.ctx.state.azure.resources).filter((r) => !r.preExisting);
    expect(left.map((r) => r.id)).toEqual([]);
    expect(worldResources(env)).toBe(world);

    const before = deleteCount(env);
    const again = await tearDown(env);
    for (const [label] of TEARDOWN_ORDER) expect({ label, outcome: again[label] }).toEqual({ label, outcome: { outcome: 'absent' } });
    expect(deleteCount(env)).toBe(before);
  });

  it('a deletion in progress is waited for, not started again; the answer comes once the resource is gone', async () => {
    env = await withAzure();
    await provisionAzureSide(env, input);
    await untilReady(env, () => removal.removeZoneGroup(env.client, { request }));
    const first = await failureOf(removal.removePrivateEndpoint(env.client, { request }));
    expect(first).toBeInstanceOf(ResourceNotReady);
    expect(stored(env, n.privateEndpoint.id)).toBeDefined();
    const second = await failureOf(removal.removePrivateEndpoint(env.client, { request }));
    expect(second).toBeInstanceOf(ResourceNotReady);
    expect(second.message).toMatch(/is being deleted/);
    expect(deletes(env)['DELETE Microsoft.Network/privateEndpoints']).toBe(1);
    await settle(env);
    expect(await removal.removePrivateEndpoint(env.client, { request })).toEqual({ outcome: 'absent' });
    expect(deletes(env)['DELETE Microsoft.Network/privateEndpoints']).toBe(1);
  });

  it('a resource whose last write failed (or whose deletion failed) is deleted from its Failed state', async () => {
    env = await withAzure();
    await provisionAzureSide(env, input);
    for (const connection of n.tunnels) await untilReady(env, () => removal.removeConnection(env.client, { request, tunnel: connection.tunnel }));
    endOperation(env, n.tunnels[0].localNetworkGateway.id, 'Failed');
    const { result } = await untilReady(env, () => removal.removeLocalNetworkGateway(env.client, { request, tunnel: 1 }));
    expect(result.outcome).toMatch(/^(removed|absent)$/);
    expect(stored(env, n.tunnels[0].localNetworkGateway.id)).toBeUndefined();
  });
});

describe('nothing there', () => {
  it('every removal of an environment that never existed answers absent and sends no DELETE', async () => {
    env = await withAzure();
    const outcomes = await tearDown(env);
    for (const [label] of TEARDOWN_ORDER) expect({ label, outcome: outcomes[label] }).toEqual({ label, outcome: { outcome: 'absent' } });
    expect(deletes(env)).toEqual({});
  });
});

describe('look-alikes: our names without our tags', () => {
  const FOREIGN = { team: 'network-hub' };
  const OTHER_ENVIRONMENT = armTags('aoai-other-02');

  async function put(id: string, body: unknown, apiVersion = NET_API): Promise<void> {
    const response = await env.send('PUT', id, apiVersion, body);
    expect(response.status).toBeLessThan(300);
    await settle(env);
  }

  it('are left as they are, with the reason, and no DELETE is sent', async () => {
    env = await withAzure();
    const vnet = resourceNames(request).azure.virtualNetwork.id;
    await put(n.publicIp.id, { location: 'japaneast', tags: FOREIGN, sku: { name: 'Standard' }, zones: ['1'], properties: { publicIPAllocationMethod: 'Static' } });
    await put(n.dnsInboundNsg.id, { location: 'japaneast', tags: OTHER_ENVIRONMENT, properties: { securityRules: [] } });
    await put(n.tunnels[0].localNetworkGateway.id, {
      location: 'japaneast',
      properties: { gatewayIpAddress: '198.51.100.7', localNetworkAddressSpace: { addressPrefixes: ['10.9.0.0/16'] } },
    });
    await put(n.dnsResolver.id, { location: 'japaneast', tags: OTHER_ENVIRONMENT, properties: { virtualNetwork: { id: vnet } } }, '2022-07-01');
    await put(n.privateDnsZone.id, { location: 'global', tags: FOREIGN, properties: {} }, '2024-06-01');
    // A team's NSG on a subnet with our name and prefix: the subnet is theirs.
    const teamNsg = `${n.resourceGroupId}/providers/Microsoft.Network/networkSecurityGroups/nsg-team`;
    await put(teamNsg, { location: 'japaneast', tags: FOREIGN, properties: { securityRules: [] } });
    await put(n.privateEndpointSubnet.id, { properties: { addressPrefix: request.azure.privateEndpointSubnetPrefix, networkSecurityGroup: { id: teamNsg } } });
    // A GatewaySubnet with another prefix than the request's: not the one provisioning made.
    await put(n.gatewaySubnet.id, { properties: { addressPrefix: '192.168.254.0/27' } });

    const snapshot = JSON.stringify(env.ctx.state.azure.resources);
    const expected: [string, () => Promise<RemovalOutcome>, RegExp][] = [
      ['public IP', () => removal.removePublicIp(env.client, { request }), /lacks the tag managed-by=aoai-private-link/],
      ['DNS NSG', () => removal.removeNetworkSecurityGroup(env.client, { request, nsg: 'dnsInbound' }), /carries our name for the hub but not the hub tag/],
      ['local network gateway 1', () => removal.removeLocalNetworkGateway(env.client, { request, tunnel: 1 }), /lacks the tag managed-by/],
      ['resolver', () => removal.removeResolver(env.client, { request }), /carries our name for the hub but not the hub tag/],
      ['zone', () => removal.removeZone(env.client, { request }), /this product did not create it/],
      ['private endpoint subnet', () => removal.removeSubnet(env.client, { request, subnet: 'privateEndpoint' }), /network security group is nsg-team/],
      ['GatewaySubnet', () => removal.removeSubnet(env.client, { request, subnet: 'gateway' }), /prefix is 192\.168\.254\.0\/27/],
    ];
    for (const [label, remove, reason] of expected) {
      const outcome = await remove();
      expect({ label, outcome }).toEqual({ label, outcome: { outcome: 'left', id: expect.any(String), reason: expect.stringMatching(reason) } });
    }
    expect(deletes(env)).toEqual({});
    expect(JSON.stringify(env.ctx.state.azure.resources)).toBe(snapshot);
  });

  it('a GatewaySubnet someone gave a network security group is theirs even with the request prefix', async () => {
    env = await withAzure();
    const teamNsg = `${n.resourceGroupId}/providers/Microsoft.Network/networkSecurityGroups/nsg-team`;
    await put(teamNsg, { location: 'japaneast', tags: FOREIGN, properties: { securityRules: [] } });
    await put(n.gatewaySubnet.id, { properties: { addressPrefix: request.azure.gatewaySubnetPrefix, networkSecurityGroup: { id: teamNsg } } });
    const outcome = await removal.removeSubnet(env.client, { request, subnet: 'gateway' });
    expect(outcome).toEqual({ outcome: 'left', id: expect.any(String), reason: expect.stringMatching(/has a network security group/) });
    expect(stored(env, n.gatewaySubnet.id)).toBeDefined();
    expect(deletes(env)).toEqual({});
  });

  it('the zone group of a private endpoint that is not ours is left', async () => {
    env = await withAzure();
    await provisionAzureSide(env, input);
    stored(env, n.privateEndpoint.id)!.body.tags = { ...FOREIGN };
    const outcome = await removal.removeZoneGroup(env.client, { request });
    expect(outcome).toEqual({ outcome: 'left', id: expect.any(String), reason: expect.stringMatching(/private endpoint pe-vnet-hub-aoai-prod, which stays \(it lacks the tag managed-by=aoai-private-link/) });
    expect(stored(env, n.privateDnsZoneGroup.id)).toBeDefined();
    expect(deletes(env)).toEqual({});
  });
});

describe('the shared private DNS zone', () => {
  /** Our zone group, endpoint and link removed: only the zone is left to decide. */
  async function downToTheZone(): Promise<void> {
    env = await withAzure();
    await provisionAzureSide(env, input);
    for (const [label, , remove] of TEARDOWN_ORDER.slice(0, 3)) await untilReady(env, () => remove(env.client)).catch((e) => Promise.reject(new Error(`${label}: ${e}`)));
  }

  it('stays while another environment still links it to its VNet', async () => {
    await downToTheZone();
    const otherVnet = `${n.resourceGroupId}/providers/Microsoft.Network/virtualNetworks/vnet-spoke`;
    await env.send('PUT', otherVnet, NET_API, { location: 'japaneast', properties: { addressSpace: { addressPrefixes: ['10.50.0.0/16'] } } });
    await settle(env);
    const link = await env.send('PUT', `${n.privateDnsZone.id}/virtualNetworkLinks/link-aoai-other-02`, '2024-06-01', {
      location: 'global',
      tags: armTags('aoai-other-02'),
      properties: { virtualNetwork: { id: otherVnet }, registrationEnabled: false },
    });
    expect(link.status).toBeLessThan(300);
    await settle(env);
    const outcome = await removal.removeZone(env.client, { request });
    expect(outcome).toEqual({ outcome: 'left', id: expect.any(String), reason: expect.stringMatching(/still linked to 1 other virtual network \(link-aoai-other-02\)/) });
    expect(stored(env, n.privateDnsZone.id)).toBeDefined();
    expect(deletes(env)['DELETE Microsoft.Network/privateDnsZones']).toBeUndefined();
  });

  it('stays while it holds a record that is not ours', async () => {
    await downToTheZone();
    const record = await env.send('PUT', `${n.privateDnsZone.id}/A/aoai-other`, '2024-06-01', { properties: { ttl: 10, aRecords: [{ ipv4Address: '192.168.9.4' }] } });
    expect(record.status).toBeLessThan(300);
    const outcome = await removal.removeZone(env.client, { request });
    expect(outcome).toEqual({ outcome: 'left', id: expect.any(String), reason: expect.stringMatching(/holds 1 record set besides its SOA record/) });
    expect(stored(env, n.privateDnsZone.id)).toBeDefined();
  });

  it('waits while our own VNet link is still going', async () => {
    env = await withAzure();
    await provisionAzureSide(env, input);
    const error = await failureOf(removal.removeZone(env.client, { request }));
    expect(error).toBeInstanceOf(ResourceNotReady);
    expect(error.message).toMatch(/our VNet link link-vnet-hub is still being removed/);
    expect(deletes(env)['DELETE Microsoft.Network/privateDnsZones']).toBeUndefined();
  });

  it('a zone the request names as a shared hub resource is never deleted', async () => {
    await downToTheZone();
    const sharing = { ...request, azure: { ...request.azure, privateDnsZoneId: n.privateDnsZone.id } } as RemovalInput['request'];
    const outcome = await removal.removeZone(env.client, { request: sharing });
    expect(outcome).toEqual({ outcome: 'left', id: expect.any(String), reason: expect.stringMatching(/shared hub resource/) });
    expect(stored(env, n.privateDnsZone.id)).toBeDefined();
  });
});

describe('a lost answer: the DELETE was done, its answer never arrived', () => {
  it.each([
    'DELETE Microsoft.Network/privateEndpoints',
    'DELETE Microsoft.Network/virtualNetworkGateways',
    'DELETE Microsoft.Network/connections',
    'DELETE Microsoft.Network/publicIPAddresses',
    'DELETE Microsoft.Network/virtualNetworks/subnets',
    'DELETE Microsoft.Network/privateDnsZones',
    'DELETE Microsoft.Network/dnsResolvers',
  ])('%s: the teardown converges, with one deletion per resource', async (call) => {
    env = await withAzure(`drop-response:${call}`);
    await provisionAzureSide(env, input);
    const drops = jest.spyOn(env.ctx.faults, 'dropAfterCommit');
    await tearDown(env);
    await settle(env);
    expect(Object.values(env.ctx.state.azure.resources).filter((r) => !r.preExisting).map((r) => r.id)).toEqual([]);
    for (const [label, id] of TEARDOWN_ORDER.slice(2)) expect({ label, deletions: deletionsStarted(env, id) }).toEqual({ label, deletions: 1 });
    // The fault fired: a DELETE of that type was done and its connection dropped.
    expect(drops.mock.calls.filter((args, i) => args[0] === call && drops.mock.results[i].value === true)).toHaveLength(1);
  });
});

describe('order refusals: what still uses a resource is still there', () => {
  it.each<[string, string, (arm: TestAzure['client']) => Promise<RemovalOutcome>]>([
    ['the VPN gateway while its connections are there', n.vpnGateway.id, (arm) => removal.removeVpnGateway(arm, { request })],
    ["tunnel 1's local network gateway while its connection is there", n.tunnels[0].localNetworkGateway.id, (arm) => removal.removeLocalNetworkGateway(arm, { request, tunnel: 1 })],
    ['the public IP while the gateway is there', n.publicIp.id, (arm) => removal.removePublicIp(arm, { request })],
    ['the private endpoint subnet while the endpoint is there', n.privateEndpointSubnet.id, (arm) => removal.removeSubnet(arm, { request, subnet: 'privateEndpoint' })],
    ['the GatewaySubnet while the gateway is there', n.gatewaySubnet.id, (arm) => removal.removeSubnet(arm, { request, subnet: 'gateway' })],
    ["the endpoint subnet's NSG while the subnet is there", n.privateEndpointNsg.id, (arm) => removal.removeNetworkSecurityGroup(arm, { request, nsg: 'privateEndpoint' })],
    ['the resolver while its inbound endpoint is there', n.dnsResolver.id, (arm) => removal.removeResolver(arm, { request })],
  ])('%s: ResourceNotReady, and the resource is unchanged', async (_label, id, remove) => {
    env = await withAzure();
    await provisionAzureSide(env, input);
    const before = JSON.stringify(stored(env, id));
    const error = await failureOf(remove(env.client));
    expect(error).toBeInstanceOf(ResourceNotReady);
    expect(error.message).toMatch(/cannot be deleted yet: ARM answered (InUse\w+CannotBeDeleted|PublicIPAddressCannotBeDeleted|CannotDeleteResource) \(HTTP 4\d\d\)/);
    expect(JSON.stringify(stored(env, id))).toBe(before);
  });

  it('are classified by code and HTTP status, never by the words of the message', () => {
    const error = (code: string, statusCode: number, message = 'in use') => Object.assign(new Error(message), { code, statusCode });
    expect(isAzureDeletionRefusedWhileInUse(error('InUseSubnetCannotBeDeleted', 400))).toBe(true);
    expect(isAzureDeletionRefusedWhileInUse(error('InUseVirtualNetworkGatewayCannotBeDeleted', 400))).toBe(true);
    expect(isAzureDeletionRefusedWhileInUse(error('PublicIPAddressCannotBeDeleted', 400))).toBe(true);
    expect(isAzureDeletionRefusedWhileInUse(error('CannotDeleteResource', 409))).toBe(true);
    expect(isAzureDeletionRefusedWhileInUse(error('AnotherOperationInProgress', 409))).toBe(true);
    // The same codes with another status, or another code whose message says "in use", are not a wait.
    expect(isAzureDeletionRefusedWhileInUse(error('InUseSubnetCannotBeDeleted', 500))).toBe(false);
    expect(isAzureDeletionRefusedWhileInUse(error('CannotDeleteResource', 400))).toBe(false);
    expect(isAzureDeletionRefusedWhileInUse(error('AuthorizationFailed', 403, 'InUseSubnetCannotBeDeleted: subnet is in use'))).toBe(false);
    expect(isAzureDeletionRefusedWhileInUse(error('InvalidRequestFormat', 400, 'the resource is in use and cannot be deleted'))).toBe(false);
  });
});


describe('ours, but used by something that is not', () => {
  it("our NSG attached to someone else's subnet is left, not waited on", async () => {
    env = await withAzure();
    await azure.createNetworkSecurityGroups(env.client, input);
    await settle(env);
    const teamSubnet = `${n.virtualNetwork.id}/subnets/snet-team`;
    const subnet = await env.send('PUT', teamSubnet, NET_API, { properties: { addressPrefix: '192.168.77.0/28', networkSecurityGroup: { id: n.dnsInboundNsg.id } } });
    expect(subnet.status).toBeLessThan(300);
    await settle(env);
    const outcome = await removal.removeNetworkSecurityGroup(env.client, { request, nsg: 'dnsInbound' });
    expect(outcome).toEqual({ outcome: 'left', id: expect.any(String), reason: expect.stringMatching(/still attached to .*snet-team, which is not this environment's/) });
    expect(deletes(env)).toEqual({});
  });
});
