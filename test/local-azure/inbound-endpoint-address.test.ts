/**
 * A DNS resolver inbound endpoint with a static address: ARM refuses an address outside the subnet, and a
 * malformed one, with a 400 like any other refusal of the body. (Before the resource rules moved into
 * families, a malformed address escaped the rule as an internal error and the emulator answered 500, which a
 * client retries as a transient failure.)
 */
import { bodies, createAndWait, ids, NETWORK_API, startTestAzure, type TestAzure } from './support';

let env: TestAzure;

beforeAll(async () => {
  env = await startTestAzure();
  await createAndWait(env, ids.dnsSubnet, bodies.dnsSubnet);
  await createAndWait(env, ids.resolver, { location: 'japaneast', properties: { virtualNetwork: { id: ids.dnsSubnet.split('/subnets/')[0] } } });
});

afterAll(async () => {
  await env.close();
});

function staticEndpoint(privateIpAddress: unknown) {
  return { location: 'japaneast', properties: { ipConfigurations: [{ subnet: { id: ids.dnsSubnet }, privateIpAllocationMethod: 'Static', privateIpAddress }] } };
}

describe('a static inbound endpoint address', () => {
  it.each([['192.168.3.4'], ['192.168.2.300'], [' 192.168.2.5'], ['192.168.2'], [5], [''], [null]])('refuses %j with 400 BadRequest, writing nothing', async (address) => {
    const answer = await env.send('PUT', ids.inbound, NETWORK_API, staticEndpoint(address));
    expect([answer.status, answer.json.error.code]).toEqual([400, 'BadRequest']);
    expect(env.ctx.state.azure.resources[ids.inbound.toLowerCase()]).toBeUndefined();
  });

  it('takes an address inside the subnet as sent', async () => {
    const answer = await env.send('PUT', ids.inbound, NETWORK_API, staticEndpoint('192.168.2.10'));
    expect(answer.status).toBe(201);
    expect(answer.json.properties.ipConfigurations[0]).toMatchObject({ privateIpAllocationMethod: 'Static', privateIpAddress: '192.168.2.10' });
  });
});
