/**
 * Azure's hub rules, each refused where the real service refuses and allowed beside it: one VPN gateway per VNet,
 * one DNS private resolver per VNet, one zone of a name linked to a VNet.
 */
import { bodies, createAndWait, DNS_API, begin, ids, NET, NETWORK_API, restError, startTestAzure, VNET, type TestAzure } from './support';
import { hub, seedForeignHub } from './hub-support';

let env: TestAzure;
afterEach(async () => env?.close());

const OUR_GATEWAY = `${NET}/virtualNetworkGateways/vpngw-vnet-hub`;
const OUR_PIP = `${NET}/publicIPAddresses/pip-vpngw-vnet-hub`;
const SPOKE = `${NET}/virtualNetworks/vnet-spoke`;

function ourGateway(subnetId: string) {
  const body = JSON.parse(JSON.stringify(bodies.gateway));
  body.properties.ipConfigurations[0].properties.subnet.id = subnetId;
  body.properties.ipConfigurations[0].properties.publicIPAddress.id = OUR_PIP;
  return body;
}

async function seedSpoke(): Promise<void> {
  env.ctx.state.azure.resources[SPOKE.toLowerCase()] = {
    id: SPOKE, type: 'Microsoft.Network/virtualNetworks', name: 'vnet-spoke', apiVersion: NETWORK_API, preExisting: true,
    body: { location: 'japaneast', properties: { addressSpace: { addressPrefixes: ['10.9.0.0/16'] } } },
  };
}

describe('one VPN gateway per VNet', () => {
  it('a second gateway on a GatewaySubnet that already holds one is refused with 400 BadRequest, and nothing is written', async () => {
    env = await startTestAzure();
    seedForeignHub(env);
    await env.send('PUT', OUR_PIP, NETWORK_API, bodies.pip);
    await env.clock.sleep(15);
    const refused = await restError(begin(env, OUR_GATEWAY, ourGateway(hub.gatewaySubnet)));
    expect([refused.statusCode, refused.code]).toEqual([400, 'BadRequest']);
    expect(refused.message).toContain("can't be associated with more than one gateway");
    expect(env.ctx.state.azure.resources[OUR_GATEWAY.toLowerCase()]).toBeUndefined();
  });

  it('the same gateway on an empty GatewaySubnet is accepted', async () => {
    env = await startTestAzure();
    await createAndWait(env, ids.gatewaySubnet, bodies.gatewaySubnet);
    await env.send('PUT', OUR_PIP, NETWORK_API, bodies.pip);
    await env.clock.sleep(15);
    const accepted = await env.send('PUT', OUR_GATEWAY, NETWORK_API, ourGateway(ids.gatewaySubnet));
    expect(accepted.status).toBe(201);
  });
});

describe('one DNS private resolver per VNet', () => {
  it('a second resolver in a VNet that has one is refused with 400 BadRequest; one in another VNet is accepted', async () => {
    env = await startTestAzure();
    seedForeignHub(env);
    await seedSpoke();
    const refused = await env.send('PUT', `${NET}/dnsResolvers/dnsr-vnet-hub`, '2022-07-01', { location: 'japaneast', properties: { virtualNetwork: { id: VNET } } });
    expect([refused.status, refused.json.error.code]).toEqual([400, 'BadRequest']);
    expect(refused.json.error.message).toContain(hub.resolver);
    const accepted = await env.send('PUT', `${NET}/dnsResolvers/dnsr-vnet-spoke`, '2022-07-01', { location: 'japaneast', properties: { virtualNetwork: { id: SPOKE } } });
    expect(accepted.status).toBe(201);
  });
});

describe('a VNet is linked to one zone of a name', () => {
  const OUR_ZONE = `${NET}/privateDnsZones/privatelink.openai.azure.com`;
  const link = (vnet: string) => ({ location: 'global', properties: { virtualNetwork: { id: vnet }, registrationEnabled: false } });

  it('a VNet linked to the central zone cannot be linked to another zone of the same name (400 BadRequest, overlapping namespaces)', async () => {
    env = await startTestAzure();
    seedForeignHub(env);
    await createAndWait(env, OUR_ZONE, { location: 'global' }, DNS_API);
    const refused = await env.send('PUT', `${OUR_ZONE}/virtualNetworkLinks/link-vnet-hub`, DNS_API, link(VNET));
    expect([refused.status, refused.json.error.code]).toEqual([400, 'BadRequest']);
    expect(refused.json.error.message).toMatch(/^A virtual network cannot be linked to multiple zones with overlapping namespaces\. You tried to link virtual network with 'privatelink\.openai\.azure\.com' and 'privatelink\.openai\.azure\.com' zones\.$/);
    expect(env.ctx.state.azure.resources[`${OUR_ZONE}/virtualNetworkLinks/link-vnet-hub`.toLowerCase()]).toBeUndefined();
  });

  it('the same zone may be linked to a VNet that has no zone of that name; a link still being created already counts', async () => {
    env = await startTestAzure();
    seedForeignHub(env);
    await seedSpoke();
    await createAndWait(env, OUR_ZONE, { location: 'global' }, DNS_API);
    const accepted = await env.send('PUT', `${OUR_ZONE}/virtualNetworkLinks/link-vnet-spoke`, DNS_API, link(SPOKE));
    expect(accepted.status).toBe(201);
    expect(accepted.json.properties.provisioningState).toBe('Creating');
    // The central zone, in the same second, to the same spoke: refused although the first link is not done.
    const racing = await env.send('PUT', `${hub.zone}/virtualNetworkLinks/link-vnet-spoke`, DNS_API, link(SPOKE));
    expect([racing.status, racing.json.error.code]).toEqual([400, 'BadRequest']);
  });
});
