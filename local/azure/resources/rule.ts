/**
 * What a resource family gives the emulated ARM (local/azure/arm.ts): a rule per resource type it serves.
 * ARM itself owns routing, operations, etags and deletes; a rule says what is particular to its type.
 *
 * Bodies are stored as sent plus server-set fields, so the network model can read exactly what the
 * workflow asked for (`sharedKey`, `addressPrefix`, NSG rules...).
 */
import type { ArmResource } from '../../cloud/state';
import type { EmulatorContext } from '../../cloud/context';
import type { ParsedArmId } from '../ids';
import type { ArmStore } from '../store';
import type { ArmError } from '../errors';

export type Body = ArmResource['body'];
export type Props = Record<string, any>;

/** Everything a type rule sees while handling a write. */
export interface WriteInput {
  ctx: EmulatorContext;
  store: ArmStore;
  target: ParsedArmId;
  existing?: ArmResource;
  /** The request body as sent (already JSON-parsed). */
  request: Record<string, any>;
  method: 'PUT' | 'PATCH';
}

export interface TypeRule {
  /** Latency keys (local/latency.ts) for a create, an update and a delete; absent means 0 s (a delete then answers at once). */
  latency?: { create?: string; update?: string; delete?: string };
  /** ARM sends Retry-After with the PUT for this type (the Microsoft.Network RP does). */
  retryAfterSeconds?: number;
  /** The provisioningState shown while the operation runs, when the RP does not say Creating/Updating. */
  inProgressState?: string;
  /** Checks the write and returns the body to store; throws an ArmError to refuse it. */
  write?(input: WriteInput): Body;
  /** Outcome of the operation (the gateway-failed fault). */
  outcome?(ctx: EmulatorContext): 'Succeeded' | 'Failed';
  /** Side effects once the write is committed (A records, back-references). */
  afterWrite?(input: WriteInput, resource: ArmResource): void;
  /** Adds live, read-only fields to a copy of the stored body for a response. */
  view?(ctx: EmulatorContext, store: ArmStore, resource: ArmResource, body: Body): void;
  /** Side effects once a delete has completed (records and back-references written on the resource's behalf). */
  onDelete?(store: ArmStore, resource: ArmResource): void;
  /** Refuses a delete the RP serialises with other operations (throws an ArmError); runs before anything else is checked. */
  beforeDelete?(store: ArmStore, resource: ArmResource): void;
  /** The RP's refusal to delete a resource another one still references (`usedBy`: the referencing resource). */
  inUseError?(resource: ArmResource, usedBy: ArmResource): ArmError;
  /** Child types whose presence refuses the delete (ARM's nested-resource refusal) instead of going with the parent. */
  deleteBlockedByChildren?: string[];
  /** A DELETE while the resource is already Deleting is refused (409) rather than answered with the running operation. */
  conflictOnRepeatedDelete?: boolean;
  /** The RP reports a `resourceGuid` for this type. */
  resourceGuid?: boolean;
}

/** One file's worth of resource types: those that live and change together (a VNet and its subnets...). */
export interface ResourceFamily {
  /** What the family holds, in words. */
  name: string;
  /** The rule of each type the family serves, keyed by the type in ARM's own casing. */
  rules: Record<string, TypeRule>;
  /**
   * Types the family serves with no rule of their own, in ARM's casing: written on another resource's behalf
   * (a private endpoint's NIC), seeded by the world (model deployments) or answered by arm.ts itself.
   */
  ruleless?: string[];
}
