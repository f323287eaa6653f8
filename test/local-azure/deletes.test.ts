/**
 * ARM deletions as the real types do them: long-running (202, Deleting, then 404) on the simulated clock,
 * refused while something still uses the resource, one connection operation at a time per gateway, and the
 * faults (lost answer, 5xx, accepted-then-failed) applied to deletes too. Through the real @azure/arm-resources
 * client and its pipeline.
 */
import { createPipelineRequest, RestError } from '@azure/core-rest-pipeline';
import { Latencies } from '../../local/latency';
import { seededDraw } from '../../local/faults';
import { NetworkModel } from '../../local/network/model';
import { AzureView } from '../../local/network/azure-view';
import { builtState, ids as built } from '../local-network/fixtures';
import { ACCOUNT, advanceToReady, bodies, createAndWait, DNS_API, gatewayPrerequisites, getById, ids, NET, NETWORK_API, restError, startTestAzure, VNET, type TestAzure } from './support';

let env: TestAzure | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

const RESOLVER_API = '2022-07-01';
const lng2 = `${NET}/localNetworkGateways/lng-aws-t2`;
const connection2 = `${NET}/connections/cn-aws-t2`;
const connection2Body = (psk: string) => {
  const body = bodies.connection(psk);
  body.properties.localNetworkGateway2 = { id: lng2 };
  return body;
};

/** The status the operation URL reports (Azure-AsyncOperation), read through the client's pipeline. */
async function operationStatus(t: TestAzure, url: string): Promise<string> {
  const answer = await t.client.sendRequest(createPipelineRequest({ url, method: 'GET' }));
  return JSON.parse(answer.bodyAsText!).status;
}

/** DELETE through the SDK and poll to the end while the simulated clock moves to the delete's readyAt. */
async function deleteAndWait(t: TestAzure, id: string, apiVersion = NETWORK_API): Promise<void> {
  const poller = await t.client.resources.beginDeleteById(id, apiVersion, { updateIntervalInMs: 5 });
  const done = poller.pollUntilDone();
  await advanceToReady(t, id);
  await done;
}

async function statusOf(t: TestAzure, id: string, apiVersion = NETWORK_API): Promise<number | string> {
  try {
    return (await getById(t, id, apiVersion)).properties.provisioningState;
  } catch (error) {
    if (error instanceof RestError) return error.statusCode!;
    throw error;
  }
}

function refusal(error: RestError): [number | undefined, string | undefined] {
  return [error.statusCode, error.code];
}

/** GatewaySubnet, public IP, the VPN gateway, one local network gateway and a connection, all Succeeded. */
async function vpnSide(t: TestAzure): Promise<void> {
  await gatewayPrerequisites(t);
  await createAndWait(t, ids.gateway, bodies.gateway);
  await createAndWait(t, ids.lng1, bodies.lng('52.193.10.1'));
  await createAndWait(t, ids.connection1, bodies.connection('Tunnel1.key_abcdefgh'));
}

describe('a delete is a long-running operation', () => {
  it('answers 202 with both operation URLs; the resource reads Deleting until its latency has passed, then 404 and Succeeded', async () => {
    env = await startTestAzure();
    await createAndWait(env, ids.nsgPe, { location: 'japaneast', properties: {} });
    const startedAt = env.clock.now();
    const accepted = await env.send('DELETE', ids.nsgPe, NETWORK_API);
    expect(accepted.status).toBe(202);
    const statusUrl = accepted.headers.get('azure-asyncoperation')!;
    expect(statusUrl).toMatch(/\/providers\/Microsoft\.Network\/locations\/japaneast\/operationStatuses\//);
    expect(accepted.headers.get('location')).toMatch(/\/operationResults\//);
    expect(accepted.headers.get('retry-after')).toBe('10');

    expect(await statusOf(env, ids.nsgPe)).toBe('Deleting');
    expect(await operationStatus(env, statusUrl)).toBe('InProgress');
    await env.clock.sleep(9);
    expect(await statusOf(env, ids.nsgPe)).toBe('Deleting');
    await env.clock.sleep(1);
    expect(await statusOf(env, ids.nsgPe)).toBe(404);
    expect(await operationStatus(env, statusUrl)).toBe('Succeeded');
    const result = await env.client.sendRequest(createPipelineRequest({ url: accepted.headers.get('location')!, method: 'GET' }));
    expect(result.status).toBe(204);
    expect(env.ctx.recorder.operations.filter((o) => o.operation === 'delete')).toEqual([
      { cloud: 'azure', resource: ids.nsgPe, operation: 'delete', startedAt, readyAt: startedAt + 10 },
    ]);
  });

  it('the SDK poller (beginDeleteById) ends when the resource is gone; a delete of what is absent answers 204', async () => {
    env = await startTestAzure();
    await createAndWait(env, ids.gatewaySubnet, bodies.gatewaySubnet);
    const poller = await env.client.resources.beginDeleteById(ids.gatewaySubnet, NETWORK_API, { updateIntervalInMs: 5 });
    expect(poller.isDone()).toBe(false);
    const done = poller.pollUntilDone();
    await env.clock.sleep(10);
    await done;
    expect(await statusOf(env, ids.gatewaySubnet)).toBe(404);
    expect((await env.send('DELETE', ids.gatewaySubnet, NETWORK_API)).status).toBe(204);
  });

  it('a second DELETE while deleting joins the running operation; for a gateway or a connection it is refused 409', async () => {
    env = await startTestAzure();
    await vpnSide(env);
    await createAndWait(env, ids.nsgPe, { location: 'japaneast', properties: {} });
    const first = await env.send('DELETE', ids.nsgPe, NETWORK_API);
    const again = await env.send('DELETE', ids.nsgPe, NETWORK_API);
    expect(again.status).toBe(202);
    expect(again.headers.get('azure-asyncoperation')).toBe(first.headers.get('azure-asyncoperation'));
    expect(env.ctx.recorder.operations.filter((o) => o.operation === 'delete' && o.resource === ids.nsgPe)).toHaveLength(1);

    expect((await env.send('DELETE', ids.connection1, NETWORK_API)).status).toBe(202);
    const connectionAgain = await restError(env.client.resources.beginDeleteById(ids.connection1, NETWORK_API));
    expect(refusal(connectionAgain)).toEqual([409, 'AnotherOperationInProgress']);
    await env.clock.sleep(60);
    expect(await statusOf(env, ids.connection1)).toBe(404);
    expect((await env.send('DELETE', ids.gateway, NETWORK_API)).status).toBe(202);
    const gatewayAgain = await restError(env.client.resources.beginDeleteById(ids.gateway, NETWORK_API));
    expect(refusal(gatewayAgain)).toEqual([409, 'AnotherOperationInProgress']);
    expect(await statusOf(env, ids.gateway)).toBe('Deleting');
    await env.clock.sleep(899);
    expect(await statusOf(env, ids.gateway)).toBe('Deleting');
    await env.clock.sleep(1);
    expect(await statusOf(env, ids.gateway)).toBe(404);
  });

  it('a resource still being created cannot be deleted yet (409 AnotherOperationInProgress)', async () => {
    env = await startTestAzure();
    expect((await env.send('PUT', ids.nsgPe, NETWORK_API, { location: 'japaneast', properties: {} })).status).toBe(201);
    const early = await restError(env.client.resources.beginDeleteById(ids.nsgPe, NETWORK_API));
    expect(refusal(early)).toEqual([409, 'AnotherOperationInProgress']);
  });

  it('--jitter draws each delete latency within ±25% of the table, per resource', async () => {
    env = await startTestAzure();
    (env.ctx as { latencies: Latencies }).latencies = new Latencies(11);
    const seconds = new Latencies(11).of('azure.networkSecurityGroup.delete', ids.nsgPe);
    expect(seconds).not.toBe(10);
    expect(seconds).toBeGreaterThanOrEqual(8);
    expect(seconds).toBeLessThanOrEqual(13);
    await createAndWait(env, ids.nsgPe, { location: 'japaneast', properties: {} });
    const startedAt = env.clock.now();
    await deleteAndWait(env, ids.nsgPe);
    expect(env.ctx.recorder.operations.find((o) => o.operation === 'delete')).toMatchObject({ startedAt, readyAt: startedAt + seconds });
  });
});

describe('what ARM refuses to delete while something still uses it', () => {
  it('the gateway and the local network gateway while a connection joins them; the public IP and the GatewaySubnet until the gateway is gone', async () => {
    env = await startTestAzure();
    await vpnSide(env);
    const gateway = await restError(env.client.resources.beginDeleteById(ids.gateway, NETWORK_API));
    expect(refusal(gateway)).toEqual([400, 'InUseVirtualNetworkGatewayCannotBeDeleted']);
    expect(gateway.message).toContain(ids.connection1);
    const lng = await restError(env.client.resources.beginDeleteById(ids.lng1, NETWORK_API));
    expect(refusal(lng)).toEqual([400, 'InUseLocalNetworkGatewayCannotBeDeleted']);
    const pip = await restError(env.client.resources.beginDeleteById(ids.pip, NETWORK_API));
    expect(refusal(pip)).toEqual([400, 'PublicIPAddressCannotBeDeleted']);
    expect(pip.message).toContain(`${ids.gateway}/ipConfigurations/default`);
    const subnet = await restError(env.client.resources.beginDeleteById(ids.gatewaySubnet, NETWORK_API));
    expect(refusal(subnet)).toEqual([400, 'InUseSubnetCannotBeDeleted']);

    // A connection still Deleting still holds both ends.
    expect((await env.send('DELETE', ids.connection1, NETWORK_API)).status).toBe(202);
    expect(refusal(await restError(env.client.resources.beginDeleteById(ids.gateway, NETWORK_API)))).toEqual([400, 'InUseVirtualNetworkGatewayCannotBeDeleted']);
    expect(refusal(await restError(env.client.resources.beginDeleteById(ids.lng1, NETWORK_API)))).toEqual([400, 'InUseLocalNetworkGatewayCannotBeDeleted']);
    await advanceToReady(env, ids.connection1);

    await deleteAndWait(env, ids.lng1);
    expect((await env.send('DELETE', ids.gateway, NETWORK_API)).status).toBe(202);
    // A gateway still Deleting still holds its public IP and its subnet.
    expect(refusal(await restError(env.client.resources.beginDeleteById(ids.pip, NETWORK_API)))).toEqual([400, 'PublicIPAddressCannotBeDeleted']);
    expect(refusal(await restError(env.client.resources.beginDeleteById(ids.gatewaySubnet, NETWORK_API)))).toEqual([400, 'InUseSubnetCannotBeDeleted']);
    await advanceToReady(env, ids.gateway);
    expect(await statusOf(env, ids.gateway)).toBe(404);
    // The public IP no longer names the gateway's ipconfig, and both go.
    expect((await getById(env, ids.pip, NETWORK_API)).properties.ipConfiguration).toBeUndefined();
    await deleteAndWait(env, ids.pip);
    await deleteAndWait(env, ids.gatewaySubnet);
    expect([await statusOf(env, ids.pip), await statusOf(env, ids.gatewaySubnet)]).toEqual([404, 404]);
  });

  it('a subnet holding a private endpoint and an NSG attached to a subnet; the endpoint takes its NIC and its zone group (and the record) with it', async () => {
    env = await startTestAzure();
    await createAndWait(env, ids.nsgPe, { location: 'japaneast', properties: {} });
    await createAndWait(env, ids.peSubnet, bodies.peSubnet(ids.nsgPe));
    await createAndWait(env, ids.zone, { location: 'global' }, DNS_API);
    const pe = await createAndWait(env, ids.pe, {
      location: 'japaneast',
      properties: { subnet: { id: ids.peSubnet }, privateLinkServiceConnections: [{ name: 'aoai', properties: { privateLinkServiceId: ACCOUNT, groupIds: ['account'] } }] },
    });
    await createAndWait(env, ids.zoneGroup, { properties: { privateDnsZoneConfigs: [{ name: 'openai', properties: { privateDnsZoneId: ids.zone } }] } });
    const nicId: string = pe.properties.networkInterfaces[0].id;
    const record = `${ids.zone}/A/aoai-prod`;

    const subnet = await restError(env.client.resources.beginDeleteById(ids.peSubnet, NETWORK_API));
    expect(refusal(subnet)).toEqual([400, 'InUseSubnetCannotBeDeleted']);
    const nsg = await restError(env.client.resources.beginDeleteById(ids.nsgPe, NETWORK_API));
    expect(refusal(nsg)).toEqual([400, 'InUseNetworkSecurityGroupCannotBeDeleted']);
    expect(nsg.message).toContain(ids.peSubnet);

    expect((await env.send('DELETE', ids.pe, NETWORK_API)).status).toBe(202);
    expect([await statusOf(env, ids.pe), await statusOf(env, nicId), await statusOf(env, ids.zoneGroup)]).toEqual(['Deleting', 'Deleting', 'Deleting']);
    // Its NIC still sits in the subnet until the endpoint is gone.
    expect(refusal(await restError(env.client.resources.beginDeleteById(ids.peSubnet, NETWORK_API)))).toEqual([400, 'InUseSubnetCannotBeDeleted']);
    await env.clock.sleep(60);
    expect([await statusOf(env, ids.pe), await statusOf(env, nicId), await statusOf(env, ids.zoneGroup), await statusOf(env, record, DNS_API)]).toEqual([404, 404, 404, 404]);

    await deleteAndWait(env, ids.peSubnet);
    await deleteAndWait(env, ids.nsgPe);
    expect(await statusOf(env, ids.nsgPe)).toBe(404);
  });

  it('a zone group deleted on its own takes the A record it registered, and leaves the endpoint', async () => {
    env = await startTestAzure();
    await createAndWait(env, ids.peSubnet, bodies.peSubnet());
    await createAndWait(env, ids.zone, { location: 'global' }, DNS_API);
    await createAndWait(env, ids.pe, {
      location: 'japaneast',
      properties: { subnet: { id: ids.peSubnet }, privateLinkServiceConnections: [{ name: 'aoai', properties: { privateLinkServiceId: ACCOUNT, groupIds: ['account'] } }] },
    });
    await createAndWait(env, ids.zoneGroup, { properties: { privateDnsZoneConfigs: [{ name: 'openai', properties: { privateDnsZoneId: ids.zone } }] } });
    const record = `${ids.zone}/A/aoai-prod`;
    // The zone is still in use by the zone group.
    expect(refusal(await restError(env.client.resources.beginDeleteById(ids.zone, DNS_API)))).toEqual([409, 'CannotDeleteResource']);
    expect((await env.send('DELETE', ids.zoneGroup, NETWORK_API)).status).toBe(202);
    expect(await statusOf(env, ids.zoneGroup)).toBe('Deleting');
    await env.clock.sleep(15);
    expect([await statusOf(env, ids.zoneGroup), await statusOf(env, record, DNS_API), await statusOf(env, ids.pe)]).toEqual([404, 404, 'Succeeded']);
    expect((await getById(env, ids.zone, DNS_API)).properties.numberOfRecordSets).toBe(1);
  });

  it('a private DNS zone with a virtual network link (409 CannotDeleteResource); once the link is gone the zone goes', async () => {
    env = await startTestAzure();
    await createAndWait(env, ids.zone, { location: 'global' }, DNS_API);
    await createAndWait(env, ids.link, { location: 'global', properties: { virtualNetwork: { id: VNET }, registrationEnabled: false } }, DNS_API);
    const zone = await restError(env.client.resources.beginDeleteById(ids.zone, DNS_API));
    expect(refusal(zone)).toEqual([409, 'CannotDeleteResource']);
    expect(zone.message).toContain(ids.link);
    expect((await env.send('DELETE', ids.link, DNS_API)).status).toBe(202);
    // A link still Deleting still blocks the zone.
    expect(refusal(await restError(env.client.resources.beginDeleteById(ids.zone, DNS_API)))).toEqual([409, 'CannotDeleteResource']);
    await advanceToReady(env, ids.link);
    await deleteAndWait(env, ids.zone, DNS_API);
    expect(await statusOf(env, ids.zone, DNS_API)).toBe(404);
  });

  it('a DNS resolver with an inbound endpoint, and the delegated subnet the endpoint sits in', async () => {
    env = await startTestAzure();
    await createAndWait(env, ids.dnsSubnet, bodies.dnsSubnet);
    await createAndWait(env, ids.resolver, { location: 'japaneast', properties: { virtualNetwork: { id: VNET } } }, RESOLVER_API);
    await createAndWait(env, ids.inbound, { location: 'japaneast', properties: { ipConfigurations: [{ subnet: { id: ids.dnsSubnet }, privateIpAllocationMethod: 'Dynamic' }] } }, RESOLVER_API);

    const resolver = await restError(env.client.resources.beginDeleteById(ids.resolver, RESOLVER_API));
    expect(refusal(resolver)).toEqual([409, 'CannotDeleteResource']);
    expect(resolver.message).toContain(ids.inbound);
    const subnet = await restError(env.client.resources.beginDeleteById(ids.dnsSubnet, NETWORK_API));
    expect(refusal(subnet)).toEqual([400, 'InUseSubnetCannotBeDeleted']);
    expect(subnet.message).toContain(ids.inbound);

    const startedAt = env.clock.now();
    await deleteAndWait(env, ids.inbound, RESOLVER_API);
    expect(env.clock.now()).toBe(startedAt + 120);
    await deleteAndWait(env, ids.dnsSubnet);
    await deleteAndWait(env, ids.resolver, RESOLVER_API);
    expect([await statusOf(env, ids.resolver, RESOLVER_API), await statusOf(env, ids.dnsSubnet)]).toEqual([404, 404]);
  });

  it('one subnet operation at a time per VNet: a subnet delete while another subnet is written is refused 409', async () => {
    env = await startTestAzure();
    await createAndWait(env, ids.gatewaySubnet, bodies.gatewaySubnet);
    expect((await env.send('PUT', ids.peSubnet, NETWORK_API, bodies.peSubnet())).status).toBe(201);
    expect(refusal(await restError(env.client.resources.beginDeleteById(ids.gatewaySubnet, NETWORK_API)))).toEqual([409, 'AnotherOperationInProgress']);
    await advanceToReady(env, ids.peSubnet);
    expect((await env.send('DELETE', ids.gatewaySubnet, NETWORK_API)).status).toBe(202);
    // ...and a subnet write while a subnet is being deleted.
    expect(refusal(await restError(env.client.resources.beginCreateOrUpdateById(ids.dnsSubnet, NETWORK_API, bodies.dnsSubnet)))).toEqual([409, 'AnotherOperationInProgress']);
  });
});

describe('a connection operation holds its gateway', () => {
  it('a connection delete waits for any connection operation on its gateway, and holds the gateway while it runs (409 AnotherOperationInProgress)', async () => {
    env = await startTestAzure();
    await vpnSide(env);
    await createAndWait(env, lng2, bodies.lng('52.193.10.2'));
    expect((await env.send('PUT', connection2, NETWORK_API, connection2Body('Tunnel2.key_ijklmnop'))).status).toBe(201);
    // While the second connection is being created, the first cannot be deleted...
    expect(refusal(await restError(env.client.resources.beginDeleteById(ids.connection1, NETWORK_API)))).toEqual([409, 'AnotherOperationInProgress']);
    await advanceToReady(env, connection2);
    expect((await env.send('DELETE', ids.connection1, NETWORK_API)).status).toBe(202);
    // ...and while the first is being deleted, the second cannot be deleted or written.
    expect(refusal(await restError(env.client.resources.beginDeleteById(connection2, NETWORK_API)))).toEqual([409, 'AnotherOperationInProgress']);
    const write = await env.send('PUT', ids.connection1.replace('cn-aws-t1', 'cn-aws-t3'), NETWORK_API, bodies.connection('Tunnel3.key_qrstuvwx'));
    expect([write.status, write.json.error.code]).toEqual([409, 'AnotherOperationInProgress']);
    await advanceToReady(env, ids.connection1);
    await deleteAndWait(env, connection2);
    expect([await statusOf(env, ids.connection1), await statusOf(env, connection2)]).toEqual([404, 404]);
  });
});

describe('one connection operation at a time per gateway, creates included', () => {
  const connection3 = ids.connection1.replace('cn-aws-t1', 'cn-aws-t3');
  const armError = (answer: { status: number; json: any }) => [answer.status, answer.json?.error?.code];

  /** Starts a second VNet's VPN gateway (one gateway per VNet), with its GatewaySubnet and public IP; vpnSide's wait builds it. */
  async function startOtherGateway(t: TestAzure): Promise<string> {
    const vnet = `${NET}/virtualNetworks/vnet-other`;
    const gateway = `${NET}/virtualNetworkGateways/vpngw-other`;
    await createAndWait(t, vnet, { location: 'japaneast', properties: { addressSpace: { addressPrefixes: ['10.77.0.0/16'] } } });
    await createAndWait(t, `${vnet}/subnets/GatewaySubnet`, { properties: { addressPrefix: '10.77.255.0/27' } });
    await createAndWait(t, `${NET}/publicIPAddresses/pip-other`, bodies.pip);
    const body = JSON.parse(JSON.stringify(bodies.gateway));
    body.properties.ipConfigurations[0].properties.subnet.id = `${vnet}/subnets/GatewaySubnet`;
    body.properties.ipConfigurations[0].properties.publicIPAddress.id = `${NET}/publicIPAddresses/pip-other`;
    expect((await t.send('PUT', gateway, NETWORK_API, body)).status).toBe(201);
    return gateway;
  }

  it('a connection create holds its gateway until its readyAt: another create, a changing write or a new key is refused 409; a write that changes nothing is not; another gateway is not held', async () => {
    env = await startTestAzure();
    const otherGatewayId = await startOtherGateway(env);
    await vpnSide(env);
    expect(await statusOf(env, otherGatewayId)).toBe('Succeeded');
    await createAndWait(env, lng2, bodies.lng('52.193.10.2'));

    expect((await env.send('PUT', connection2, NETWORK_API, connection2Body('Tunnel2.key_ijklmnop'))).status).toBe(201);
    const running = env.ctx.state.azure.resources[connection2.toLowerCase()].operation!;
    expect(running.readyAt - env.clock.now()).toBe(60);

    // Another connection's create on the same gateway, through the SDK's own PUT and raw: ARM's error body.
    expect(refusal(await restError(env.client.resources.beginCreateOrUpdateById(connection3, NETWORK_API, bodies.connection('Tunnel3.key_qrstuvwx'))))).toEqual([
      409,
      'AnotherOperationInProgress',
    ]);
    const refused = await env.send('PUT', connection3, NETWORK_API, bodies.connection('Tunnel3.key_qrstuvwx'));
    expect(armError(refused)).toEqual([409, 'AnotherOperationInProgress']);
    expect(refused.json.error.message).toContain(connection2);
    expect(await statusOf(env, connection3)).toBe(404);

    // An update of the Succeeded first connection that changes it, and a new key for it, are connection operations too.
    const changed = bodies.connection('Tunnel1.key_abcdefgh');
    changed.properties.dpdTimeoutSeconds = 30;
    expect(armError(await env.send('PUT', ids.connection1, NETWORK_API, changed))).toEqual([409, 'AnotherOperationInProgress']);
    expect(armError(await env.send('PUT', `${ids.connection1}/sharedkey`, NETWORK_API, { value: 'Tunnel1.key_changed' }))).toEqual([409, 'AnotherOperationInProgress']);
    expect(env.ctx.state.azure.resources[ids.connection1.toLowerCase()].body.properties).toMatchObject({ dpdTimeoutSeconds: 45, sharedKey: 'Tunnel1.key_abcdefgh' });

    // A re-PUT that changes nothing, and its own key again, start no operation: accepted as before.
    expect((await env.send('PUT', ids.connection1, NETWORK_API, bodies.connection('Tunnel1.key_abcdefgh'))).status).toBe(200);
    expect((await env.send('PUT', `${ids.connection1}/sharedkey`, NETWORK_API, { value: 'Tunnel1.key_abcdefgh' })).status).toBe(200);

    // A connection on another gateway is not held by this one.
    const elsewhere = bodies.connection('Tunnel4.key_yzabcdef');
    elsewhere.properties.virtualNetworkGateway1 = { id: otherGatewayId };
    expect((await env.send('PUT', `${NET}/connections/cn-other`, NETWORK_API, elsewhere)).status).toBe(201);

    // One second before readyAt the gateway is still held; at readyAt the create goes through.
    await env.clock.sleep(running.readyAt - env.clock.now() - 1);
    expect(armError(await env.send('PUT', connection3, NETWORK_API, bodies.connection('Tunnel3.key_qrstuvwx')))).toEqual([409, 'AnotherOperationInProgress']);
    await env.clock.sleep(1);
    expect((await env.send('PUT', connection3, NETWORK_API, bodies.connection('Tunnel3.key_qrstuvwx'))).status).toBe(201);
    // ...and now the third one holds the gateway in turn, the second's changing write included.
    const secondChanged = connection2Body('Tunnel2.key_ijklmnop');
    secondChanged.properties.dpdTimeoutSeconds = 30;
    expect(armError(await env.send('PUT', connection2, NETWORK_API, secondChanged))).toEqual([409, 'AnotherOperationInProgress']);
    await advanceToReady(env, connection3);
    expect((await env.send('PUT', connection2, NETWORK_API, secondChanged)).status).toBe(200);
    expect([await statusOf(env, connection2), await statusOf(env, connection3)]).toEqual(['Succeeded', 'Succeeded']);
  });

  it('a rebuild of a Failed connection holds the gateway as a create does', async () => {
    env = await startTestAzure();
    await vpnSide(env);
    await createAndWait(env, lng2, bodies.lng('52.193.10.2'));
    env.ctx.state.azure.resources[ids.connection1.toLowerCase()].operation = { kind: 'update', startedAt: 0, readyAt: 1, outcome: 'Failed', operationId: 'op-failed' };
    expect((await env.send('PUT', ids.connection1, NETWORK_API, bodies.connection('Tunnel1.key_abcdefgh'))).status).toBe(200);
    expect(armError(await env.send('PUT', connection2, NETWORK_API, connection2Body('Tunnel2.key_ijklmnop')))).toEqual([409, 'AnotherOperationInProgress']);
    await advanceToReady(env, ids.connection1);
    expect((await env.send('PUT', connection2, NETWORK_API, connection2Body('Tunnel2.key_ijklmnop'))).status).toBe(201);
  });
});

describe('faults apply to deletes', () => {
  /** A seed whose first draw for `callKey` falls under `rate` and whose second does not. */
  function seedFaultingOnce(callKey: string, rate: number): number {
    for (let seed = 1; seed < 10_000; seed++) {
      if (seededDraw(seed, `${callKey}#1`) < rate && seededDraw(seed, `${callKey}#2`) >= rate) return seed;
    }
    throw new Error('no seed found');
  }

  it('drop-response:DELETE Microsoft.Network/connections commits the delete and drops the answer; the SDK retry meets it running', async () => {
    env = await startTestAzure('drop-response:DELETE Microsoft.Network/connections');
    await vpnSide(env);
    const retried = await restError(env.client.resources.beginDeleteById(ids.connection1, NETWORK_API));
    expect(refusal(retried)).toEqual([409, 'AnotherOperationInProgress']);
    expect(env.ctx.recorder.apiCalls.azure['DELETE Microsoft.Network/connections']).toBe(2);
    expect(await statusOf(env, ids.connection1)).toBe('Deleting');
    await advanceToReady(env, ids.connection1);
    expect(await statusOf(env, ids.connection1)).toBe(404);
    expect(env.ctx.recorder.operations.filter((o) => o.operation === 'delete')).toHaveLength(1);
  });

  it('drop-response on a subnet delete: the retried DELETE joins the running operation', async () => {
    env = await startTestAzure('drop-response:DELETE Microsoft.Network/virtualNetworks/subnets');
    await createAndWait(env, ids.gatewaySubnet, bodies.gatewaySubnet);
    await deleteAndWait(env, ids.gatewaySubnet);
    expect(env.ctx.recorder.apiCalls.azure['DELETE Microsoft.Network/virtualNetworks/subnets']).toBe(2);
    expect(env.ctx.recorder.operations.filter((o) => o.operation === 'delete')).toHaveLength(1);
    expect(await statusOf(env, ids.gatewaySubnet)).toBe(404);
  });

  it('error5xx on a DELETE: refused before anything happens, so the SDK retry starts the delete (a connection refuses a second one)', async () => {
    env = await startTestAzure('', seedFaultingOnce(`DELETE ${ids.connection1}`, 0.5));
    await vpnSide(env);
    // The fault rate applies from here on, so only the DELETE and what follows it draw.
    env.ctx.faults.spec.error5xxRate = 0.5;
    const accepted = await env.send('DELETE', ids.connection1, NETWORK_API);
    expect(accepted.status).toBe(202);
    expect(env.ctx.recorder.apiCalls.azure['DELETE Microsoft.Network/connections']).toBe(2);
    expect(env.ctx.recorder.operations.filter((o) => o.operation === 'delete')).toHaveLength(1);
  });

  it('async-fail: an accepted delete ends Failed and leaves the resource there, Failed; another DELETE removes it', async () => {
    env = await startTestAzure();
    await createAndWait(env, ids.nsgPe, { location: 'japaneast', properties: {} });
    env.ctx.faults.spec.asyncFailRate = 1;
    const accepted = await env.send('DELETE', ids.nsgPe, NETWORK_API);
    expect(accepted.status).toBe(202);
    await advanceToReady(env, ids.nsgPe);
    expect(await operationStatus(env, accepted.headers.get('azure-asyncoperation')!)).toBe('Failed');
    expect(await statusOf(env, ids.nsgPe)).toBe('Failed');
    await env.clock.sleep(60);
    expect(await statusOf(env, ids.nsgPe)).toBe('Failed');
    env.ctx.faults.spec.asyncFailRate = 0;
    await deleteAndWait(env, ids.nsgPe);
    expect(await statusOf(env, ids.nsgPe)).toBe(404);
  });
});

describe('what the network model sees', () => {
  /** The emulated ARM serving the fully built path of test/local-network/fixtures.ts, and the real network model over it. */
  async function builtPath(): Promise<{ t: TestAzure; model: NetworkModel }> {
    const t = await startTestAzure();
    const state = builtState();
    Object.assign(t.ctx.state.aws, state.aws);
    t.ctx.state.azure.resources = state.azure.resources;
    await t.clock.sleep(3000);
    const model = new NetworkModel(() => t.ctx.state, t.clock, new Latencies());
    return { t, model };
  }

  it('a connection being deleted, then deleted, carries no tunnel', async () => {
    const { t, model } = await builtPath();
    env = t;
    expect(model.awsTunnelTelemetry(built.vpnId).map((x) => x.Status)).toEqual(['UP', 'UP']);
    expect((await t.send('DELETE', built.connectionIds[0], NETWORK_API)).status).toBe(202);
    expect(new AzureView(t.ctx.state.azure, t.clock.now()).get(built.connectionIds[0])).toBeUndefined();
    expect(model.awsTunnelTelemetry(built.vpnId).map((x) => x.Status)).toEqual(['DOWN', 'UP']);
    await t.clock.sleep(60);
    expect(await statusOf(t, built.connectionIds[0])).toBe(404);
    expect(model.awsTunnelTelemetry(built.vpnId).map((x) => x.Status)).toEqual(['DOWN', 'UP']);
  });

  it('the private DNS answer stops once the zone group (and the record it registered) is deleted', async () => {
    const { t, model } = await builtPath();
    env = t;
    expect(model.resolve(built.subnetA, built.accountName).via).toBe('private');
    await deleteAndWait(t, `${built.peId}/privateDnsZoneGroups/default`);
    expect(await statusOf(t, built.recordId, DNS_API)).toBe(404);
    expect(model.resolve(built.subnetA, built.accountName).via).toBe('public');
  });

  it('a link being deleted no longer links the zone', async () => {
    const { t, model } = await builtPath();
    env = t;
    expect(model.resolve(built.subnetA, built.accountName).via).toBe('private');
    expect((await t.send('DELETE', built.linkId, DNS_API)).status).toBe(202);
    expect(model.resolve(built.subnetA, built.accountName).via).toBe('public');
  });
});
