/**
 * The world file's version 2 fields (contract: local-cloud.md, "Optional world fields (version 2)"): what a
 * real hub already holds before the run, built by another team. Each resource is stored exactly as the emulated
 * ARM stores it after a PUT (the same type rules write the body), with no operation (so Succeeded from the first
 * second) and `preExisting: true`, so the emulator's reads and the network model treat it like any other.
 */
import { SimulatedClock } from '../clock';
import { parseArmId } from '../azure/ids';
import { resourceFromWrite, ruleFor } from '../azure/resources';
import type { Props } from '../azure/resources/rule';
import { ArmStore } from '../azure/store';
import { parseIpv4, parseNetworkPrefix } from '../network/ipv4';
import { normaliseArmId, type ArmResource, type AzureState } from './state';
import type { World, WorldSubnet } from './world';

export interface WorldVirtualNetworkGateway {
  id: string;
  location: string;
  gatewayType?: 'Vpn' | 'ExpressRoute' | 'LocalGateway';
  vpnType?: 'RouteBased' | 'PolicyBased';
  /** A SKU name (`VpnGw1AZ`; the tier is the same name) or ARM's `{name, tier}`. */
  sku: string | { name: string; tier?: string };
  activeActive?: boolean;
  enableBgp?: boolean;
  bgpAsn?: number;
  /** One public IP address per IP configuration (two for active-active). */
  publicIpAddresses: string[];
  /** With BGP: the custom APIPA addresses its owner configured, one list per IP configuration, in order. */
  customBgpIpAddresses?: string[][];
  /** The VNet whose GatewaySubnet it sits in; absent: the one world VNet of its location with a GatewaySubnet. */
  virtualNetworkId?: string;
  tags?: Record<string, string>;
}

export interface WorldDnsResolver {
  id: string;
  location: string;
  virtualNetworkId: string;
  inboundEndpoints?: { name: string; subnetName: string; privateIpAddress: string }[];
  tags?: Record<string, string>;
}

export interface WorldPrivateDnsZone {
  /** In any resource group or subscription. */
  id: string;
  /** Ids of the VNets the zone is linked to (each link is named `link-<vnet name>`). */
  virtualNetworkLinks?: string[];
  /** Record set name (relative to the zone) to its IPv4 addresses. */
  aRecords?: Record<string, string[]>;
  tags?: Record<string, string>;
}

export interface WorldHub {
  virtualNetworkGateways?: WorldVirtualNetworkGateway[];
  dnsResolvers?: WorldDnsResolver[];
  privateDnsZones?: WorldPrivateDnsZone[];
}

const NETWORK_API_VERSION = '2025-05-01';
const PRIVATE_DNS_API_VERSION = '2024-06-01';
const DNS_RESOLVER_API_VERSION = '2022-07-01';
/** The TTL Azure's portal proposes for a new record set. */
const RECORD_SET_TTL = 3600;

class WorldError extends Error {
  override name = 'WorldError';
}

function nameOf(id: string): string {
  return id.split('/').filter(Boolean).pop() ?? '';
}

/**
 * Adds the version 2 Azure resources to `resources` (the v1 VNets and subnets are already there) and records in
 * `allocations` every address they hold, so the emulator never hands one out again. A resource in another
 * subscription (a central DNS zone) is what makes ARM answer for that subscription (local/azure/store.ts).
 */
export function seedHub(world: World, resources: Record<string, ArmResource>, allocations: Record<string, number>): void {
  const azure: AzureState = { subscriptionId: world.azure.subscriptionId, resources, accountKeys: {}, allocations };
  // The clock stays at 0: nothing seeded has an operation, so everything reads Succeeded.
  const store = new ArmStore(azure, new SimulatedClock());
  const seed = (id: string, request: Props, apiVersion: string): ArmResource => writeAsArmDoes(store, id, request, apiVersion);

  for (const vnet of world.azure.virtualNetworks) {
    const vnetId = normaliseArmId(vnet.id);
    for (const subnet of (vnet.subnets ?? []).filter(hasVersion2Fields)) {
      if (subnet.networkSecurityGroupId && !store.get(subnet.networkSecurityGroupId)) {
        seed(subnet.networkSecurityGroupId, { location: vnet.location, properties: { securityRules: [] } }, NETWORK_API_VERSION);
      }
      seed(`${vnetId}/subnets/${subnet.name}`, { properties: subnetProperties(subnet) }, NETWORK_API_VERSION);
    }
  }

  for (const gateway of world.azure.virtualNetworkGateways ?? []) seedGateway(world, store, allocations, seed, gateway);

  for (const resolver of world.azure.dnsResolvers ?? []) {
    const resolverId = normaliseArmId(resolver.id);
    const vnetId = normaliseArmId(resolver.virtualNetworkId);
    seed(resolverId, { location: resolver.location, tags: resolver.tags, properties: { virtualNetwork: { id: vnetId } } }, DNS_RESOLVER_API_VERSION);
    for (const endpoint of resolver.inboundEndpoints ?? []) {
      const subnet = store.get(`${vnetId}/subnets/${endpoint.subnetName}`);
      if (!subnet) throw new WorldError(`world: DNS resolver ${resolverId}: inbound endpoint ${endpoint.name} names subnet ${endpoint.subnetName}, which the VNet does not list`);
      seed(
        `${resolverId}/inboundEndpoints/${endpoint.name}`,
        {
          location: resolver.location,
          properties: {
            ipConfigurations: [{ subnet: { id: subnet.id }, privateIpAllocationMethod: 'Static', privateIpAddress: endpoint.privateIpAddress }],
          },
        },
        DNS_RESOLVER_API_VERSION,
      );
      holdPrivateAddress(allocations, subnet, endpoint.privateIpAddress);
    }
  }

  for (const zone of world.azure.privateDnsZones ?? []) seedZone(store, seed, zone);
}

/** A subnet carrying a version 2 field is stored as the subnet rule stores a PUT of it; others as in version 1. */
export function hasVersion2Fields(subnet: WorldSubnet): boolean {
  return subnet.networkSecurityGroupId !== undefined || subnet.delegations !== undefined || subnet.privateEndpointNetworkPolicies !== undefined;
}

function subnetProperties(subnet: WorldSubnet): Props {
  const props: Props = { addressPrefix: subnet.addressPrefix };
  if (subnet.networkSecurityGroupId) props.networkSecurityGroup = { id: normaliseArmId(subnet.networkSecurityGroupId) };
  if (subnet.delegations) {
    // The portal names a delegation after its service, dots for slashes.
    props.delegations = subnet.delegations.map((serviceName) => ({ name: serviceName.replace(/\//g, '.'), properties: { serviceName } }));
  }
  if (subnet.privateEndpointNetworkPolicies) props.privateEndpointNetworkPolicies = subnet.privateEndpointNetworkPolicies;
  return props;
}

/** The VNet whose GatewaySubnet the gateway uses: the one it names, else the only one of its location that has one. */
function gatewayVirtualNetwork(world: World, gateway: WorldVirtualNetworkGateway): string {
  if (gateway.virtualNetworkId) return normaliseArmId(gateway.virtualNetworkId);
  const candidates = world.azure.virtualNetworks.filter(
    (v) => v.location.toLowerCase() === gateway.location.toLowerCase() && (v.subnets ?? []).some((s) => s.name === 'GatewaySubnet'),
  );
  if (candidates.length !== 1) {
    throw new WorldError(
      `world: virtual network gateway ${gateway.id}: ${candidates.length} VNets in ${gateway.location} list a GatewaySubnet; name its VNet with virtualNetworkId`,
    );
  }
  return normaliseArmId(candidates[0].id);
}

function seedGateway(
  world: World,
  store: ArmStore,
  allocations: Record<string, number>,
  seed: (id: string, request: Props, apiVersion: string) => ArmResource,
  gateway: WorldVirtualNetworkGateway,
): void {
  const gatewayId = normaliseArmId(gateway.id);
  const { resourceGroupId } = parseArmId(gatewayId);
  const gatewaySubnetId = `${gatewayVirtualNetwork(world, gateway)}/subnets/GatewaySubnet`;
  if (!store.get(gatewaySubnetId)) throw new WorldError(`world: virtual network gateway ${gatewayId}: ${gatewaySubnetId} is not in the world`);
  if (!gateway.publicIpAddresses?.length) throw new WorldError(`world: virtual network gateway ${gatewayId}: publicIpAddresses is empty`);
  const sku = typeof gateway.sku === 'string' ? { name: gateway.sku, tier: gateway.sku } : { tier: gateway.sku.name, ...gateway.sku };
  const zoneRedundant = /AZ$/.test(sku.name);
  const poolBefore = allocations.publicIPAddress;
  const ipConfigurations = gateway.publicIpAddresses.map((address, i) => {
    const pipId = `${resourceGroupId}/providers/Microsoft.Network/publicIPAddresses/${nameOf(gatewayId)}-pip${i + 1}`;
    const pip = seed(
      pipId,
      {
        location: gateway.location,
        sku: { name: 'Standard', tier: 'Regional' },
        ...(zoneRedundant ? { zones: ['1', '2', '3'] } : {}),
        properties: { publicIPAllocationMethod: 'Static', publicIPAddressVersion: 'IPv4' },
      },
      NETWORK_API_VERSION,
    );
    pip.body.properties.ipAddress = address;
    return { properties: { privateIPAllocationMethod: 'Dynamic', subnet: { id: gatewaySubnetId }, publicIPAddress: { id: pip.id } } };
  });
  seed(
    gatewayId,
    {
      location: gateway.location,
      tags: gateway.tags,
      properties: {
        gatewayType: gateway.gatewayType ?? 'Vpn',
        vpnType: gateway.vpnType ?? 'RouteBased',
        sku,
        activeActive: gateway.activeActive ?? ipConfigurations.length > 1,
        enableBgp: gateway.enableBgp ?? false,
        ...(gateway.bgpAsn !== undefined || gateway.customBgpIpAddresses
          ? {
              bgpSettings: {
                ...(gateway.bgpAsn !== undefined ? { asn: gateway.bgpAsn } : {}),
                // The IP configurations' names as ARM gives unnamed ones (the first `default`).
                ...(gateway.customBgpIpAddresses
                  ? {
                      bgpPeeringAddresses: gateway.customBgpIpAddresses.map((customBgpIpAddresses, i) => ({
                        ipconfigurationId: `${gatewayId}/ipConfigurations/${i === 0 ? 'default' : `ipconfig${i}`}`,
                        customBgpIpAddresses,
                      })),
                    }
                  : {}),
              },
            }
          : {}),
        ipConfigurations,
      },
    },
    NETWORK_API_VERSION,
  );
  holdPublicAddresses(allocations, poolBefore, gateway.publicIpAddresses);
}

function seedZone(store: ArmStore, seed: (id: string, request: Props, apiVersion: string) => ArmResource, zone: WorldPrivateDnsZone): void {
  const zoneId = normaliseArmId(zone.id);
  const zoneName = nameOf(zoneId);
  seed(zoneId, { location: 'global', tags: zone.tags, properties: {} }, PRIVATE_DNS_API_VERSION);
  for (const linked of zone.virtualNetworkLinks ?? []) {
    const vnetId = normaliseArmId(linked);
    // A central zone may be linked to VNets the world does not list (other hubs): stored as the link rule stores one.
    let linkName = `link-${nameOf(vnetId)}`;
    for (let n = 2; store.get(`${zoneId}/virtualNetworkLinks/${linkName}`); n++) linkName = `link-${nameOf(vnetId)}-${n}`;
    const linkId = `${zoneId}/virtualNetworkLinks/${linkName}`;
    if (store.get(vnetId)) {
      seed(linkId, { location: 'global', properties: { virtualNetwork: { id: vnetId }, registrationEnabled: false } }, PRIVATE_DNS_API_VERSION);
    } else {
      store.put({
        id: linkId,
        type: 'Microsoft.Network/privateDnsZones/virtualNetworkLinks',
        name: linkName,
        apiVersion: PRIVATE_DNS_API_VERSION,
        preExisting: true,
        body: { location: 'global', etag: store.newEtag(linkId), properties: { virtualNetwork: { id: vnetId }, registrationEnabled: false } },
      });
    }
  }
  for (const [name, addresses] of Object.entries(zone.aRecords ?? {})) {
    const fqdn = name === '@' ? `${zoneName}.` : `${name}.${zoneName}.`;
    seed(
      `${zoneId}/A/${name}`,
      { properties: { fqdn, ttl: RECORD_SET_TTL, aRecords: addresses.map((ipv4Address) => ({ ipv4Address })), isAutoRegistered: false } },
      PRIVATE_DNS_API_VERSION,
    );
  }
}

/**
 * What the emulated ARM does with an accepted PUT (local/azure/arm.ts `write`), without the operation: the type
 * rule checks and shapes the body, ARM adds the etag and resourceGuid, the rule's side effects run. A world that
 * ARM would refuse (a subnet outside its VNet, an endpoint outside its subnet) is refused here with ARM's error.
 */
function writeAsArmDoes(store: ArmStore, rawId: string, request: Props, apiVersion: string): ArmResource {
  const target = parseArmId(rawId);
  if (target.parentId && !store.get(target.parentId)) throw new WorldError(`world: ${target.id}: its parent ${target.parentId} is not in the world`);
  const rule = ruleFor(target.type);
  if (!rule?.write) throw new WorldError(`world: no emulated ARM rule stores ${target.type}`);
  const existing = store.get(target.id);
  // The rules of the types seeded here read no emulator context (faults, network): none exists while loading a world.
  const input = { ctx: undefined as never, store, target, existing, request: JSON.parse(JSON.stringify(request)) as Props, method: 'PUT' as const };
  const resource: ArmResource = { ...resourceFromWrite(store, rule, target, existing, rule.write(input), apiVersion), preExisting: true };
  store.put(resource);
  rule.afterWrite?.(input, resource);
  return resource;
}

/** Deterministic public addresses the emulated ARM hands out (local/azure/resources/network.ts): 20.194.x.y. */
function publicPoolIndex(address: string): number | undefined {
  const match = /^20\.194\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (!match) return undefined;
  const [third, fourth] = [Number(match[1]), Number(match[2])];
  return fourth >= 4 && fourth <= 253 ? third * 250 + (fourth - 4) : undefined;
}

/**
 * The public pool's counter ends where it was, or past every world address inside the pool, so no address is
 * handed out twice (the seeding write drew one it did not keep).
 */
function holdPublicAddresses(allocations: Record<string, number>, before: number | undefined, addresses: string[]): void {
  let counter = before ?? 0;
  for (const address of addresses) {
    if (parseIpv4(address) === undefined) throw new WorldError(`world: public IP address "${address}" is not an IPv4 address`);
    counter = Math.max(counter, publicPoolIndex(address) ?? 0);
  }
  if (counter > 0) allocations.publicIPAddress = counter;
  else delete allocations.publicIPAddress;
}

/** A subnet's allocation counter moves past an address the world gives a resource in it (Azure reserves .0-.3). */
function holdPrivateAddress(allocations: Record<string, number>, subnet: ArmResource, address: string): void {
  const prefix = parseNetworkPrefix(String(subnet.body.properties.addressPrefix ?? subnet.body.properties.addressPrefixes?.[0]));
  const offset = (parseIpv4(address) ?? 0) - prefix.base;
  const pool = `subnet:${subnet.id.toLowerCase()}`;
  allocations[pool] = Math.max(allocations[pool] ?? 0, offset - 3);
}
