/**
 * Typed access to `state.azure`: resources by id (case-insensitive), parent/child lookups and the
 * deterministic counters behind operation ids, etags and address allocation. Everything lives in the
 * shared state document, so `--state FILE` round-trips it.
 */
import { createHash } from 'node:crypto';
import { armKey, armProvisioningState, type ArmResource, type AzureState } from '../cloud/state';
import type { SimulatedClock } from '../clock';
import { sameType } from './ids';

export class ArmStore {
  constructor(
    private readonly azure: AzureState,
    private readonly clock: SimulatedClock,
  ) {}

  get subscriptionId(): string {
    return this.azure.subscriptionId;
  }

  /**
   * A subscription ARM answers for: the store's own, and any other that holds a resource (a hub's central
   * DNS zone often lives in another subscription of the same tenant).
   */
  subscriptionExists(subscriptionId: string): boolean {
    if (subscriptionId.toLowerCase() === this.subscriptionId.toLowerCase()) return true;
    const prefix = `/subscriptions/${subscriptionId.toLowerCase()}/`;
    return Object.keys(this.azure.resources).some((key) => key.startsWith(prefix));
  }

  get(id: string): ArmResource | undefined {
    return this.azure.resources[armKey(id)];
  }

  put(resource: ArmResource): void {
    this.azure.resources[armKey(resource.id)] = resource;
  }

  remove(id: string): void {
    delete this.azure.resources[armKey(id)];
  }

  all(): ArmResource[] {
    return Object.values(this.azure.resources);
  }

  ofType(type: string): ArmResource[] {
    return this.all().filter((r) => sameType(r.type, type));
  }

  /** Direct children of `parentId` (optionally of one type). */
  children(parentId: string, type?: string): ArmResource[] {
    const prefix = armKey(parentId) + '/';
    return Object.entries(this.azure.resources)
      .filter(([key, r]) => {
        if (!key.startsWith(prefix)) return false;
        const rest = key.slice(prefix.length).split('/');
        return rest.length === 2 && (!type || sameType(r.type, type));
      })
      .map(([, r]) => r);
  }

  /** Every resource below `id` (children, grandchildren...). */
  descendants(id: string): ArmResource[] {
    const prefix = armKey(id) + '/';
    return Object.entries(this.azure.resources)
      .filter(([key]) => key.startsWith(prefix))
      .map(([, r]) => r);
  }

  /** True while the resource's last operation has not reached its readyAt. */
  inProgress(resource: ArmResource | undefined): boolean {
    return !!resource?.operation && this.clock.now() < resource.operation.readyAt;
  }

  provisioningState(resource: ArmResource): string {
    return armProvisioningState(resource, this.clock.now());
  }

  /** The resource groups that exist: those written through the API and those holding world resources. */
  resourceGroupExists(resourceGroupId: string): boolean {
    if (this.get(resourceGroupId)) return true;
    const prefix = armKey(resourceGroupId) + '/';
    return Object.keys(this.azure.resources).some((key) => key.startsWith(prefix));
  }

  /** Next value of a named counter (starting at 1). */
  next(pool: string): number {
    const n = (this.azure.allocations[pool] ?? 0) + 1;
    this.azure.allocations[pool] = n;
    return n;
  }

  /** A GUID-shaped, deterministic value derived from `seed`. */
  guid(seed: string): string {
    const h = createHash('sha256').update(seed).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  }

  /** A fresh operation id (deterministic: a counter run through the GUID shape). */
  newOperationId(): string {
    return this.guid(`operation:${this.next('armOperation')}`);
  }

  newEtag(id: string): string {
    return `W/"${this.guid(`etag:${armKey(id)}:${this.next('armEtag')}`)}"`;
  }

  accountKeys(accountId: string): { key1: string; key2: string } | undefined {
    return this.azure.accountKeys[armKey(accountId)];
  }
}
