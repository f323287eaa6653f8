/** Private DNS zones with their VNet links and A records, and the DNS Private Resolver with its inbound endpoint. */
import type { ArmResource } from '../../cloud/state';
import { ArmBadRequestError, ArmConflictError } from '../errors';
import { armKey } from '../../cloud/state';
import { parseArmId, sameType } from '../ids';
import type { ArmStore } from '../store';
import { parseIpv4, rangeHolds } from '../../network/ipv4';
import type { Props, ResourceFamily, TypeRule } from './rule';
import { allocatePrivateIp, baseBody, cidr, idOf, lastLabel, NETWORK_RETRY_AFTER, requireExisting, subnetPrefixes } from './shared';

const privateDnsZone: TypeRule = {
  latency: { create: 'azure.privateDnsZone.create', delete: 'azure.privateDnsZone.delete' },
  retryAfterSeconds: NETWORK_RETRY_AFTER,
  // A linked zone is refused; its record sets go with it.
  deleteBlockedByChildren: ['Microsoft.Network/privateDnsZones/virtualNetworkLinks'],
  // A zone a private endpoint's zone group still writes into: refused the same way (no source says it is not).
  inUseError: (resource, usedBy) =>
    new ArmConflictError('CannotDeleteResource', `Cannot delete resource ${resource.id} while ${usedBy.id} still manages records in it. Delete that resource first.`),
  write({ existing, request }) {
    const body = baseBody(request, existing);
    if (body.location !== 'global') {
      throw new ArmBadRequestError('InvalidLocation', `Private DNS zones can only be created in location 'global' (got '${request.location}').`);
    }
    return body;
  },
  view(_ctx, store, resource, body) {
    const links = store.children(resource.id, 'Microsoft.Network/privateDnsZones/virtualNetworkLinks');
    const records = store.children(resource.id, 'Microsoft.Network/privateDnsZones/A');
    Object.assign(body.properties, {
      maxNumberOfRecordSets: 25000,
      numberOfRecordSets: 1 + records.length, // the SOA record is always there
      maxNumberOfVirtualNetworkLinks: 1000,
      numberOfVirtualNetworkLinks: links.length,
      maxNumberOfVirtualNetworkLinksWithRegistration: 100,
      numberOfVirtualNetworkLinksWithRegistration: links.filter((l) => l.body.properties.registrationEnabled).length,
    });
  },
};

/**
 * A VNet is linked to at most one zone of a name: a link to another zone of the same name (any resource group or
 * subscription; a link still being created or deleted counts) is refused with 400 BadRequest and the service's
 * message (MicrosoftDocs/azure-aks-docs#212, microsoft-foundry/foundry-samples#214, Azure/ARO-RP#796).
 */
function refuseOverlappingNamespace(store: ArmStore, zoneId: string, vnetId: string): void {
  const zoneName = lastLabel(zoneId).toLowerCase();
  const other = store
    .ofType('Microsoft.Network/privateDnsZones/virtualNetworkLinks')
    .find((link) => {
      const otherZone = parseArmId(link.id).parentId!;
      return (
        armKey(otherZone) !== armKey(zoneId) &&
        lastLabel(otherZone).toLowerCase() === zoneName &&
        armKey(String(idOf(link.body.properties.virtualNetwork) ?? '')) === armKey(vnetId)
      );
    });
  if (other) {
    throw new ArmBadRequestError(
      'BadRequest',
      `A virtual network cannot be linked to multiple zones with overlapping namespaces. You tried to link virtual network with '${zoneName}' and '${zoneName}' zones.`,
    );
  }
}

const virtualNetworkLink: TypeRule = {
  latency: { create: 'azure.virtualNetworkLink.create', delete: 'azure.virtualNetworkLink.delete' },
  retryAfterSeconds: NETWORK_RETRY_AFTER,
  write({ store, target, existing, request }) {
    const body = baseBody(request, existing);
    const props = body.properties;
    const vnetId = idOf(props.virtualNetwork);
    requireExisting(store, vnetId, target.id, 'properties.virtualNetwork.id');
    const duplicate = store
      .children(target.parentId!, 'Microsoft.Network/privateDnsZones/virtualNetworkLinks')
      .find((l) => l.id.toLowerCase() !== target.id.toLowerCase() && String(idOf(l.body.properties.virtualNetwork)).toLowerCase() === vnetId!.toLowerCase());
    if (duplicate) {
      throw new ArmConflictError('Conflict', `A virtual network cannot be linked to the same Private DNS zone more than once (already linked by ${duplicate.id}).`);
    }
    refuseOverlappingNamespace(store, target.parentId!, vnetId!);
    props.registrationEnabled ??= false;
    return body;
  },
  view(_ctx, store, resource, body) {
    body.properties.virtualNetworkLinkState = store.inProgress(resource) ? 'InProgress' : 'Completed';
  },
};

/**
 * `{zone}/A/{name}` (RecordSets_CreateOrUpdate, 2024-06-01): synchronous (200/201, no operation to poll), and a
 * PUT replaces the record set whole, whoever wrote it before: a zone group's record the same as any other, the
 * last write wins.
 */
const privateDnsARecord: TypeRule = {
  write({ target, existing, request }) {
    const body = baseBody(request, existing);
    delete body.location;
    const props = body.properties;
    const records: Props[] = Array.isArray(props.aRecords) ? props.aRecords : [];
    for (const record of records) {
      if (typeof record?.ipv4Address !== 'string' || parseIpv4(record.ipv4Address) === undefined) {
        throw new ArmBadRequestError('BadRequest', `The A record set ${target.name} has an invalid IPv4 address '${record?.ipv4Address}'.`);
      }
    }
    props.aRecords = records.map((r) => ({ ipv4Address: r.ipv4Address }));
    props.fqdn = `${target.name}.${lastLabel(target.parentId!)}.`;
    props.isAutoRegistered = false;
    return body;
  },
};

function systemData(resource: ArmResource): Props {
  const at = (seconds: number) => new Date(Date.UTC(2025, 0, 1) + seconds * 1000).toISOString();
  return {
    createdAt: at(resource.operation?.startedAt ?? 0),
    createdByType: 'Application',
    lastModifiedAt: at(resource.operation?.startedAt ?? 0),
    lastModifiedByType: 'Application',
  };
}

const dnsResolver: TypeRule = {
  resourceGuid: true,
  latency: { create: 'azure.dnsResolver.create', delete: 'azure.dnsResolver.delete' },
  retryAfterSeconds: NETWORK_RETRY_AFTER,
  deleteBlockedByChildren: ['Microsoft.Network/dnsResolvers/inboundEndpoints', 'Microsoft.Network/dnsResolvers/outboundEndpoints'],
  write({ store, target, existing, request }) {
    const body = baseBody(request, existing);
    const vnetId = idOf(body.properties.virtualNetwork);
    requireExisting(store, vnetId, target.id, 'properties.virtualNetwork.id');
    const other = store
      .ofType('Microsoft.Network/dnsResolvers')
      .find((r) => r.id.toLowerCase() !== target.id.toLowerCase() && String(idOf(r.body.properties.virtualNetwork)).toLowerCase() === vnetId!.toLowerCase());
    if (other) {
      throw new ArmBadRequestError('BadRequest', `Virtual network ${vnetId} already has a DNS resolver (${other.id}); only one DNS resolver is allowed per virtual network.`);
    }
    return body;
  },
  view(_ctx, store, resource, body) {
    body.properties.dnsResolverState = store.provisioningState(resource) === 'Succeeded' ? 'Connected' : 'Disconnected';
    (body as Props).systemData = systemData(resource);
  },
};

const inboundEndpoint: TypeRule = {
  resourceGuid: true,
  latency: { create: 'azure.inboundEndpoint.create', delete: 'azure.inboundEndpoint.delete' },
  retryAfterSeconds: NETWORK_RETRY_AFTER,
  write({ store, target, existing, request }) {
    const body = baseBody(request, existing);
    const resolver = store.get(target.parentId!)!;
    const configs: Props[] = Array.isArray(body.properties.ipConfigurations) ? body.properties.ipConfigurations : [];
    if (!configs.length) throw new ArmBadRequestError('InvalidRequestFormat', 'Cannot parse the request: properties.ipConfigurations is required.');
    const resolverVnet = String(idOf(resolver.body.properties.virtualNetwork) ?? '').toLowerCase();
    const previous: Props[] = existing?.body.properties.ipConfigurations ?? [];
    body.properties.ipConfigurations = configs.map((config, i) => {
      const subnetRes = requireExisting(store, idOf(config.subnet), target.id, 'ipConfigurations[].subnet.id');
      const delegated = (subnetRes.body.properties.delegations ?? []).some((d: Props) => sameType(String(d.properties?.serviceName), 'Microsoft.Network/dnsResolvers'));
      if (!delegated) {
        throw new ArmBadRequestError('InvalidSubnetDelegation', `Subnet ${subnetRes.id} must be delegated to Microsoft.Network/dnsResolvers to host an inbound endpoint.`);
      }
      if (!subnetRes.id.toLowerCase().startsWith(resolverVnet + '/')) {
        throw new ArmBadRequestError('BadRequest', `Subnet ${subnetRes.id} is not in the DNS resolver's virtual network ${idOf(resolver.body.properties.virtualNetwork)}.`);
      }
      const usedBy = store
        .all()
        .filter((r) => sameType(r.type, 'Microsoft.Network/dnsResolvers/inboundEndpoints') || sameType(r.type, 'Microsoft.Network/dnsResolvers/outboundEndpoints'))
        .find((r) => r.id.toLowerCase() !== target.id.toLowerCase() && JSON.stringify(r.body.properties).toLowerCase().includes(`"${subnetRes.id.toLowerCase()}"`));
      if (usedBy) throw new ArmBadRequestError('BadRequest', `Subnet ${subnetRes.id} is already used by ${usedBy.id}; a resolver endpoint needs a dedicated subnet.`);
      const method = config.privateIpAllocationMethod ?? 'Dynamic';
      let ip: string;
      if (method === 'Static') {
        ip = config.privateIpAddress;
        // A malformed address is refused as one outside the subnet, a 400 like every other refusal of the body.
        const address = typeof ip === 'string' ? parseIpv4(ip) : undefined;
        if (address === undefined || !rangeHolds(cidr(subnetPrefixes(subnetRes.body.properties)[0], 'subnet'), address)) {
          throw new ArmBadRequestError('BadRequest', `Static privateIpAddress ${ip} is not inside subnet ${subnetRes.id}.`);
        }
      } else {
        ip = previous[i]?.privateIpAddress ?? allocatePrivateIp(store, subnetRes);
      }
      return { ...config, privateIpAllocationMethod: method, privateIpAddress: ip };
    });
    return body;
  },
  view(_ctx, _store, resource, body) {
    (body as Props).systemData = systemData(resource);
  },
};

export const dnsFamily: ResourceFamily = {
  name: 'private DNS zones, VNet links and records, and the DNS private resolver',
  rules: {
    'Microsoft.Network/privateDnsZones': privateDnsZone,
    'Microsoft.Network/privateDnsZones/virtualNetworkLinks': virtualNetworkLink,
    'Microsoft.Network/privateDnsZones/A': privateDnsARecord,
    'Microsoft.Network/dnsResolvers': dnsResolver,
    'Microsoft.Network/dnsResolvers/inboundEndpoints': inboundEndpoint,
  },
  // A zone's SOA record set: answered by arm.ts in the zone's record-set list, never stored.
  ruleless: ['Microsoft.Network/privateDnsZones/SOA'],
};
