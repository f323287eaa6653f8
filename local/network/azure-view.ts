/**
 * Read-only lookups over the emulated Azure resources at one instant. The network rules only care whether a
 * resource exists, whether it is provisioned, and a few body properties; the ARM type is derived from the id
 * (not the stored `type`), so a child resource is found the same way however its control plane labels it.
 */
import { armKey, armProvisioningState, type ArmResource, type AzureState } from '../cloud/state';

/** ARM type from an id: `…/providers/Microsoft.Network/privateDnsZones/z/A/x` → `Microsoft.Network/privateDnsZones/A`. */
export function armTypeOf(id: string): string {
  const segments = id.split('/').filter(Boolean);
  const at = segments.map((s) => s.toLowerCase()).lastIndexOf('providers');
  if (at < 0) return '';
  const rest = segments.slice(at + 1);
  const types = [rest[0]];
  for (let i = 1; i < rest.length; i += 2) types.push(rest[i]);
  return types.join('/');
}

/** The id with its last `/type/name` pair removed (the parent resource). */
export function armParentOf(id: string): string {
  return id.split('/').slice(0, -2).join('/');
}

export function armNameOf(id: string): string {
  return id.split('/').filter(Boolean).pop() ?? '';
}

/** Same resource? ARM ids compare case-insensitively, and the SDK may double the leading slash. */
export function sameArmId(a: string | undefined, b: string | undefined): boolean {
  return !!a && !!b && armKey(a) === armKey(b);
}

export class AzureView {
  constructor(
    private readonly azure: AzureState,
    readonly now: number,
  ) {}

  /** The resource with that id, unless absent or being deleted (a deleting resource no longer carries traffic). */
  get(id: string | undefined): ArmResource | undefined {
    if (!id) return undefined;
    const resource = this.azure.resources[armKey(id)];
    return resource && resource.operation?.kind !== 'delete' ? resource : undefined;
  }

  /** Every live resource of an ARM type (case-insensitive), in a stable order. */
  ofType(type: string): ArmResource[] {
    const wanted = type.toLowerCase();
    return Object.keys(this.azure.resources)
      .sort()
      .map((key) => this.azure.resources[key])
      .filter((r) => r.operation?.kind !== 'delete' && armTypeOf(r.id).toLowerCase() === wanted);
  }

  /** Live child resources `parentId/childType/*` of one parent. */
  children(parentId: string, childType: string): ArmResource[] {
    const prefix = `${armKey(parentId)}/${childType.toLowerCase()}/`;
    return Object.keys(this.azure.resources)
      .sort()
      .filter((key) => key.startsWith(prefix) && !key.slice(prefix.length).includes('/'))
      .map((key) => this.azure.resources[key])
      .filter((r) => r.operation?.kind !== 'delete');
  }

  provisioningState(resource: ArmResource): string {
    return armProvisioningState(resource, this.now);
  }

  provisioned(resource: ArmResource | undefined): boolean {
    return !!resource && this.provisioningState(resource) === 'Succeeded';
  }

  /** Provisioned, or being updated in place after it was: a gateway keeps its tunnels up through an update. */
  serving(resource: ArmResource | undefined): boolean {
    return this.provisioned(resource) || (!!resource?.operation?.inService && this.provisioningState(resource) === 'Updating');
  }

  /** When the resource's last write completed (0 for world resources, which existed before the run). */
  readyAt(resource: ArmResource): number {
    return resource.operation?.readyAt ?? 0;
  }

  props(resource: ArmResource | undefined): Record<string, any> {
    return resource?.body.properties ?? {};
  }

  /** A subnet by id: its own resource, or else the entry embedded in the VNet body. */
  subnet(id: string | undefined): { id: string; properties: Record<string, any> } | undefined {
    if (!id) return undefined;
    const own = this.get(id);
    if (own) return { id: own.id, properties: own.body.properties };
    const vnet = this.get(armParentOf(id));
    const name = armNameOf(id).toLowerCase();
    const embedded = (this.props(vnet).subnets ?? []).find((s: any) => String(s?.name ?? '').toLowerCase() === name);
    return embedded ? { id, properties: embedded.properties ?? {} } : undefined;
  }

  /** NSG security rules: those in the NSG body plus any written as child resources (`…/securityRules/x`). */
  securityRules(nsg: ArmResource): { name: string; properties: Record<string, any> }[] {
    const inline = (this.props(nsg).securityRules ?? []).map((r: any) => ({ name: String(r?.name ?? ''), properties: r?.properties ?? r ?? {} }));
    const names = new Set(inline.map((r: { name: string }) => r.name.toLowerCase()));
    const children = this.children(nsg.id, 'securityRules')
      .filter((r) => !names.has(r.name.toLowerCase()))
      .map((r) => ({ name: r.name, properties: r.body.properties }));
    return [...inline, ...children];
  }

  short(resource: ArmResource | string): string {
    return armNameOf(typeof resource === 'string' ? resource : resource.id);
  }
}
