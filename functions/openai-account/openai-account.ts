/**
 * Locking the account (seed 000, step 3.2): public network access Disabled and the network ACL's default
 * action Deny, so only the private endpoint reaches it. When depends on `options.publicNetworkAccess`.
 */
import type { ResourceManagementClient } from '@azure/arm-resources';
import { API_VERSIONS, getArmResource, provisioningStateOf } from '../commons/arm';
import { ResourceFailed, ResourceNotReady } from '../commons/errors';
import { invocationLog } from '../commons/logger';
import type { AccountLocked, ProvisioningOutcome, StepInput } from '../commons/workflow-data';

const API = API_VERSIONS.cognitiveServices;
const TERMINAL = new Set(['Succeeded', 'Failed', 'Canceled']);

export async function lockPublicAccess(arm: ResourceManagementClient, input: StepInput): Promise<ProvisioningOutcome> {
  const id = input.request.azure.openAiAccountId;
  const account = await getArmResource(arm, id, API);
  if (!account) throw new ResourceFailed(`The OpenAI account ${id} no longer exists`);
  const state = provisioningStateOf(account);
  if (!TERMINAL.has(state) || (account.properties.publicNetworkAccess === 'Disabled' && state === 'Succeeded')) {
    invocationLog().info('found', { account: id, provisioningState: state, publicNetworkAccess: account.properties.publicNetworkAccess });
    return { provisioningState: state };
  }
  invocationLog().info('updated', { account: id, publicNetworkAccess: 'Disabled' });
  // PATCH, not PUT: only the network settings change; the account's other properties stay as they are.
  await arm.resources.beginUpdateById(id, API, {
    properties: {
      publicNetworkAccess: 'Disabled',
      networkAcls: { ...(account.properties.networkAcls ?? {}), defaultAction: 'Deny' },
    },
  } as any);
  return { provisioningState: 'Accepted' };
}

export async function checkAccountLocked(arm: ResourceManagementClient, input: StepInput): Promise<AccountLocked> {
  const id = input.request.azure.openAiAccountId;
  const account = await getArmResource(arm, id, API);
  const state = provisioningStateOf(account);
  if (state === 'Failed' || state === 'Canceled') {
    // An accepted update can still fail (ARM reports it only on the operation): send it again and come back.
    // The account is not ours to tag, so the state's Retry is the bound.
    await lockPublicAccess(arm, input);
    throw new ResourceNotReady(`The OpenAI account ${id} update ended in provisioningState ${state}; the PATCH was sent again`);
  }
  if (state !== 'Succeeded' || account?.properties.publicNetworkAccess !== 'Disabled') {
    throw new ResourceNotReady(`The OpenAI account is ${state} with publicNetworkAccess ${account?.properties.publicNetworkAccess}`);
  }
  return { publicNetworkAccess: 'Disabled' };
}
