/**
 * What the AWS removal steps share (functions/remove-aws-vpn, remove-aws-dns, remove-probe): the outcome of a
 * removal, the words for why a look-alike is left, and which refusals mean "what uses it is still going"
 * (./security-group-removal.ts removes the security groups the product created).
 *
 * A removal finds the resource the way the step that created it finds it (Name tag, group name, creator
 * request id, fixed name), removes it only when it carries managed-by and this environment's tags, and
 * throws ResourceNotReady while its deletion (or one that must come first) is still going.
 */
import { cloudErrorCode, isNotFound } from './cloud-errors';
import { ResourceNotReady } from './errors';
import { invocationLog } from './logger';
import { MANAGED_BY, TAG_ENVIRONMENT, TAG_MANAGED_BY } from './naming';
import { carriesOurTags } from './ownership';
import type { RemovalOutcome } from './teardown-data';

export const absent = (): RemovalOutcome => ({ outcome: 'absent' });
export const removed = (id: string): RemovalOutcome => ({ outcome: 'removed', id });
export const left = (id: string, reason: string): RemovalOutcome => ({ outcome: 'left', id, reason });

/** Plain words for what an AWS resource lacks to be this environment's: "it lacks the tag environment=aoai-prod-01". */
export function whyNotOurs(tags: Record<string, string> | undefined, environmentId: string): string {
  const missing: string[] = [];
  if (tags?.[TAG_MANAGED_BY] !== MANAGED_BY) missing.push(`${TAG_MANAGED_BY}=${MANAGED_BY}`);
  if (tags?.[TAG_ENVIRONMENT] !== environmentId) missing.push(`${TAG_ENVIRONMENT}=${environmentId}`);
  return missing.length === 1 ? `it lacks the tag ${missing[0]}` : `it lacks the tags ${missing.join(' and ')}`;
}

/**
 * Codes with which a cloud refuses a deletion while something that uses the resource is still there or still
 * going: the refusal clears by itself once the removal before it completes.
 */
export const DEPENDENCY_REFUSALS = new Set([
  // EC2: a security group still attached to network interfaces.
  'DependencyViolation',
  // EC2: a gateway still attached or used by a VPN connection, a customer gateway in use, a repeated delete.
  'IncorrectState',
  // Route 53 Resolver: a rule still associated with a VPC.
  'ResourceInUseException',
  // Lambda: a function whose creation or update is still in progress.
  'ResourceConflictException',
]);

/** Runs a delete call; a dependency refusal (by its code) becomes ResourceNotReady, "already gone" counts as done. */
export async function deleteOrWait(what: string, call: () => Promise<unknown>): Promise<'deleted' | 'already gone'> {
  try {
    await call();
    invocationLog().info('deletion started', { resource: what });
    return 'deleted';
  } catch (error) {
    const code = cloudErrorCode(error);
    if (DEPENDENCY_REFUSALS.has(code)) throw new ResourceNotReady(`${what} cannot be deleted yet (${code}): what uses it is still being removed`);
    if (isNotFound(error)) return 'already gone';
    throw error;
  }
}

/** One of a look-up's answers, in the terms the removal needs. */
export interface FoundResource {
  id: string;
  tags: Record<string, string>;
}

/**
 * Splits what a look-up found into ours and the rest; with nothing of ours, the answer is `left` (the first
 * look-alike) or `absent`.
 */
export function oursOrOutcome<T extends FoundResource>(found: T[], environmentId: string): { ours: T[]; outcome?: RemovalOutcome } {
  const ours = found.filter((resource) => carriesOurTags(resource.tags, environmentId));
  if (ours.length > 0) return { ours };
  const foreign = found[0];
  return { ours, outcome: foreign ? left(foreign.id, whyNotOurs(foreign.tags, environmentId)) : absent() };
}
