/**
 * "Restore the OpenAI account's public access as it was": only when the request asks
 * (options.publicNetworkAccessOnTeardown = restore). The value comes from the record provisioning wrote on the
 * environment's gateway public IP before it locked the account (../commons/public-access-record.ts);
 * without a record nothing is changed, and the answer says so.
 *
 * One PATCH of the two settings the lock changed, sent only from a terminal state and only when the account
 * differs from the record; ResourceNotReady until ARM reports the update Succeeded with the recorded values.
 */
import type { ResourceManagementClient } from '@azure/arm-resources';
import { API_VERSIONS, getArmResource, provisioningStateOf } from '../commons/arm';
import { ResourceNotReady } from '../commons/errors';
import { invocationLog } from '../commons/logger';
import { hubResourceNames, isOurHubResource } from '../commons/hub';
import { otherEnvironmentsOnTheHub } from '../commons/hub-users';
import { resourceNames } from '../commons/naming';
import { carriesOurTags } from '../commons/ownership';
import type { InventoriedState, PublicAccessRestored } from '../commons/teardown-data';
import { effectiveSettings, recordFromTags, type PublicAccessRecord } from '../commons/public-access-record';

const API = API_VERSIONS.cognitiveServices;
const TERMINAL = new Set(['Succeeded', 'Failed', 'Canceled']);

function same(a: PublicAccessRecord, b: PublicAccessRecord): boolean {
  return a.publicNetworkAccess === b.publicNetworkAccess && a.defaultAction === b.defaultAction;
}

/**
 * The record, read only from our own public IP (the hub gateway's, or from before hubs the environment's): a
 * look-alike's tags are not ours to trust.
 */
async function readRecord(arm: ResourceManagementClient, input: InventoriedState): Promise<PublicAccessRecord | undefined> {
  const hubPip = await getArmResource(arm, hubResourceNames(input.request).publicIp.id, API_VERSIONS.network);
  if (hubPip && isOurHubResource(hubPip.tags)) return recordFromTags(hubPip.tags);
  const pip = await getArmResource(arm, resourceNames(input.request).azure.publicIp.id, API_VERSIONS.network);
  if (!pip || !carriesOurTags(pip.tags, input.request.environmentId)) return undefined;
  return recordFromTags(pip.tags);
}

export async function restorePublicAccess(arm: ResourceManagementClient, input: InventoriedState): Promise<PublicAccessRestored> {
  const accountId = input.request.azure.openAiAccountId;
  const record = await readRecord(arm, input);
  const account = await getArmResource(arm, accountId, API);
  if (!account) {
    return {
      ...(record ? { recorded: record.publicNetworkAccess } : {}),
      publicNetworkAccess: 'unknown',
      restored: false,
      note: `The OpenAI account ${accountId} no longer exists: there is nothing to restore.`,
    };
  }
  const now = effectiveSettings(account);
  // The account's lock protects every environment on the hub: it is lifted only by the last one.
  const others = await otherEnvironmentsOnTheHub(arm, input.request);
  if (others.length) {
    return {
      ...(record ? { recorded: record.publicNetworkAccess } : {}),
      publicNetworkAccess: now.publicNetworkAccess,
      restored: false,
      note: `${others.length === 1 ? 'Environment' : 'Environments'} ${others.join(', ')} still ${others.length === 1 ? 'uses' : 'use'} the hub, so the account keeps the settings it has.`,
    };
  }
  if (!record) {
    return {
      publicNetworkAccess: now.publicNetworkAccess,
      restored: false,
      note:
        "Provisioning left no record of the account's network settings before it changed them (the environment's gateway public IP is gone or predates the record), " +
        'so the account keeps the settings it has.',
    };
  }
  const state = provisioningStateOf(account);
  if (!TERMINAL.has(state)) throw new ResourceNotReady(`The OpenAI account ${accountId} is ${state}; its network settings are restored once that update has ended`);
  if (state === 'Succeeded' && same(now, record)) {
    return {
      recorded: record.publicNetworkAccess,
      publicNetworkAccess: now.publicNetworkAccess,
      restored: true,
      note: `The account has publicNetworkAccess ${now.publicNetworkAccess} and network ACL default action ${now.defaultAction}, as before provisioning.`,
    };
  }
  invocationLog().info('restoring', { account: accountId, provisioningState: state, publicNetworkAccess: record.publicNetworkAccess, defaultAction: record.defaultAction });
  // PATCH, as the lock did: only the two settings the lock changed; the account's rules and the rest stay.
  await arm.resources.beginUpdateById(accountId, API, {
    properties: {
      publicNetworkAccess: record.publicNetworkAccess,
      networkAcls: { ...(account.properties.networkAcls ?? {}), defaultAction: record.defaultAction },
    },
  } as any);
  throw new ResourceNotReady(
    `The OpenAI account ${accountId} was ${state} with publicNetworkAccess ${now.publicNetworkAccess}; ` +
      `the PATCH back to ${record.publicNetworkAccess} (network ACL default action ${record.defaultAction}) was sent`,
  );
}
