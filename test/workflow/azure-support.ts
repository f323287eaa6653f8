/**
 * Fixtures for the fast Azure-side tests: the product's domain functions called with the real
 * ResourceManagementClient against the emulated Azure in-process (test/local-azure/support.ts), and helpers
 * that read what the emulator holds and what it was asked.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ArmOperation, ArmResource } from '../../local/cloud/state';
import type { StepInput } from '../../functions/azure-network/azure-network';
import { startTestAzure, type TestAzure } from '../local-azure/support';
import { greenfieldHub } from '../../functions/commons/hub';

export const REQUEST = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'events', 'new-environment.json'), 'utf8'));

/** The step input of the default request, with the facts the first state would have found. */
export function stepInput(patch: (request: any) => void = () => undefined): StepInput {
  const request = JSON.parse(JSON.stringify(REQUEST));
  patch(request);
  return { request, facts: { vpcCidrs: ['172.17.0.0/16'], vnetAddressPrefixes: ['192.168.0.0/16'], location: 'japaneast', openAiHost: 'aoai-prod.openai.azure.com', hub: greenfieldHub(request) } };
}

const RG_ID = `/subscriptions/${REQUEST.azure.subscriptionId}/resourceGroups/${REQUEST.azure.resourceGroup}`;
export const NETWORK = `${RG_ID}/providers/Microsoft.Network`;
export const ENV = REQUEST.environmentId as string;
export const ACCOUNT_ID = REQUEST.azure.openAiAccountId as string;

/** What the emulator stores for an id (any casing), or undefined. */
export function stored(env: TestAzure, id: string): ArmResource | undefined {
  return env.ctx.state.azure.resources[id.toLowerCase()];
}

/** The stored resource of a type (the product names its resources; the tests find them by type). */
export function storedOfType(env: TestAzure, type: string): ArmResource[] {
  return Object.values(env.ctx.state.azure.resources).filter((r) => r.type.toLowerCase() === type.toLowerCase() && !r.preExisting);
}

/** Makes the resource's last operation end now with this outcome (what ARM reports after an accepted write failed). */
export function endOperation(env: TestAzure, id: string, outcome: 'Failed' | 'Canceled' | 'Succeeded'): void {
  const resource = stored(env, id);
  if (!resource) throw new Error(`no resource ${id}`);
  // The emulator's own writes end Succeeded or Failed; ARM also reports Canceled (a write superseded or cancelled).
  resource.operation = { kind: 'create', startedAt: env.clock.now(), readyAt: env.clock.now(), outcome: outcome as ArmOperation['outcome'], operationId: 'test-op' };
}

/** How many times ARM was asked `METHOD type` (e.g. `PUT Microsoft.Network/networkSecurityGroups`). */
export function calls(env: TestAzure, name: string): number {
  return env.ctx.recorder.apiCalls.azure[name] ?? 0;
}

/** The error a call fails with (the test fails if it succeeds). */
export async function failureOf(promise: Promise<unknown>): Promise<Error & { code?: string; statusCode?: number }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

/**
 * A fresh emulated Azure, with AZURE_ARM_ENDPOINT pointing at it (raw requests build their URL from it, as
 * in a deployed function); close() puts the variable back.
 */
export async function withAzure(faults = ''): Promise<TestAzure> {
  const env = await startTestAzure(faults);
  const before = process.env.AZURE_ARM_ENDPOINT;
  process.env.AZURE_ARM_ENDPOINT = env.azure.endpoint;
  const close = env.close;
  env.close = async () => {
    if (before === undefined) delete process.env.AZURE_ARM_ENDPOINT;
    else process.env.AZURE_ARM_ENDPOINT = before;
    await close();
  };
  return env;
}
