/** What several resource families use: the body ARM keeps, reference checks, prefixes and private addresses. */
import type { ArmResource } from '../../cloud/state';
import { ArmBadRequestError, ArmConflictError } from '../errors';
import { normaliseLocation } from '../ids';
import { addressAt, InvalidCidrError, parseNetworkPrefix, type Ipv4Range } from '../../network/ipv4';
import type { ArmStore } from '../store';
import type { Body, Props } from './rule';

/** The Microsoft.Network RP sends Retry-After with its long-running PUTs. */
export const NETWORK_RETRY_AFTER = 10;

/** A deep copy through JSON, as a stored body must not share objects with a request. */
export function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** The top-level fields ARM keeps from a PUT body (location normalised as ARM stores it). */
export function baseBody(request: Record<string, any>, existing?: ArmResource): Body {
  const body: Body = { properties: clone(request.properties ?? {}) };
  const location = normaliseLocation(request.location) ?? existing?.body.location;
  if (location) body.location = location;
  if (request.tags !== undefined) body.tags = clone(request.tags);
  if (request.sku !== undefined) body.sku = clone(request.sku);
  if (request.kind !== undefined) body.kind = request.kind;
  if (request.zones !== undefined) body.zones = clone(request.zones);
  // Other top-level envelope fields ARM keeps as sent (managed identity, edge-zone placement).
  for (const key of ['identity', 'extendedLocation', 'plan']) {
    if (request[key] !== undefined) (body as Props)[key] = clone(request[key]);
  }
  return body;
}

export function idOf(ref: unknown): string | undefined {
  return ref && typeof ref === 'object' && typeof (ref as Props).id === 'string' ? (ref as Props).id : undefined;
}

/** A prefix as ARM reads it; a malformed one is ARM's InvalidAddressPrefixFormat naming `what`. */
export function cidr(text: unknown, what: string): Ipv4Range {
  try {
    return parseNetworkPrefix(String(text));
  } catch (err) {
    if (err instanceof InvalidCidrError) throw new ArmBadRequestError('InvalidAddressPrefixFormat', `${what}: ${err.message}.`);
    throw err;
  }
}

export function subnetPrefixes(props: Props): string[] {
  if (Array.isArray(props.addressPrefixes) && props.addressPrefixes.length) return props.addressPrefixes;
  return props.addressPrefix ? [props.addressPrefix] : [];
}

/** ARM's InvalidResourceReference: the referenced resource does not exist. */
function invalidReference(referencedId: string, byId: string): ArmBadRequestError {
  return new ArmBadRequestError(
    'InvalidResourceReference',
    `Resource ${referencedId} referenced by resource ${byId} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.`,
  );
}

/** ARM's ReferencedResourceNotProvisioned: names both ids and the state the referenced resource is in. */
export function requireSucceeded(store: ArmStore, referenced: ArmResource, byId: string, operation: string): void {
  const state = store.provisioningState(referenced);
  if (state !== 'Succeeded') {
    throw new ArmBadRequestError(
      'ReferencedResourceNotProvisioned',
      `Cannot proceed with operation because resource ${referenced.id} used by resource ${byId} is not in Succeeded state. Resource is in ${state} state and the last operation that updated/is updating the resource is ${operation}.`,
    );
  }
}

export function requireExisting(store: ArmStore, refId: string | undefined, byId: string, what: string): ArmResource {
  if (!refId) throw new ArmBadRequestError('InvalidRequestFormat', `Cannot parse the request: ${what} is required.`);
  const found = store.get(refId);
  if (!found) throw invalidReference(refId, byId);
  return found;
}

/** Next free private address in a subnet: Azure reserves .0-.3, so the first handed out is .4. */
export function allocatePrivateIp(store: ArmStore, subnet: ArmResource): string {
  const prefix = cidr(subnetPrefixes(subnet.body.properties)[0], 'subnet');
  const n = store.next(`subnet:${subnet.id.toLowerCase()}`);
  const offset = 3 + n;
  if (offset >= prefix.size - 1) {
    throw new ArmBadRequestError('SubnetIsFull', `Subnet ${subnet.id} has no free private IP address left.`);
  }
  return addressAt(prefix, offset);
}

/**
 * The id ARM names in an in-use refusal: the referencing resource's own sub-resource (an ipConfiguration)
 * whose body points at `resource`, else the referencing resource itself.
 */
export function referencingId(resource: ArmResource, usedBy: ArmResource): string {
  const wanted = resource.id.toLowerCase();
  const points = (value: unknown): boolean => JSON.stringify(value ?? null).toLowerCase().includes(`"${wanted}"`);
  for (const list of ['ipConfigurations', 'subnets']) {
    const entries = usedBy.body.properties[list];
    if (!Array.isArray(entries)) continue;
    const entry = entries.find((e: Props) => typeof e?.id === 'string' && points(e));
    if (entry) return entry.id;
  }
  return usedBy.id;
}

/** The NRP's refusal to delete what another resource still references: 400 InUse<Type>CannotBeDeleted. */
export function inUseCannotBeDeleted(code: string, noun: string, resource: ArmResource, usedBy: ArmResource): ArmBadRequestError {
  return new ArmBadRequestError(
    code,
    `${noun} ${resource.id} cannot be deleted because it is in use by the following resources: ${referencingId(resource, usedBy)}. Delete or detach those resources first.`,
  );
}

/** ARM's refusal to delete a resource whose nested (child) resources still exist. */
export function nestedResourcesExist(resource: ArmResource, children: ArmResource[]): ArmConflictError {
  return new ArmConflictError(
    'CannotDeleteResource',
    `Cannot delete resource while nested resources exist. Some existing nested resource IDs include: ${children.map((c) => `'${c.id}'`).join(', ')}. Please delete all nested resources before deleting this resource.`,
  );
}

export function lastLabel(id: string): string {
  return id.split('/').filter(Boolean).pop() ?? '';
}
