/**
 * ARM resource ids: `/subscriptions/{s}/resourceGroups/{g}/providers/{Namespace}/{type}/{name}[/{type}/{name}...]`.
 * The resource type is the namespace plus every type segment (`Microsoft.Network/virtualNetworks/subnets`).
 */
import { normaliseArmId } from '../cloud/state';

export interface ParsedArmId {
  /** Normalised id (single leading slash, no trailing slash), casing as sent. */
  id: string;
  subscriptionId: string;
  resourceGroup?: string;
  /** `Microsoft.Network/virtualNetworks/subnets`; `Microsoft.Resources/resourceGroups` for a group. */
  type: string;
  name: string;
  /** Id of the enclosing resource for child types (`…/virtualNetworks/vnet` for a subnet). */
  parentId?: string;
  /** Id of the resource group (`/subscriptions/{s}/resourceGroups/{g}`). */
  resourceGroupId?: string;
  /** A trailing segment after a full resource id: an action (`listKeys`) or singleton (`sharedkey`). */
  action?: string;
  /** Id of the resource the action applies to. */
  actionTargetId?: string;
}

export class InvalidArmIdError extends Error {
  override name = 'InvalidArmIdError';
}

/** Parses an ARM id or request path; throws InvalidArmIdError when it is not one. */
export function parseArmId(raw: string): ParsedArmId {
  const id = normaliseArmId(raw);
  const seg = id.split('/').slice(1);
  if (seg.length < 2 || seg[0].toLowerCase() !== 'subscriptions') throw new InvalidArmIdError(`not an ARM id: ${raw}`);
  const subscriptionId = seg[1];
  if (seg.length === 2) return { id, subscriptionId, type: 'Microsoft.Resources/subscriptions', name: subscriptionId };
  if (seg[2].toLowerCase() !== 'resourcegroups' || seg.length < 4) throw new InvalidArmIdError(`not an ARM id: ${raw}`);
  const resourceGroup = seg[3];
  const resourceGroupId = `/${seg.slice(0, 4).join('/')}`;
  if (seg.length === 4) {
    return { id, subscriptionId, resourceGroup, resourceGroupId, type: 'Microsoft.Resources/resourceGroups', name: resourceGroup };
  }
  if (seg[4].toLowerCase() !== 'providers' || seg.length < 8) throw new InvalidArmIdError(`not an ARM id: ${raw}`);
  const namespace = seg[5];
  const rest = seg.slice(6); // type, name, type, name, ... [, action]
  const pairs = Math.floor(rest.length / 2);
  const types = [namespace];
  for (let i = 0; i < pairs; i++) types.push(rest[2 * i]);
  const fullLength = 6 + pairs * 2;
  if (rest.length % 2 === 1) {
    // A trailing action or singleton on a full resource id.
    const target = parseArmId('/' + seg.slice(0, fullLength).join('/'));
    return { ...target, id, action: rest[rest.length - 1], actionTargetId: target.id };
  }
  const name = rest[rest.length - 1];
  const parentId = pairs > 1 ? '/' + seg.slice(0, fullLength - 2).join('/') : undefined;
  return { id, subscriptionId, resourceGroup, resourceGroupId, type: types.join('/'), name, parentId };
}

/** Compares ARM resource types case-insensitively (ARM treats them so). */
export function sameType(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** ARM stores locations without spaces, in lower case: "Central US" reads back as "centralus". */
export function normaliseLocation(location: unknown): string | undefined {
  return typeof location === 'string' ? location.replace(/\s+/g, '').toLowerCase() : undefined;
}
