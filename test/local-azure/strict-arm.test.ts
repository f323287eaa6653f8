/**
 * ARM in its strict readings: writes that fail after they were accepted, api-versions per type, and a private
 * endpoint whose address is only on its NIC once a zone group manages its DNS.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { API_VERSIONS } from '../../functions/commons/arm';
import * as azure from '../../functions/azure-network/azure-network';
import { createPipelineRequest } from '@azure/core-rest-pipeline';
import { ACCOUNT, advanceToReady, bodies, ids, startTestAzure, VNET, type TestAzure } from './support';
import { greenfieldHub } from '../../functions/commons/hub';

let env: TestAzure;
afterEach(async () => env?.close());

describe('async-fail: a write accepted, then Failed', () => {
  it('answers 201 with Azure-AsyncOperation, then the operation and the resource say Failed with a transient code', async () => {
    env = await startTestAzure('async-fail:1');
    const put = await env.send('PUT', ids.gatewaySubnet, API_VERSIONS.network, bodies.gatewaySubnet);
    expect(put.status).toBe(201);
    expect(put.json.properties.provisioningState).toBe('Creating');
    const operationUrl = put.headers.get('azure-asyncoperation')!;
    expect(operationUrl).toContain('/operationStatuses/');
    await advanceToReady(env, ids.gatewaySubnet);
    const answer = await env.client.sendRequest(createPipelineRequest({ url: operationUrl, method: 'GET' }));
    const status = JSON.parse(answer.bodyAsText!);
    expect(status.status).toBe('Failed');
    expect(['AnotherOperationInProgress', 'InternalServerError']).toContain(status.error.code);
    const after = await env.send('GET', ids.gatewaySubnet, API_VERSIONS.network);
    expect(after.json.properties.provisioningState).toBe('Failed');
  });

  it('without the fault the same write succeeds', async () => {
    env = await startTestAzure('');
    await env.send('PUT', ids.gatewaySubnet, API_VERSIONS.network, bodies.gatewaySubnet);
    await advanceToReady(env, ids.gatewaySubnet);
    expect((await env.send('GET', ids.gatewaySubnet, API_VERSIONS.network)).json.properties.provisioningState).toBe('Succeeded');
  });
});

describe('the product repairs a resource left Failed, within a bound', () => {
  const request = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'events', 'new-environment.json'), 'utf8'));
  const input = { request, facts: { vpcCidrs: ['172.17.0.0/16'], vnetAddressPrefixes: ['192.168.0.0/16'], location: 'japaneast', openAiHost: 'aoai-prod.openai.azure.com', hub: greenfieldHub(request) } };

  async function failureOf(promise: Promise<unknown>): Promise<Error> {
    try {
      await promise;
    } catch (error) {
      return error as Error;
    }
    throw new Error(`expected the step to fail (at ${env.clock.now()} s)`);
  }

  it('re-sends the create body three times, then ends with ResourceFailed naming the resource; the create step starts the count again', async () => {
    env = await startTestAzure('async-fail:1');
    const zoneKey = () => Object.keys(env.ctx.state.azure.resources).find((k) => k.endsWith('/privatednszones/privatelink.openai.azure.com'))!;
    await azure.createPrivateDnsZone(env.client, input);
    const messages: string[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      await env.clock.sleep(60);
      const error = await failureOf(azure.linkPrivateDnsZone(env.client, input));
      messages.push(`${error.name}: ${error.message}`);
    }
    expect(messages.slice(0, 3)).toEqual([1, 2, 3].map((n) => expect.stringMatching(new RegExp(`^ResourceNotReady: .*privateDnsZones/privatelink\\.openai\\.azure\\.com ended in provisioningState Failed; its PUT was sent again \\(repair ${n}\\)`))));
    expect(messages[3]).toMatch(/^ResourceFailed: The private DNS zone \/subscriptions\/.+\/privateDnsZones\/privatelink\.openai\.azure\.com ended in provisioningState Failed again after 3 repairs/);
    expect(env.ctx.state.azure.resources[zoneKey()].body.tags).toMatchObject({ 'aoai-link-repairs': '3', 'managed-by': 'aoai-private-link' });

    // A re-run's create step sends the body without the count: the bound is per run.
    await azure.createPrivateDnsZone(env.client, input);
    expect(env.ctx.state.azure.resources[zoneKey()].body.tags).not.toHaveProperty('aoai-link-repairs');
  });
});

describe('api-versions: each type answers only the versions it serves', () => {
  const zone = `${VNET.split('/providers/')[0]}/providers/Microsoft.Network/privateDnsZones/privatelink.openai.azure.com`;
  const resolver = `${VNET.split('/providers/')[0]}/providers/Microsoft.Network/dnsResolvers/dnsr-none`;

  it.each([
    ['virtual network', VNET, API_VERSIONS.network, '2099-01-01', 200],
    ['private DNS zone', zone, API_VERSIONS.privateDns, API_VERSIONS.network, 404],
    ['DNS resolver', resolver, API_VERSIONS.dnsResolver, API_VERSIONS.network, 404],
    ['OpenAI account', ACCOUNT, API_VERSIONS.cognitiveServices, API_VERSIONS.network, 200],
  ])('%s: the product api-version is routed, another one is 400 NoRegisteredProviderFound', async (_what, id, ours, wrong, status) => {
    env = await startTestAzure('');
    expect((await env.send('GET', id, ours)).status).toBe(status);
    const refused = await env.send('GET', id, wrong);
    expect(refused.status).toBe(400);
    expect(refused.json.error.code).toBe('NoRegisteredProviderFound');
    expect(refused.json.error.message).toMatch(new RegExp(`API version '${wrong}' for type '[^']+'\\. The supported api-versions are '[^']*${ours}`));
  });
});

describe('a private endpoint with a zone group', () => {
  const request = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'events', 'new-environment.json'), 'utf8'));
  const input = { request, facts: { vpcCidrs: ['172.17.0.0/16'], vnetAddressPrefixes: ['192.168.0.0/16'], location: 'japaneast', openAiHost: 'aoai-prod.openai.azure.com', hub: greenfieldHub(request) } };

  async function settle() {
    await env.clock.sleep(200);
  }

  async function buildEndpoint() {
    await azure.createNetworkSecurityGroups(env.client, input);
    await settle();
    await azure.createPrivateEndpointSubnet(env.client, input);
    await settle();
    await azure.createPrivateDnsZone(env.client, input);
    await azure.createPrivateEndpoint(env.client, input);
    await settle();
    await azure.linkPrivateDnsZone(env.client, input);
    await settle();
    await azure.registerPrivateEndpointInZone(env.client, input);
    await settle();
  }

  it('answers customDnsConfigs empty; the product reads the address from the NIC, else from the zone group', async () => {
    env = await startTestAzure('');
    await buildEndpoint();
    const peId = Object.values(env.ctx.state.azure.resources).find((r) => r.type === 'Microsoft.Network/privateEndpoints')!.id;
    const pe = (await env.send('GET', peId, API_VERSIONS.network)).json;
    expect(pe.properties.customDnsConfigs).toEqual([]);
    const nic = (await env.send('GET', pe.properties.networkInterfaces[0].id, API_VERSIONS.network)).json;
    expect(nic.properties.ipConfigurations[0].properties.privateIPAddress).toBe('192.168.1.4');

    expect(await azure.readPrivateEndpointAddress(env.client, input)).toMatchObject({ privateIp: '192.168.1.4' });
    // The NIC is what is read: an address only the NIC shows is the one answered.
    const nicKey = pe.properties.networkInterfaces[0].id.toLowerCase();
    const nicConfig = env.ctx.state.azure.resources[nicKey].body.properties.ipConfigurations[0].properties;
    nicConfig.privateIPAddress = '192.168.1.9';
    expect(await azure.readPrivateEndpointAddress(env.client, input)).toMatchObject({ privateIp: '192.168.1.9' });
    nicConfig.privateIPAddress = '192.168.1.4';

    // Without the NIC, the record the zone group wrote still gives the address.
    const savedNic = env.ctx.state.azure.resources[nicKey];
    delete env.ctx.state.azure.resources[nicKey];
    expect(await azure.readPrivateEndpointAddress(env.client, input)).toMatchObject({ privateIp: '192.168.1.4' });

    env.ctx.state.azure.resources[nicKey] = savedNic;
  });
});
