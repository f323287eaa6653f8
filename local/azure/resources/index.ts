/**
 * The registry of resource families the emulated ARM serves: each family file holds the rules of the types
 * that live together, and this list is the only place arm.ts learns them from. A type no family names is
 * stored as sent and done at once (arm.ts's generic rule), with the caller's casing.
 */
import { cognitiveFamily } from './cognitive';
import { dnsFamily } from './dns';
import { endpointsFamily } from './endpoints';
import { gatewaysFamily } from './gateways';
import { networkFamily } from './network';
import { armKey, type ArmResource } from '../../cloud/state';
import type { ParsedArmId } from '../ids';
import type { ArmStore } from '../store';
import type { Body, ResourceFamily, TypeRule } from './rule';
import { securityFamily } from './security';

export type { Body, ResourceFamily, TypeRule, WriteInput } from './rule';
export { refuseConflictingPriorities, securityRuleEntry } from './security';
export { refuseWhileTheGatewayIsBusy, storeSharedKey } from './gateways';
export { supportedApiVersions } from './api-versions';

/** Resource groups are answered by arm.ts itself, outside any provider's family. */
const resourceGroupsFamily: ResourceFamily = {
  name: 'resource groups',
  rules: {},
  ruleless: ['Microsoft.Resources/resourceGroups'],
};

export const RESOURCE_FAMILIES: readonly ResourceFamily[] = [
  networkFamily,
  gatewaysFamily,
  securityFamily,
  endpointsFamily,
  dnsFamily,
  cognitiveFamily,
  resourceGroupsFamily,
];

const RULES = new Map<string, TypeRule>(
  RESOURCE_FAMILIES.flatMap((family) => Object.entries(family.rules)).map(([type, rule]) => [type.toLowerCase(), rule]),
);

/** The rule of a type, whatever casing the caller used; undefined for types without one. */
export function ruleFor(type: string): TypeRule | undefined {
  return RULES.get(type.toLowerCase());
}

/** Canonical casing of every type a family serves (ARM answers with its own casing, not the caller's). */
export const CANONICAL_TYPES: Record<string, string> = Object.fromEntries(
  RESOURCE_FAMILIES.flatMap((family) => [...Object.keys(family.rules), ...(family.ruleless ?? [])]).map((type) => [type.toLowerCase(), type]),
);

export function canonicalType(type: string): string {
  return CANONICAL_TYPES[type.toLowerCase()] ?? type;
}

/**
 * What ARM keeps of a body its type rule wrote: a new etag, no provisioningState (derived from the operation,
 * never stored), and the resourceGuid the resource had, or a new one for a type that carries one.
 */
export function resourceFromWrite(
  store: ArmStore,
  rule: TypeRule,
  target: ParsedArmId,
  existing: ArmResource | undefined,
  body: Body,
  apiVersion: string,
): ArmResource {
  body.etag = store.newEtag(target.id);
  delete body.properties.provisioningState;
  if (rule.resourceGuid) body.properties.resourceGuid = existing?.body.properties.resourceGuid ?? store.guid(`resourceGuid:${armKey(target.id)}`);
  return { id: existing?.id ?? target.id, type: existing?.type ?? canonicalType(target.type), name: existing?.name ?? target.name, apiVersion, body };
}
