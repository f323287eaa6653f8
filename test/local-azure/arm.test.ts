/** The emulated ARM through the real @azure/arm-resources client, on the simulated clock. */
import { ACCOUNT, advanceToReady, begin, bodies, COGNITIVE_API, createAndWait, DNS_API, emulatorCredential, gatewayPrerequisites, ids, NET, NETWORK_API, rawRequest, restError, RG, startTestAzure, getById, SUB, VNET, type TestAzure } from './support';

let env: TestAzure;

beforeEach(async () => {
  env = await startTestAzure();
});

afterEach(async () => {
  await env.close();
});

describe('ARM protocol', () => {
  it('requires a bearer token and an api-version, and answers in ARM error shape', async () => {
    const noAuth = await rawRequest(`${env.azure.endpoint}${VNET}?api-version=${NETWORK_API}`, { ca: env.azure.caPem });
    expect(noAuth.status).toBe(401);
    expect(noAuth.json.error.code).toBe('AuthenticationFailed');

    // A bearer token Entra ID did not sign is refused before anything else is looked at.
    const forged = await rawRequest(`${env.azure.endpoint}${VNET}`, { ca: env.azure.caPem, headers: { authorization: 'Bearer x' } });
    expect([forged.status, forged.json.error.code]).toEqual([401, 'InvalidAuthenticationToken']);
    const token = (await emulatorCredential(env.azure).getToken('https://management.azure.com/.default'))!.token;

    const noVersion = await rawRequest(`${env.azure.endpoint}${VNET}`, { ca: env.azure.caPem, headers: { authorization: `Bearer ${token}` } });
    expect(noVersion.status).toBe(400);
    expect(noVersion.json).toEqual({ error: { code: 'MissingApiVersionParameter', message: expect.any(String) } });

    // The SDK's `/{resourceId}` template sends a doubled slash; ids are case-insensitive.
    const doubled = await rawRequest(`${env.azure.endpoint}/${VNET.toUpperCase().replace('SUBSCRIPTIONS', 'subscriptions')}?api-version=${NETWORK_API}`, {
      ca: env.azure.caPem,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(doubled.status).toBe(200);
    expect(doubled.json.id).toBe(VNET);
  });

  it('reads world resources through getById and answers 404 for unknown ids, groups and parents', async () => {
    const vnet = await getById(env, VNET, NETWORK_API);
    expect(vnet.properties.addressSpace.addressPrefixes).toEqual(['192.168.0.0/16']);
    expect(vnet.properties.subnets.map((s: { name: string }) => s.name)).toEqual(['apps']);

    const missing = await restError(getById(env, `${NET}/publicIPAddresses/nope`, NETWORK_API));
    expect([missing.statusCode, missing.code]).toEqual([404, 'ResourceNotFound']);

    const noGroup = await restError(begin(env, `/subscriptions/${SUB}/resourceGroups/rg-missing/providers/Microsoft.Network/publicIPAddresses/p`, bodies.pip));
    expect([noGroup.statusCode, noGroup.code]).toEqual([404, 'ResourceGroupNotFound']);

    const noVnet = await restError(begin(env, `${NET}/virtualNetworks/vnet-missing/subnets/GatewaySubnet`, bodies.gatewaySubnet));
    expect([noVnet.statusCode, noVnet.code]).toEqual([404, 'ResourceNotFound']);
    expect(noVnet.message).toContain('vnet-missing');
  });
});

describe('subnets', () => {
  it('takes 10 s, one write per VNet at a time, and lists under the VNet', async () => {
    const poller = await begin(env, ids.gatewaySubnet, bodies.gatewaySubnet);
    expect(poller.isDone()).toBe(false);
    const creating = await getById(env, ids.gatewaySubnet, NETWORK_API);
    expect(creating.properties.provisioningState).toBe('Creating');

    const concurrent = await restError(begin(env, ids.peSubnet, bodies.peSubnet()));
    expect([concurrent.statusCode, concurrent.code]).toEqual([409, 'AnotherOperationInProgress']);
    const again = await restError(begin(env, ids.gatewaySubnet, bodies.gatewaySubnet));
    expect(again.code).toBe('AnotherOperationInProgress');

    await env.clock.sleep(10);
    await poller.poll();
    expect(poller.isDone()).toBe(true);
    expect((await getById(env, ids.gatewaySubnet, NETWORK_API)).properties.provisioningState).toBe('Succeeded');

    await createAndWait(env, ids.dnsSubnet, bodies.dnsSubnet);
    const vnet = await getById(env, VNET, NETWORK_API);
    expect(vnet.properties.subnets.map((s: { name: string }) => s.name).sort()).toEqual(['GatewaySubnet', 'apps', 'snet-dns-in']);
    const dns = await getById(env, ids.dnsSubnet, NETWORK_API);
    expect(dns.properties.delegations[0].properties.serviceName).toBe('Microsoft.Network/dnsResolvers');
    expect(env.ctx.recorder.operations.filter((o) => o.resource === ids.gatewaySubnet)).toEqual([
      { cloud: 'azure', resource: ids.gatewaySubnet, operation: 'create', startedAt: 0, readyAt: 10 },
    ]);
    expect(env.ctx.recorder.apiCalls.azure['PUT Microsoft.Network/virtualNetworks/subnets']).toBe(4);
  });

  it('refuses prefixes outside the VNet or overlapping another subnet, and unknown NSGs', async () => {
    const outside = await restError(begin(env, ids.peSubnet, { properties: { addressPrefix: '10.0.0.0/24' } }));
    expect([outside.statusCode, outside.code]).toEqual([400, 'NetcfgSubnetRangeOutsideVnet']);
    const overlap = await restError(begin(env, ids.peSubnet, { properties: { addressPrefix: '192.168.10.128/25' } }));
    expect([overlap.statusCode, overlap.code]).toEqual([400, 'NetcfgSubnetRangesOverlap']);
    const nsg = await restError(begin(env, ids.peSubnet, bodies.peSubnet(ids.nsgPe)));
    expect(nsg.code).toBe('InvalidResourceReference');
  });
});

describe('VPN resources', () => {
  it('public IP keeps zones (raw PUT) and gets a static address', async () => {
    const put = await env.send('PUT', ids.pip, NETWORK_API, bodies.pip);
    expect(put.status).toBe(201);
    expect(put.headers.get('azure-asyncoperation')).toMatch(/^https:\/\/127\.0\.0\.1:\d+\//);
    expect(put.headers.get('retry-after')).toBe('10');
    expect(put.json.properties.provisioningState).toBe('Creating');
    await env.clock.sleep(15);
    const get = await env.send('GET', ids.pip, NETWORK_API);
    expect(get.json.zones).toEqual(['1', '2', '3']);
    expect(get.json.sku).toEqual({ name: 'Standard', tier: 'Regional' });
    expect(get.json.properties).toMatchObject({ provisioningState: 'Succeeded', publicIPAllocationMethod: 'Static', ipAddress: expect.stringMatching(/^20\.\d+\.\d+\.\d+$/) });
  });

  it('builds the gateway in 2400 s, refuses a connection until then, and reports tunnel status', async () => {
    await gatewayPrerequisites(env);
    const gwPoller = await begin(env, ids.gateway, bodies.gateway);
    expect(gwPoller.getOperationState().status).toBe('running');
    const busy = await restError(begin(env, ids.gateway, bodies.gateway));
    expect([busy.statusCode, busy.code]).toEqual([409, 'AnotherOperationInProgress']);

    await createAndWait(env, ids.lng1, bodies.lng('52.68.1.10'));
    const early = await restError(begin(env, ids.connection1, bodies.connection('psk.tunnel1_abc')));
    expect([early.statusCode, early.code]).toEqual([400, 'ReferencedResourceNotProvisioned']);
    expect(early.message).toContain(ids.gateway);
    expect(early.message).toContain(ids.connection1);
    expect(early.message).toContain('Creating');

    const done = gwPoller.pollUntilDone();
    await env.clock.sleep(2400);
    const gateway: any = await done;
    expect(gateway.properties.provisioningState).toBe('Succeeded');
    expect(gateway.properties.bgpSettings).toMatchObject({ asn: 65515, bgpPeeringAddresses: [{ tunnelIpAddresses: [expect.any(String)] }] });
    expect(gateway.properties.ipConfigurations[0].id).toBe(`${ids.gateway}/ipConfigurations/default`);
    const op = env.ctx.recorder.operations.find((o) => o.resource === ids.gateway)!;
    expect(op.readyAt - op.startedAt).toBe(2400);

    await createAndWait(env, ids.connection1, bodies.connection('psk.tunnel1_abc'));
    env.network.status.set(ids.connection1.toLowerCase(), { connectionStatus: 'Connected', tunnelConnectionStatus: [{ tunnel: 't1', connectionStatus: 'Connected' }] });
    await env.clock.sleep(30);
    const cn = await getById(env, ids.connection1, NETWORK_API);
    expect(cn.properties).toMatchObject({ connectionStatus: 'Connected', provisioningState: 'Succeeded', tunnelConnectionStatus: [{ tunnel: 't1' }] });
    expect(cn.properties.ingressBytesTransferred).toBeGreaterThan(0);
    expect(cn.properties.sharedKey).toBeUndefined(); // ARM keeps the key out of GETs ...
    expect(env.ctx.state.azure.resources[ids.connection1.toLowerCase()].body.properties.sharedKey).toBe('psk.tunnel1_abc'); // ... the state holds it
    const key = await env.send('GET', `${ids.connection1}/sharedkey`, NETWORK_API);
    expect(key.json.value).toBe('psk.tunnel1_abc');
  });
});

describe('NSG, private endpoint, DNS', () => {
  it('folds securityRules children into the NSG', async () => {
    await createAndWait(env, ids.nsgPe, {
      location: 'japaneast',
      properties: {
        securityRules: [
          { name: 'allow-443', properties: { protocol: 'Tcp', access: 'Allow', direction: 'Inbound', priority: 100, sourceAddressPrefix: '172.17.0.0/16', sourcePortRange: '*', destinationAddressPrefix: '*', destinationPortRange: '443' } },
        ],
      },
    });
    await createAndWait(env, `${ids.nsgPe}/securityRules/allow-53`, {
      properties: { protocol: '*', access: 'Allow', direction: 'Inbound', priority: 110, sourceAddressPrefix: '172.17.0.0/16', sourcePortRange: '*', destinationAddressPrefix: '*', destinationPortRange: '53' },
    });
    const nsg = await getById(env, ids.nsgPe, NETWORK_API);
    expect(nsg.properties.securityRules.map((r: { name: string }) => r.name)).toEqual(['allow-443', 'allow-53']);
    expect(nsg.properties.defaultSecurityRules).toHaveLength(6);
    const rule = await getById(env, `${ids.nsgPe}/securityRules/allow-53`, NETWORK_API);
    expect(rule.properties.destinationPortRange).toBe('53');
    const bad = await restError(begin(env, `${ids.nsgPe}/securityRules/bad`, { properties: { protocol: 'Tcp', access: 'Allow', direction: 'Inbound', priority: 5 } }));
    expect(bad.code).toBe('SecurityRuleInvalidPriority');
  });

  it('private endpoint, zone group A record, VNet link, resolver and inbound endpoint', async () => {
    await createAndWait(env, ids.peSubnet, bodies.peSubnet());
    await createAndWait(env, ids.dnsSubnet, bodies.dnsSubnet);

    const badTarget = await restError(
      begin(env, ids.pe, { location: 'japaneast', properties: { subnet: { id: ids.peSubnet }, privateLinkServiceConnections: [{ name: 'c', properties: { privateLinkServiceId: `${ACCOUNT}x`, groupIds: ['account'] } }] } }),
    );
    expect([badTarget.statusCode, badTarget.code]).toEqual([400, 'InvalidResourceReference']);

    const pe = await createAndWait(env, ids.pe, {
      location: 'japaneast',
      properties: { subnet: { id: ids.peSubnet }, privateLinkServiceConnections: [{ name: 'aoai', properties: { privateLinkServiceId: ACCOUNT, groupIds: ['account'] } }] },
    });
    expect(pe.properties.privateLinkServiceConnections[0].properties.privateLinkServiceConnectionState.status).toBe('Approved');
    expect(pe.properties.customDnsConfigs).toEqual([{ fqdn: 'aoai-prod.openai.azure.com', ipAddresses: ['192.168.1.4'] }]);
    const nic = await getById(env, pe.properties.networkInterfaces[0].id, NETWORK_API);
    expect(nic.properties.ipConfigurations[0].properties.privateIPAddress).toBe('192.168.1.4');

    const zonePoller = await begin(env, ids.zone, { location: 'global' }, DNS_API);
    expect(zonePoller.isDone()).toBe(false);
    await env.clock.sleep(30);
    await zonePoller.pollUntilDone();
    const linkPoller = await begin(env, ids.link, { location: 'global', properties: { virtualNetwork: { id: VNET }, registrationEnabled: false } }, DNS_API);
    expect((await getById(env, ids.link, DNS_API)).properties.virtualNetworkLinkState).toBe('InProgress');
    await env.clock.sleep(30);
    await linkPoller.pollUntilDone();
    expect((await getById(env, ids.link, DNS_API)).properties.virtualNetworkLinkState).toBe('Completed');

    const group = await createAndWait(env, ids.zoneGroup, { properties: { privateDnsZoneConfigs: [{ name: 'openai', properties: { privateDnsZoneId: ids.zone } }] } });
    expect(group.properties.privateDnsZoneConfigs[0].properties.recordSets[0]).toMatchObject({ fqdn: 'aoai-prod.privatelink.openai.azure.com', ipAddresses: ['192.168.1.4'] });
    const record = await getById(env, `${ids.zone}/A/aoai-prod`, DNS_API);
    expect(record.type).toBe('Microsoft.Network/privateDnsZones/A');
    expect(record.properties).toMatchObject({ ttl: 10, aRecords: [{ ipv4Address: '192.168.1.4' }] });

    await createAndWait(env, ids.resolver, { location: 'japaneast', properties: { virtualNetwork: { id: VNET } } });
    const second = await restError(begin(env, `${NET}/dnsResolvers/dnsr-2`, { location: 'japaneast', properties: { virtualNetwork: { id: VNET } } }));
    expect(second.statusCode).toBe(400);
    const notDelegated = await restError(
      begin(env, ids.inbound, { location: 'japaneast', properties: { ipConfigurations: [{ subnet: { id: ids.peSubnet }, privateIpAllocationMethod: 'Dynamic' }] } }),
    );
    expect(notDelegated.code).toBe('InvalidSubnetDelegation');
    const inbound = await createAndWait(env, ids.inbound, {
      location: 'japaneast',
      properties: { ipConfigurations: [{ subnet: { id: ids.dnsSubnet }, privateIpAllocationMethod: 'Dynamic' }] },
    });
    expect(inbound.properties.ipConfigurations[0].privateIpAddress).toBe('192.168.2.4');
    const resolver = await getById(env, ids.resolver, NETWORK_API);
    expect(resolver.properties.dnsResolverState).toBe('Connected');
  });
});

describe('OpenAI account', () => {
  it('PATCH publicNetworkAccess takes 60 s (Accepted -> Succeeded); listKeys through the pipeline', async () => {
    const poller = await env.client.resources.beginUpdateById(
      ACCOUNT,
      COGNITIVE_API,
      { properties: { publicNetworkAccess: 'Disabled', networkAcls: { defaultAction: 'Deny', ipRules: [], virtualNetworkRules: [] } } },
      { updateIntervalInMs: 5 },
    );
    expect(poller.isDone()).toBe(false);
    expect((await getById(env, ACCOUNT, COGNITIVE_API)).properties.provisioningState).toBe('Accepted');
    const done = poller.pollUntilDone();
    await env.clock.sleep(60);
    const account: any = await done;
    expect(account.properties).toMatchObject({ provisioningState: 'Succeeded', publicNetworkAccess: 'Disabled', customSubDomainName: 'aoai-prod' });
    expect(env.ctx.recorder.operations.find((o) => o.resource === ACCOUNT)).toMatchObject({ operation: 'update', startedAt: 0, readyAt: 60 });

    const keys = await env.send('POST', `${ACCOUNT}/listKeys`, COGNITIVE_API);
    expect(keys.status).toBe(200);
    expect(keys.json).toEqual(env.ctx.state.azure.accountKeys[ACCOUNT.toLowerCase()]);
    const deployment = await getById(env, `${ACCOUNT}/deployments/gpt-4o`, COGNITIVE_API);
    expect(deployment.name).toBe('gpt-4o');
  });
});

describe('deletes', () => {
  it('beginDeleteById removes the resource once its delete has run; in-use resources are refused', async () => {
    await gatewayPrerequisites(env);
    await createAndWait(env, ids.gateway, bodies.gateway);
    const inUse = await restError(env.client.resources.beginDeleteById(ids.pip, NETWORK_API));
    expect([inUse.statusCode, inUse.code]).toEqual([400, 'PublicIPAddressCannotBeDeleted']);

    // Deletes are long-running: the poller ends when the simulated clock has passed the delete's latency.
    const poller = await env.client.resources.beginDeleteById(ids.gateway, NETWORK_API, { updateIntervalInMs: 5 });
    const gatewayGone = poller.pollUntilDone();
    await advanceToReady(env, ids.gateway);
    await gatewayGone;
    const gone = await restError(getById(env, ids.gateway, NETWORK_API));
    expect(gone.statusCode).toBe(404);
    const pipPoller = await env.client.resources.beginDeleteById(ids.pip, NETWORK_API, { updateIntervalInMs: 5 });
    const pipGone = pipPoller.pollUntilDone();
    await advanceToReady(env, ids.pip);
    await pipGone;
    expect((await restError(getById(env, ids.pip, NETWORK_API))).statusCode).toBe(404);
    expect(env.ctx.recorder.apiCalls.azure['DELETE Microsoft.Network/virtualNetworkGateways']).toBe(1);
  });

  it('resource groups can be created through ARM', async () => {
    const group = `/subscriptions/${SUB}/resourceGroups/rg-new`;
    const put = await env.send('PUT', group, '2021-04-01', { location: 'Japan East' });
    expect(put.status).toBe(201);
    const nsg = await createAndWait(env, `${group}/providers/Microsoft.Network/networkSecurityGroups/n1`, { location: 'japaneast', properties: {} });
    expect(nsg.properties.provisioningState).toBe('Succeeded');
    expect(RG).toContain('rg-network');
  });
});
