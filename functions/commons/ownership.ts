/**
 * Whose is a resource that carries one of the names the product derives? The product looks resources up by
 * name (Azure) or Name tag (AWS) and would adopt and change what it finds; a resource someone else built with
 * that name (an NSG that allows RDP from the Internet, another team's subnet) must make the request fail
 * before anything is created instead.
 *
 * A resource is ours when it carries managed-by=<this product> and environment=<this environment>. Shared hub
 * resources (the private DNS zone of a resource group) are ours when this product created them for any
 * environment. A resource the request deliberately names as a shared hub resource is adopted read-only and
 * is not refused here: `declaredSharedResourceIds` is where such request fields are listed.
 */
import { MANAGED_BY, TAG_ENVIRONMENT, TAG_MANAGED_BY } from './naming';
import type { EnvironmentRequest, RequestProblem } from './request/contract';

export interface NamedResource {
  cloud: 'aws' | 'azure';
  /** Plain words: "network security group", "customer gateway". */
  kind: string;
  name: string;
  /** ARM id or AWS id/ARN. */
  id: string;
  /** The request field the name derives from: where the problem is reported. */
  path: string;
  /**
   * The resource's tags. For what cannot carry tags (an Azure subnet) the caller passes the tags of what
   * proves ownership (the subnet's network security group), or undefined when nothing does.
   */
  tags: Record<string, string> | undefined;
  /** Hub resources one product-created copy of which serves every environment. */
  sharedAcrossEnvironments?: boolean;
  /** Why the tags shown are not the resource's own, for the message. */
  ownershipNote?: string;
}

/** ARM ids of resources the request names as shared hub resources to use as they are. */
export function declaredSharedResourceIds(request: EnvironmentRequest): Set<string> {
  const ids = new Set<string>();
  // Optional fields of the request contract that point at existing hub resources.
  const azure = request.azure as EnvironmentRequest['azure'] & { privateDnsZoneId?: unknown };
  if (typeof azure.privateDnsZoneId === 'string') ids.add(azure.privateDnsZoneId.toLowerCase());
  return ids;
}

/** EC2/Secrets Manager `[{Key, Value}]` as a plain object. */
export function tagObject(tags: { Key?: string; Value?: string }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of tags ?? []) if (tag.Key !== undefined) out[tag.Key] = tag.Value ?? '';
  return out;
}

/** The product created this resource for this environment: both of its tags are there. */
export function carriesOurTags(tags: Record<string, string> | undefined, environmentId: string): boolean {
  return tags?.[TAG_MANAGED_BY] === MANAGED_BY && tags[TAG_ENVIRONMENT] === environmentId;
}

export function isOurs(resource: NamedResource, environmentId: string): boolean {
  if (resource.sharedAcrossEnvironments === true) return resource.tags?.[TAG_MANAGED_BY] === MANAGED_BY;
  return carriesOurTags(resource.tags, environmentId);
}

/** One problem per existing resource that carries our name but is not ours, in the order given. */
export function foreignResourceProblems(found: NamedResource[], environmentId: string, declaredShared: ReadonlySet<string>): RequestProblem[] {
  const problems: RequestProblem[] = [];
  for (const resource of found) {
    if (declaredShared.has(resource.id.toLowerCase())) continue;
    if (isOurs(resource, environmentId)) continue;
    const expected = resource.sharedAcrossEnvironments
      ? `${TAG_MANAGED_BY}=${MANAGED_BY}`
      : `${TAG_MANAGED_BY}=${MANAGED_BY} and ${TAG_ENVIRONMENT}=${environmentId}`;
    const cloud = resource.cloud === 'aws' ? 'AWS' : 'Azure';
    problems.push({
      path: resource.path,
      message:
        `${cloud} ${resource.kind} ${resource.name} (${resource.id}) already exists and was not created by this product for this environment ` +
        `(${resource.ownershipNote ?? `it lacks the tags ${expected}`}); the workflow would adopt and change it. ` +
        `Choose another ${resource.path}, or remove or rename that resource`,
    });
  }
  return problems;
}
