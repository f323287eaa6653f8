/**
 * What the OpenAI account's network settings were before this environment's provisioning changed them, kept
 * on a resource the product owns so a teardown can put them back (options.publicNetworkAccessOnTeardown).
 *
 * The record lives in two tags of the environment's gateway public IP, written in the PUT that creates it:
 * that PUT comes before every lock of the account (both lock states run after the address is read), and the
 * public IP is never written again once it is Succeeded, so a re-run cannot overwrite the record. A repair of
 * a Failed public IP carries the tags it already has, never a fresh reading (by then the account may be
 * locked by this very product). The private endpoint would have been the natural holder, but with
 * `disable-first` the lock runs before the endpoint exists.
 */
import type { ResourceManagementClient } from '@azure/arm-resources';
import { API_VERSIONS, getArmResource, provisioningStateOf, type ArmResourceView } from './arm';
import type { EnvironmentRequest } from './request/contract';

/** The account's publicNetworkAccess before the product changed it: Enabled or Disabled. */
export const PUBLIC_ACCESS_BEFORE_TAG = 'aoai-link-public-network-access-before';
/** The account's networkAcls.defaultAction before the product changed it: Allow or Deny (the lock sets Deny). */
export const ACL_DEFAULT_ACTION_BEFORE_TAG = 'aoai-link-network-acls-default-action-before';

export type PublicNetworkAccess = 'Enabled' | 'Disabled';
export type AclDefaultAction = 'Allow' | 'Deny';

export interface PublicAccessRecord {
  publicNetworkAccess: PublicNetworkAccess;
  defaultAction: AclDefaultAction;
}

/** The settings an account has in effect: ARM leaves both unset on an account nobody restricted, which means open. */
export function effectiveSettings(account: ArmResourceView): PublicAccessRecord {
  return {
    publicNetworkAccess: account.properties?.publicNetworkAccess === 'Disabled' ? 'Disabled' : 'Enabled',
    defaultAction: account.properties?.networkAcls?.defaultAction === 'Deny' ? 'Deny' : 'Allow',
  };
}

/** The record a resource's tags hold, or undefined when they hold none (or a value no account setting has). */
export function recordFromTags(tags: Record<string, string> | undefined): PublicAccessRecord | undefined {
  const access = tags?.[PUBLIC_ACCESS_BEFORE_TAG];
  const action = tags?.[ACL_DEFAULT_ACTION_BEFORE_TAG];
  if (access !== 'Enabled' && access !== 'Disabled') return undefined;
  if (action !== 'Allow' && action !== 'Deny') return undefined;
  return { publicNetworkAccess: access, defaultAction: action };
}

export function recordTags(record: PublicAccessRecord): Record<string, string> {
  return { [PUBLIC_ACCESS_BEFORE_TAG]: record.publicNetworkAccess, [ACL_DEFAULT_ACTION_BEFORE_TAG]: record.defaultAction };
}

/**
 * The record tags the next PUT of the gateway public IP must carry. `current` is the public IP as ARM answers
 * it now. A record it holds is kept as it is. Without one, the account is read only when a PUT is about to
 * create the public IP or rebuild it from Failed; a Succeeded or building public IP is not written, so
 * nothing is read for it. An account that cannot be found gets no record (the request check reports it).
 */
export async function publicAccessRecordTags(
  arm: ResourceManagementClient,
  request: EnvironmentRequest,
  current: ArmResourceView | undefined,
): Promise<Record<string, string>> {
  const kept = recordFromTags(current?.tags);
  if (kept) return recordTags(kept);
  const state = current ? provisioningStateOf(current) : undefined;
  if (current && state !== 'Failed' && state !== 'Canceled') return {};
  const account = await getArmResource(arm, request.azure.openAiAccountId, API_VERSIONS.cognitiveServices);
  return account ? recordTags(effectiveSettings(account)) : {};
}
