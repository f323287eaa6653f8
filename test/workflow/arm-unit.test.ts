/**
 * functions/commons/arm.ts with the real ResourceManagementClient against the emulated Azure: a PUT only from
 * a terminal state (GET first), a lost answer meeting its own operation, a Failed resource repaired within a
 * bound counted on the resource itself, and the reads that say "not yet" or "failed".
 */
import { ResourceManagementClient } from '@azure/arm-resources';
import { createHttpHeaders, createPipelineRequest, type HttpClient, type PipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import {
  API_VERSIONS,
  armRequest,
  ensureArmResource,
  getArmResource,
  MAX_REPAIRS,
  provisioningStateOf,
  REPAIR_TAG,
  repairFailedResource,
  requireSucceeded,
} from '../../functions/commons/arm';
import { ResourceFailed, ResourceNotReady } from '../../functions/commons/errors';
import { advanceToReady, type TestAzure } from '../local-azure/support';
import { calls, endOperation, failureOf, NETWORK, stored, withAzure } from './azure-support';

const NET = API_VERSIONS.network;
const NSG = `${NETWORK}/networkSecurityGroups/nsg-arm-unit`;
const VNET = `${NETWORK}/virtualNetworks/vnet-hub`;
const SUBNET_A = `${VNET}/subnets/snet-arm-unit-a`;
const SUBNET_B = `${VNET}/subnets/snet-arm-unit-b`;
const PIP = `${NETWORK}/publicIPAddresses/pip-arm-unit`;
const TAGS = { 'managed-by': 'aoai-private-link', environment: 'arm-unit' };
const nsgBody = (tags: Record<string, string> | undefined = TAGS) => ({ location: 'japaneast', ...(tags ? { tags } : {}), properties: { securityRules: [] } });
const PUT_NSG = 'PUT Microsoft.Network/networkSecurityGroups';

let env!: TestAzure;
const ARM_ENDPOINT = process.env.AZURE_ARM_ENDPOINT;
afterEach(async () => {
  await env?.close();
  env = undefined as unknown as TestAzure;
  if (ARM_ENDPOINT === undefined) delete process.env.AZURE_ARM_ENDPOINT;
  else process.env.AZURE_ARM_ENDPOINT = ARM_ENDPOINT;
});

describe('provisioningStateOf', () => {
  it('a resource without a provisioningState (or none at all) reads as Succeeded; otherwise its own', () => {
    expect(provisioningStateOf(undefined)).toBe('Succeeded');
    expect(provisioningStateOf({ id: 'x', properties: {} })).toBe('Succeeded');
    expect(provisioningStateOf({ id: 'x' } as any)).toBe('Succeeded');
    expect(provisioningStateOf({ id: 'x', properties: { provisioningState: 'Updating' } })).toBe('Updating');
  });
});

describe('getArmResource', () => {
  it('answers the resource, undefined when ARM says it is not there, and throws any other refusal', async () => {
    env = await withAzure();
    expect(await getArmResource(env.client, VNET, NET)).toMatchObject({ id: expect.stringMatching(/vnet-hub$/i) });
    expect(await getArmResource(env.client, NSG, NET)).toBeUndefined();
    const refused = await failureOf(getArmResource(env.client, NSG, '2099-01-01'));
    expect(refused).toMatchObject({ code: 'NoRegisteredProviderFound', statusCode: 400 });
  });
});

describe('armRequest', () => {
  it('sends JSON with the api-version and answers the parsed body; an ARM refusal throws its code and status', async () => {
    env = await withAzure();
    const created = await armRequest(env.client, 'PUT', PIP, NET, {
      location: 'japaneast',
      sku: { name: 'Standard', tier: 'Regional' },
      zones: ['1', '2', '3'],
      properties: { publicIPAllocationMethod: 'Static', publicIPAddressVersion: 'IPv4' },
    });
    expect(created).toMatchObject({ zones: ['1', '2', '3'], properties: { publicIPAllocationMethod: 'Static' } });
    expect(stored(env, PIP)!.body.zones).toEqual(['1', '2', '3']);
    expect(await armRequest(env.client, 'GET', PIP, NET)).toMatchObject({ id: PIP, zones: ['1', '2', '3'] });
    const missing = await failureOf(armRequest(env.client, 'GET', NSG, NET));
    expect(missing).toMatchObject({ code: 'ResourceNotFound', statusCode: 404 });
    const badVersion = await failureOf(armRequest(env.client, 'GET', PIP, '2099-01-01'));
    expect(badVersion).toMatchObject({ code: 'NoRegisteredProviderFound', statusCode: 400 });
  });

  /** The real client and pipeline, with a transport that answers what a proxy or a bare gateway would. */
  function answering(status: number, bodyAsText: string | undefined): { client: ResourceManagementClient; sent: PipelineRequest[] } {
    process.env.AZURE_ARM_ENDPOINT = 'https://127.0.0.1:1';
    const sent: PipelineRequest[] = [];
    const httpClient: HttpClient = {
      async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
        sent.push(request);
        return { request, status, headers: createHttpHeaders({ 'content-type': 'text/html' }), bodyAsText };
      },
    };
    const credential = { getToken: async () => ({ token: 'local-token', expiresOnTimestamp: Date.now() + 3_600_000 }) };
    const client = new ResourceManagementClient(credential, '00000000-0000-0000-0000-000000000000', {
      endpoint: 'https://127.0.0.1:1',
      httpClient,
      retryOptions: { maxRetries: 0 },
    });
    return { client, sent };
  }

  it('an answer that is not ARM JSON: an error status throws ArmError with the status; a success gives the text', async () => {
    const gateway = answering(502, '<html>Bad Gateway</html>');
    expect(await failureOf(armRequest(gateway.client, 'GET', PIP, NET))).toMatchObject({ code: 'ArmError', statusCode: 502, message: 'HTTP 502' });
    const refusedWithoutBody = answering(400, '');
    expect(await failureOf(armRequest(refusedWithoutBody.client, 'GET', PIP, NET))).toMatchObject({ code: 'ArmError', statusCode: 400 });
    expect(await armRequest(answering(200, 'plain text').client, 'GET', PIP, NET)).toEqual({ text: 'plain text' });
    expect(await armRequest(answering(200, '').client, 'GET', PIP, NET)).toEqual({});
    expect(await armRequest(answering(204, undefined).client, 'POST', PIP, NET)).toEqual({});
  });

  it('a body goes as JSON text with its content type; a request without a body sends none', async () => {
    const ok = answering(200, '{}');
    await armRequest(ok.client, 'PUT', PIP, NET, { location: 'japaneast' });
    await armRequest(ok.client, 'GET', PIP, NET);
    expect(ok.sent[0].body).toBe('{"location":"japaneast"}');
    expect(ok.sent[0].method).toBe('PUT');
    expect(ok.sent[0].headers.get('content-type')).toBe('application/json');
    expect(ok.sent[0].url).toBe(`https://127.0.0.1:1${PIP}?api-version=${NET}`);
    expect(ok.sent[1].body).toBeUndefined();
  });
});

describe('ensureArmResource: GET first, PUT only from a terminal state', () => {
  it('absent: one PUT, answering the state ARM reports right after', async () => {
    env = await withAzure();
    expect(await ensureArmResource(env.client, NSG, NET, nsgBody())).toEqual({ provisioningState: 'Creating', wrote: true });
    expect(calls(env, PUT_NSG)).toBe(1);
    expect(stored(env, NSG)!.body.tags).toEqual(TAGS);
  });

  it('in progress: no PUT, its state answered', async () => {
    env = await withAzure();
    await ensureArmResource(env.client, NSG, NET, nsgBody());
    expect(await ensureArmResource(env.client, NSG, NET, nsgBody(), { needsUpdate: () => true })).toEqual({ provisioningState: 'Creating', wrote: false });
    expect(calls(env, PUT_NSG)).toBe(1);
  });

  it('Succeeded: no PUT unless needsUpdate says the configuration differs', async () => {
    env = await withAzure();
    await ensureArmResource(env.client, NSG, NET, nsgBody());
    await advanceToReady(env, NSG);
    const seen: unknown[] = [];
    expect(await ensureArmResource(env.client, NSG, NET, nsgBody())).toEqual({ provisioningState: 'Succeeded', wrote: false });
    expect(await ensureArmResource(env.client, NSG, NET, nsgBody(), { needsUpdate: (c) => (seen.push(c), false) })).toEqual({ provisioningState: 'Succeeded', wrote: false });
    expect(seen).toEqual([expect.objectContaining({ id: expect.stringMatching(/nsg-arm-unit$/), tags: TAGS })]);
    expect(calls(env, PUT_NSG)).toBe(1);
    expect(await ensureArmResource(env.client, NSG, NET, nsgBody(), { needsUpdate: () => true })).toMatchObject({ wrote: true });
    expect(calls(env, PUT_NSG)).toBe(2);
  });

  it.each(['Failed', 'Canceled'] as const)('%s: the PUT is sent again', async (outcome) => {
    env = await withAzure();
    await ensureArmResource(env.client, NSG, NET, nsgBody());
    endOperation(env, NSG, outcome);
    expect(await ensureArmResource(env.client, NSG, NET, nsgBody(), { needsUpdate: () => false })).toEqual({ provisioningState: 'Updating', wrote: true });
    expect(calls(env, PUT_NSG)).toBe(2);
  });

  it('raw: the body goes as JSON through the pipeline, keeping the top-level zones the generic model drops', async () => {
    env = await withAzure();
    const body = { location: 'japaneast', sku: { name: 'Standard' }, zones: ['1', '2', '3'], properties: { publicIPAllocationMethod: 'Static' } };
    expect(await ensureArmResource(env.client, PIP, NET, body, { raw: true })).toEqual({ provisioningState: 'Creating', wrote: true });
    expect(stored(env, PIP)!.body.zones).toEqual(['1', '2', '3']);
  });

  it('a PUT whose answer was lost meets its own operation in flight (409 AnotherOperationInProgress): success', async () => {
    env = await withAzure(`drop-response:${PUT_NSG}`);
    expect(await ensureArmResource(env.client, NSG, NET, nsgBody())).toEqual({ provisioningState: 'Creating', wrote: true });
    expect(calls(env, PUT_NSG)).toBe(2);
  });

  it('the same for a raw PUT', async () => {
    env = await withAzure('drop-response:PUT Microsoft.Network/publicIPAddresses');
    const body = { location: 'japaneast', sku: { name: 'Standard' }, zones: ['1'], properties: { publicIPAllocationMethod: 'Static' } };
    expect(await ensureArmResource(env.client, PIP, NET, body, { raw: true })).toMatchObject({ wrote: true });
    expect(calls(env, 'PUT Microsoft.Network/publicIPAddresses')).toBe(2);
  });

  it('AnotherOperationInProgress for a resource that does not exist (a sibling subnet is being written) is thrown', async () => {
    env = await withAzure();
    await ensureArmResource(env.client, SUBNET_A, NET, { properties: { addressPrefix: '192.168.3.0/28' } });
    const busy = await failureOf(ensureArmResource(env.client, SUBNET_B, NET, { properties: { addressPrefix: '192.168.3.16/28' } }));
    expect(busy).toMatchObject({ code: 'AnotherOperationInProgress', statusCode: 409 });
    expect(stored(env, SUBNET_B)).toBeUndefined();
  });

  it('a 409 Conflict refusing the new body of an existing resource is thrown, not taken for our own write in flight', async () => {
    env = await withAzure();
    const zone = `${NETWORK}/privateDnsZones/privatelink.openai.azure.com`;
    const otherVnet = `${NETWORK}/virtualNetworks/vnet-arm-unit`;
    const link = (name: string) => `${zone}/virtualNetworkLinks/${name}`;
    const linkBody = (vnet: string) => ({ location: 'global', tags: TAGS, properties: { virtualNetwork: { id: vnet }, registrationEnabled: false } });
    await ensureArmResource(env.client, zone, API_VERSIONS.privateDns, { location: 'global', tags: TAGS, properties: {} });
    await ensureArmResource(env.client, otherVnet, NET, { location: 'japaneast', properties: { addressSpace: { addressPrefixes: ['10.77.0.0/16'] } } });
    await env.clock.sleep(60);
    await ensureArmResource(env.client, link('link-hub'), API_VERSIONS.privateDns, linkBody(VNET));
    await ensureArmResource(env.client, link('link-other'), API_VERSIONS.privateDns, linkBody(otherVnet));
    await env.clock.sleep(60);
    // Moving link-other onto the hub VNet, which link-hub already links: ARM refuses with 409 Conflict.
    const conflict = await failureOf(ensureArmResource(env.client, link('link-other'), API_VERSIONS.privateDns, linkBody(VNET), { needsUpdate: () => true }));
    expect(conflict).toMatchObject({ code: 'Conflict', statusCode: 409 });
    expect(stored(env, link('link-other'))!.body.properties.virtualNetwork.id).toBe(otherVnet);
  });

  it('the emulated ARM, as ARM, refuses a body sent without the JSON media type (415)', async () => {
    env = await withAzure();
    const answer = await env.client.sendRequest(
      createPipelineRequest({ url: `${env.azure.endpoint}${NSG}?api-version=${NET}`, method: 'PUT', body: JSON.stringify(nsgBody()), headers: createHttpHeaders({ 'content-type': 'text/plain' }) }),
    );
    expect(answer.status).toBe(415);
    expect(JSON.parse(answer.bodyAsText!).error.code).toBe('UnsupportedMediaType');
    expect(stored(env, NSG)).toBeUndefined();
  });

  it('any other refusal of the PUT is thrown as it came', async () => {
    env = await withAzure();
    const refused = await failureOf(ensureArmResource(env.client, SUBNET_A, NET, { properties: { addressPrefix: '10.99.0.0/28' } }));
    expect(refused.statusCode).toBe(400);
    expect(refused.code).not.toBe('AnotherOperationInProgress');
  });
});

describe('repairFailedResource: the bound counted on the resource', () => {
  async function failedNsg(tags: Record<string, string> = TAGS) {
    await ensureArmResource(env.client, NSG, NET, nsgBody(tags));
    endOperation(env, NSG, 'Failed');
    return (await getArmResource(env.client, NSG, NET))!;
  }

  it('each repair re-sends the desired body with the count one higher, up to MAX_REPAIRS, then ResourceFailed', async () => {
    env = await withAzure();
    expect(MAX_REPAIRS).toBe(3);
    let current = await failedNsg();
    for (let repair = 1; repair <= MAX_REPAIRS; repair++) {
      expect(await repairFailedResource(env.client, current, NET, 'The NSG', { body: nsgBody() })).toEqual({ repair });
      expect(stored(env, NSG)!.body.tags).toEqual({ ...TAGS, [REPAIR_TAG]: String(repair) });
      endOperation(env, NSG, 'Failed');
      current = (await getArmResource(env.client, NSG, NET))!;
    }
    const failed = await failureOf(repairFailedResource(env.client, current, NET, 'The NSG', { body: nsgBody() }));
    expect(failed).toBeInstanceOf(ResourceFailed);
    expect(failed.message).toContain(current.id);
    expect(failed.message).toContain('after 3 repairs');
    expect(calls(env, PUT_NSG)).toBe(1 + MAX_REPAIRS);
  });

  it('the bound is the one given; one repair is said in the singular', async () => {
    env = await withAzure();
    const current = await failedNsg({ ...TAGS, [REPAIR_TAG]: '1' });
    const failed = await failureOf(repairFailedResource(env.client, current, NET, 'The gateway', { body: nsgBody() }, 1));
    expect(failed).toBeInstanceOf(ResourceFailed);
    expect(failed.message).toContain('after 1 repair in this run');
    const below = await failedNsg({ ...TAGS, [REPAIR_TAG]: '1' });
    expect(await repairFailedResource(env.client, below, NET, 'The gateway', { body: nsgBody() }, 2)).toEqual({ repair: 2 });
  });

  it('a count that is not a number starts again at 0', async () => {
    env = await withAzure();
    const current = await failedNsg({ ...TAGS, [REPAIR_TAG]: 'many' });
    expect(await repairFailedResource(env.client, current, NET, 'The NSG', { body: nsgBody() })).toEqual({ repair: 1 });
    expect(stored(env, NSG)!.body.tags![REPAIR_TAG]).toBe('1');
  });

  it('an untaggable body (a subnet) is re-sent as it is, with no count and no bound of its own', async () => {
    env = await withAzure();
    const body = { properties: { addressPrefix: '192.168.3.0/28' } };
    await ensureArmResource(env.client, SUBNET_A, NET, body);
    await advanceToReady(env, SUBNET_A);
    endOperation(env, SUBNET_A, 'Failed');
    const current = { ...(await getArmResource(env.client, SUBNET_A, NET))!, tags: { [REPAIR_TAG]: '7' } };
    expect(await repairFailedResource(env.client, current, NET, 'The subnet', { body })).toEqual({ repair: 8 });
    expect(stored(env, SUBNET_A)!.body.tags).toBeUndefined();
    expect(calls(env, 'PUT Microsoft.Network/virtualNetworks/subnets')).toBe(2);
  });

  it('the repair is sent raw when the desired resource says so', async () => {
    env = await withAzure();
    const body = { location: 'japaneast', tags: TAGS, sku: { name: 'Standard' }, zones: ['1', '2', '3'], properties: { publicIPAllocationMethod: 'Static' } };
    await ensureArmResource(env.client, PIP, NET, body, { raw: true });
    endOperation(env, PIP, 'Failed');
    const current = (await getArmResource(env.client, PIP, NET))!;
    await repairFailedResource(env.client, current, NET, 'The public IP', { body, options: { raw: true } });
    expect(stored(env, PIP)!.body.zones).toEqual(['1', '2', '3']);
    expect(stored(env, PIP)!.body.tags![REPAIR_TAG]).toBe('1');
  });
});

describe('requireSucceeded', () => {
  it('absent or in progress: ResourceNotReady; Succeeded: the resource', async () => {
    env = await withAzure();
    const absent = await failureOf(requireSucceeded(env.client, NSG, NET, 'The NSG'));
    expect(absent).toBeInstanceOf(ResourceNotReady);
    expect(absent.message).toBe('The NSG nsg-arm-unit does not exist yet');
    await ensureArmResource(env.client, NSG, NET, nsgBody());
    const building = await failureOf(requireSucceeded(env.client, NSG, NET, 'The NSG', { body: nsgBody() }));
    expect(building).toBeInstanceOf(ResourceNotReady);
    expect(building.message).toBe('The NSG nsg-arm-unit is still Creating');
    await advanceToReady(env, NSG);
    expect(await requireSucceeded(env.client, NSG, NET, 'The NSG')).toMatchObject({ id: expect.stringMatching(/nsg-arm-unit$/), properties: { provisioningState: 'Succeeded' } });
    expect(calls(env, PUT_NSG)).toBe(1);
  });

  it.each(['Failed', 'Canceled'] as const)('%s without a desired body: ResourceFailed naming the full id and the state', async (outcome) => {
    env = await withAzure();
    await ensureArmResource(env.client, NSG, NET, nsgBody());
    endOperation(env, NSG, outcome);
    const failed = await failureOf(requireSucceeded(env.client, NSG, NET, 'The NSG'));
    expect(failed).toBeInstanceOf(ResourceFailed);
    expect(failed.message).toBe(`The NSG ${NSG} ended in provisioningState ${outcome}`);
    expect(calls(env, PUT_NSG)).toBe(1);
  });

  it.each(['Failed', 'Canceled'] as const)('%s with a desired body: repaired, and ResourceNotReady so the state comes back', async (outcome) => {
    env = await withAzure();
    await ensureArmResource(env.client, NSG, NET, nsgBody());
    endOperation(env, NSG, outcome);
    const repaired = await failureOf(requireSucceeded(env.client, NSG, NET, 'The NSG', { body: nsgBody() }));
    expect(repaired).toBeInstanceOf(ResourceNotReady);
    expect(repaired.message).toContain('(repair 1)');
    expect(calls(env, PUT_NSG)).toBe(2);
    expect(stored(env, NSG)!.body.tags![REPAIR_TAG]).toBe('1');
  });
});
