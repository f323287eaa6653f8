/** Faults from --faults, as the real SDK experiences them. */
import { seededDraw } from '../../local/faults';
import { advanceToReady, begin, bodies, createAndWait, gatewayPrerequisites, ids, NETWORK_API, restError, startTestAzure, getById, VNET, type TestAzure } from './support';

/** A seed whose first draw for `callKey` falls under `rate` and whose second does not: one fault, then success. */
function seedFaultingOnce(callKey: string, rate: number): number {
  for (let seed = 1; seed < 10_000; seed++) {
    if (seededDraw(seed, `${callKey}#1`) < rate && seededDraw(seed, `${callKey}#2`) >= rate) return seed;
  }
  throw new Error('no seed found');
}

let env: TestAzure | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

it('throttle: 429 TooManyRequests with Retry-After 1, retried by the SDK', async () => {
  env = await startTestAzure('throttle:0.5', seedFaultingOnce(`GET ${VNET}`, 0.5));
  const vnet = await getById(env, VNET, NETWORK_API);
  expect(vnet.name).toBe('vnet-hub');
  expect(env.ctx.recorder.apiCalls.azure['GET Microsoft.Network/virtualNetworks']).toBe(2);
});

it('error5xx: 500 InternalServerError, retried by the SDK', async () => {
  env = await startTestAzure('error5xx:0.5', seedFaultingOnce(`PUT ${ids.gatewaySubnet}`, 0.5));
  // The clock reaches the subnet's readyAt before the poller's first look, so the polls (which the fault
  // rate hits too) are the same few on every run, however busy the machine.
  const poller = await begin(env, ids.gatewaySubnet, bodies.gatewaySubnet);
  await advanceToReady(env, ids.gatewaySubnet);
  const subnet: any = await poller.pollUntilDone();
  expect(subnet.properties.provisioningState).toBe('Succeeded');
  expect(env.ctx.recorder.apiCalls.azure['PUT Microsoft.Network/virtualNetworks/subnets']).toBe(2);
  // The refused call committed nothing: one create operation only.
  expect(env.ctx.recorder.operations.filter((o) => o.resource === ids.gatewaySubnet)).toHaveLength(1);
});

it('drop-response on PUT Microsoft.Network/virtualNetworkGateways: committed, and the retried PUT meets the running build', async () => {
  env = await startTestAzure('drop-response:PUT Microsoft.Network/virtualNetworkGateways');
  await gatewayPrerequisites(env);
  const err = await restError(begin(env, ids.gateway, bodies.gateway));
  expect([err.statusCode, err.code]).toEqual([409, 'AnotherOperationInProgress']);
  expect(env.ctx.recorder.apiCalls.azure['PUT Microsoft.Network/virtualNetworkGateways']).toBe(2);
  const gw = await getById(env, ids.gateway, NETWORK_API);
  expect(gw.properties.provisioningState).toBe('Creating');
  // Only once: after the build, a re-PUT is answered normally.
  await advanceToReady(env, ids.gateway);
  const again = await env.send('PUT', ids.gateway, NETWORK_API, bodies.gateway);
  expect(again.status).toBe(200);
});

it('gateway-failed: the build ends Failed and the SDK poller reports it', async () => {
  env = await startTestAzure('gateway-failed');
  await gatewayPrerequisites(env);
  // core-lro raises a plain Error carrying ARM's async-operation error.
  await expect(createAndWait(env, ids.gateway, bodies.gateway)).rejects.toThrow(/long-running operation has failed/);
  const gw = await getById(env, ids.gateway, NETWORK_API);
  expect(gw.properties.provisioningState).toBe('Failed');
  const connection = await restError(begin(env, ids.connection1, bodies.connection('psk.one_1')));
  expect(connection.code).toBe('ReferencedResourceNotProvisioned');
  expect(connection.message).toContain('Failed');
});

it('wrong-psk: Azure stores a different key than it was sent', async () => {
  env = await startTestAzure('wrong-psk');
  await gatewayPrerequisites(env);
  await createAndWait(env, ids.gateway, bodies.gateway);
  await createAndWait(env, ids.lng1, bodies.lng('52.68.1.10'));
  await createAndWait(env, ids.connection1, bodies.connection('psk.tunnel1_abc'));
  const stored = env.ctx.state.azure.resources[ids.connection1.toLowerCase()].body.properties.sharedKey;
  expect(stored).toEqual(expect.any(String));
  expect(stored).not.toBe('psk.tunnel1_abc');
});
