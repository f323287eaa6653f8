/** Virtual networks, their subnets, and public IP addresses. */
import { armKey } from '../../cloud/state';
import { ArmBadRequestError, ArmConflictError } from '../errors';
import { parseArmId, sameType } from '../ids';
import type { ArmStore } from '../store';
import { rangeContains, rangesOverlap, type Ipv4Range } from '../../network/ipv4';
import type { Props, ResourceFamily, TypeRule } from './rule';
import { baseBody, cidr, clone, idOf, lastLabel, NETWORK_RETRY_AFTER, referencingId, requireExisting, subnetPrefixes } from './shared';

/** True when a `{id}` reference names that subnet (ARM ids compare case-insensitively). */
function namesSubnet(ref: unknown, subnetId: string): boolean {
  return armKey(String(idOf(ref) ?? '')) === armKey(subnetId);
}

/**
 * What lives in a subnet, as ARM reports it on every read (derived from the store, never stored, so world-loaded
 * and API-written resources show alike): `ipConfigurations` lists the gateways' IP configurations and the NIC IP
 * configurations (a private endpoint's among them) on the subnet; `privateEndpoints` the endpoints in it. ARM
 * leaves a list out when it is empty.
 */
export function showSubnetOccupants(store: ArmStore, subnetId: string, props: Props): void {
  const ipConfigurations: { id: string }[] = [];
  for (const gateway of store.ofType('Microsoft.Network/virtualNetworkGateways')) {
    for (const ipc of gateway.body.properties.ipConfigurations ?? []) {
      if (namesSubnet(ipc?.properties?.subnet, subnetId)) ipConfigurations.push({ id: ipc.id ?? `${gateway.id}/ipConfigurations/${ipc.name ?? 'default'}` });
    }
  }
  for (const nic of store.ofType('Microsoft.Network/networkInterfaces')) {
    for (const ipc of nic.body.properties.ipConfigurations ?? []) {
      if (namesSubnet(ipc?.properties?.subnet, subnetId)) ipConfigurations.push({ id: ipc.id ?? `${nic.id}/ipConfigurations/${ipc.name}` });
    }
  }
  const privateEndpoints = store
    .ofType('Microsoft.Network/privateEndpoints')
    .filter((pe) => namesSubnet(pe.body.properties.subnet, subnetId))
    .map((pe) => ({ id: pe.id }));
  delete props.ipConfigurations;
  delete props.privateEndpoints;
  if (ipConfigurations.length) props.ipConfigurations = ipConfigurations;
  if (privateEndpoints.length) props.privateEndpoints = privateEndpoints;
}

const virtualNetwork: TypeRule = {
  view(_ctx, store, resource, body) {
    body.properties.subnets = store.children(resource.id, 'Microsoft.Network/virtualNetworks/subnets').map((s) => {
      const properties: Props = { ...clone(s.body.properties), provisioningState: store.provisioningState(s) };
      showSubnetOccupants(store, s.id, properties);
      return { id: s.id, name: s.name, type: s.type, etag: s.body.etag, properties };
    });
  },
};

/** One subnet operation (write or delete) at a time per VNet, as ARM serialises them. */
function refuseWhileAnotherSubnetOperationRuns(store: ArmStore, vnetId: string, subnetName: string): void {
  const vnet = store.get(vnetId);
  const busy = store.children(vnetId, 'Microsoft.Network/virtualNetworks/subnets').find((s) => store.inProgress(s));
  if (busy) {
    throw new ArmConflictError(
      'AnotherOperationInProgress',
      `Operation on subnet ${subnetName} is not allowed because another operation on subnet ${busy.name} of virtual network ${vnet?.name ?? lastLabel(vnetId)} is in progress. Retry the request later.`,
    );
  }
}

const subnet: TypeRule = {
  latency: { create: 'azure.subnet.write', update: 'azure.subnet.write', delete: 'azure.subnet.delete' },
  retryAfterSeconds: NETWORK_RETRY_AFTER,
  beforeDelete(store, resource) {
    refuseWhileAnotherSubnetOperationRuns(store, parseArmId(resource.id).parentId!, resource.name);
  },
  view(_ctx, store, resource, body) {
    showSubnetOccupants(store, resource.id, body.properties);
  },
  inUseError: (resource, usedBy) =>
    new ArmBadRequestError(
      'InUseSubnetCannotBeDeleted',
      `Subnet ${resource.name} is in use by ${referencingId(resource, usedBy)} and cannot be deleted. In order to delete the subnet, delete all the resources within the subnet. See aka.ms/deletesubnet.`,
    ),
  write({ store, target, request }) {
    const vnet = store.get(target.parentId!)!;
    refuseWhileAnotherSubnetOperationRuns(store, vnet.id, target.name);
    const body = baseBody(request);
    delete body.location; // subnets have no location of their own
    const props = body.properties;
    const prefixes = subnetPrefixes(props);
    if (!prefixes.length) throw new ArmBadRequestError('InvalidRequestFormat', 'Cannot parse the request: properties.addressPrefix is required.');
    const space: Ipv4Range[] = (vnet.body.properties.addressSpace?.addressPrefixes ?? []).map((p: string) => cidr(p, 'virtual network'));
    const siblings = store.children(vnet.id, 'Microsoft.Network/virtualNetworks/subnets').filter((s) => s.id.toLowerCase() !== target.id.toLowerCase());
    for (const text of prefixes) {
      const prefix = cidr(text, `subnet ${target.name}`);
      if (!space.some((outer) => rangeContains(outer, prefix))) {
        throw new ArmBadRequestError(
          'NetcfgSubnetRangeOutsideVnet',
          `Subnet '${target.name}' is not valid because its IP address range is outside the IP address range of virtual network '${vnet.name}'.`,
        );
      }
      for (const other of siblings) {
        for (const otherText of subnetPrefixes(other.body.properties)) {
          if (rangesOverlap(prefix, cidr(otherText, `subnet ${other.name}`))) {
            throw new ArmBadRequestError(
              'NetcfgSubnetRangesOverlap',
              `Subnet '${target.name}' is not valid because its IP address range overlaps with that of an existing subnet '${other.name}' in virtual network '${vnet.name}'.`,
            );
          }
        }
      }
    }
    const nsgId = idOf(props.networkSecurityGroup);
    if (props.networkSecurityGroup !== undefined && props.networkSecurityGroup !== null) requireExisting(store, nsgId, target.id, 'networkSecurityGroup.id');
    if (Array.isArray(props.delegations)) {
      props.delegations = props.delegations.map((d: Props) => {
        const serviceName = d.properties?.serviceName;
        return {
          ...d,
          id: `${target.id}/delegations/${d.name}`,
          properties: {
            ...d.properties,
            actions: d.properties?.actions ?? (sameType(String(serviceName), 'Microsoft.Network/dnsResolvers') ? ['Microsoft.Network/virtualNetworks/subnets/join/action'] : []),
            provisioningState: 'Succeeded',
          },
        };
      });
      if (props.delegations.length) props.purpose ??= '';
    }
    return body;
  },
};

const publicIPAddress: TypeRule = {
  resourceGuid: true,
  latency: { create: 'azure.publicIPAddress.create', delete: 'azure.publicIPAddress.delete' },
  retryAfterSeconds: NETWORK_RETRY_AFTER,
  inUseError: (resource, usedBy) =>
    new ArmBadRequestError(
      'PublicIPAddressCannotBeDeleted',
      `Public IP address ${resource.id} can not be deleted since it is still allocated to resource ${referencingId(resource, usedBy)}. In order to delete the public IP, disassociate/detach the Public IP address from the resource.  To learn how to do this, see aka.ms/deletepublicip.`,
    ),
  write({ store, existing, request }) {
    const body = baseBody(request, existing);
    const props = body.properties;
    body.sku ??= { name: 'Standard', tier: 'Regional' };
    props.publicIPAllocationMethod ??= 'Static';
    props.publicIPAddressVersion ??= 'IPv4';
    props.idleTimeoutInMinutes ??= 4;
    props.ipTags ??= [];
    props.ddosSettings ??= { protectionMode: 'VirtualNetworkInherited' };
    // Static Standard addresses are allocated on create and kept for the resource's life.
    const previous = existing?.body.properties;
    props.ipAddress = previous?.ipAddress ?? publicAddress(store.next('publicIPAddress'));
    if (previous?.ipConfiguration) props.ipConfiguration = previous.ipConfiguration;
    return body;
  },
};

/** Deterministic public addresses in 20.194.0.0/16 (an Azure Japan East range), counter-based. */
function publicAddress(n: number): string {
  return `20.194.${Math.floor(n / 250) % 256}.${(n % 250) + 4}`;
}

export const networkFamily: ResourceFamily = {
  name: 'virtual networks, subnets and public IP addresses',
  rules: {
    'Microsoft.Network/virtualNetworks': virtualNetwork,
    'Microsoft.Network/virtualNetworks/subnets': subnet,
    'Microsoft.Network/publicIPAddresses': publicIPAddress,
  },
};
