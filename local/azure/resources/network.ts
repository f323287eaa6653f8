/** Virtual networks, their subnets, and public IP addresses. */
import { ArmBadRequestError, ArmConflictError } from '../errors';
import { sameType } from '../ids';
import { rangeContains, rangesOverlap, type Ipv4Range } from '../../network/ipv4';
import type { Props, ResourceFamily, TypeRule } from './rule';
import { baseBody, cidr, clone, idOf, NETWORK_RETRY_AFTER, requireExisting, subnetPrefixes } from './shared';

const virtualNetwork: TypeRule = {
  view(_ctx, store, resource, body) {
    body.properties.subnets = store
      .children(resource.id, 'Microsoft.Network/virtualNetworks/subnets')
      .map((s) => ({ id: s.id, name: s.name, type: s.type, etag: s.body.etag, properties: { ...clone(s.body.properties), provisioningState: store.provisioningState(s) } }));
  },
};

const subnet: TypeRule = {
  latency: { create: 'azure.subnet.write', update: 'azure.subnet.write' },
  retryAfterSeconds: NETWORK_RETRY_AFTER,
  write({ store, target, request }) {
    const vnet = store.get(target.parentId!)!;
    // One subnet operation at a time per VNet, as ARM serialises them.
    const busy = store.children(vnet.id, 'Microsoft.Network/virtualNetworks/subnets').find((s) => store.inProgress(s));
    if (busy) {
      throw new ArmConflictError(
        'AnotherOperationInProgress',
        `Operation on subnet ${target.name} is not allowed because another operation on subnet ${busy.name} of virtual network ${vnet.name} is in progress. Retry the request later.`,
      );
    }
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
  latency: { create: 'azure.publicIPAddress.create' },
  retryAfterSeconds: NETWORK_RETRY_AFTER,
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
