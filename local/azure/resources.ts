/**
 * Per-type ARM rules: what each resource type checks on a write, which read-only fields the server adds,
 * how long the operation takes, and what a GET adds from live state (tunnel status, link state...).
 *
 * Bodies are stored as sent plus server-set fields, so the network model can read exactly what the
 * workflow asked for (`sharedKey`, `addressPrefix`, NSG rules...).
 */
import type { ArmResource } from '../cloud/state';
import type { EmulatorContext } from '../cloud/context';
import { ArmBadRequestError, ArmConflictError } from './errors';
import { normaliseLocation, parseArmId, sameType, type ParsedArmId } from './ids';
import { addressAt, cidrContains, cidrContainsIp, cidrOverlaps, InvalidCidrError, parseCidr, type Cidr } from './ipv4';
import type { ArmStore } from './store';
import { connectionProblems } from '../network/ike';

export type Body = ArmResource['body'];
type Props = Record<string, any>;

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
  /** Latency keys (local/latency.ts) for a create and for an update; absent means 0 s. */
  latency?: { create?: string; update?: string };
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
  /** Side effects of a delete (records written on the resource's behalf). */
  onDelete?(store: ArmStore, resource: ArmResource): void;
  /** The RP reports a `resourceGuid` for this type. */
  resourceGuid?: boolean;
}

const NETWORK_RETRY_AFTER = 10;

// ---------------------------------------------------------------------------------------------------------
// helpers

function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** The top-level fields ARM keeps from a PUT body (location normalised as ARM stores it). */
function baseBody(request: Record<string, any>, existing?: ArmResource): Body {
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

function idOf(ref: unknown): string | undefined {
  return ref && typeof ref === 'object' && typeof (ref as Props).id === 'string' ? (ref as Props).id : undefined;
}

function cidr(text: unknown, what: string): Cidr {
  try {
    return parseCidr(String(text));
  } catch (err) {
    if (err instanceof InvalidCidrError) throw new ArmBadRequestError('InvalidAddressPrefixFormat', `${what}: ${err.message}.`);
    throw err;
  }
}

function subnetPrefixes(props: Props): string[] {
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
function requireSucceeded(store: ArmStore, referenced: ArmResource, byId: string, operation: string): void {
  const state = store.provisioningState(referenced);
  if (state !== 'Succeeded') {
    throw new ArmBadRequestError(
      'ReferencedResourceNotProvisioned',
      `Cannot proceed with operation because resource ${referenced.id} used by resource ${byId} is not in Succeeded state. Resource is in ${state} state and the last operation that updated/is updating the resource is ${operation}.`,
    );
  }
}

function requireExisting(store: ArmStore, refId: string | undefined, byId: string, what: string): ArmResource {
  if (!refId) throw new ArmBadRequestError('InvalidRequestFormat', `Cannot parse the request: ${what} is required.`);
  const found = store.get(refId);
  if (!found) throw invalidReference(refId, byId);
  return found;
}

/** Next free private address in a subnet: Azure reserves .0-.3, so the first handed out is .4. */
function allocatePrivateIp(store: ArmStore, subnet: ArmResource): string {
  const prefix = cidr(subnetPrefixes(subnet.body.properties)[0], 'subnet');
  const n = store.next(`subnet:${subnet.id.toLowerCase()}`);
  const offset = 3 + n;
  if (offset >= prefix.size - 1) {
    throw new ArmBadRequestError('SubnetIsFull', `Subnet ${subnet.id} has no free private IP address left.`);
  }
  return addressAt(prefix, offset);
}

function lastLabel(id: string): string {
  return id.split('/').filter(Boolean).pop() ?? '';
}

// ---------------------------------------------------------------------------------------------------------
// Microsoft.Network/virtualNetworks and subnets

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
    const space: Cidr[] = (vnet.body.properties.addressSpace?.addressPrefixes ?? []).map((p: string) => cidr(p, 'virtual network'));
    const siblings = store.children(vnet.id, 'Microsoft.Network/virtualNetworks/subnets').filter((s) => s.id.toLowerCase() !== target.id.toLowerCase());
    for (const text of prefixes) {
      const prefix = cidr(text, `subnet ${target.name}`);
      if (!space.some((outer) => cidrContains(outer, prefix))) {
        throw new ArmBadRequestError(
          'NetcfgSubnetRangeOutsideVnet',
          `Subnet '${target.name}' is not valid because its IP address range is outside the IP address range of virtual network '${vnet.name}'.`,
        );
      }
      for (const other of siblings) {
        for (const otherText of subnetPrefixes(other.body.properties)) {
          if (cidrOverlaps(prefix, cidr(otherText, `subnet ${other.name}`))) {
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

// ---------------------------------------------------------------------------------------------------------
// Public IP

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

// ---------------------------------------------------------------------------------------------------------
// Virtual network gateway

const virtualNetworkGateway: TypeRule = {
  resourceGuid: true,
  latency: { create: 'azure.virtualNetworkGateway.create' },
  retryAfterSeconds: NETWORK_RETRY_AFTER,
  outcome: (ctx) => (ctx.faults.spec.gatewayFailed ? 'Failed' : 'Succeeded'),
  write({ store, target, existing, request }) {
    const body = baseBody(request, existing);
    const props = body.properties;
    const ipConfigs: Props[] = Array.isArray(props.ipConfigurations) ? props.ipConfigurations : [];
    if (!ipConfigs.length) throw new ArmBadRequestError('InvalidRequestFormat', 'Cannot parse the request: properties.ipConfigurations is required.');
    const tunnelIps: string[] = [];
    props.ipConfigurations = ipConfigs.map((ipc, i) => {
      const name = ipc.name ?? (i === 0 ? 'default' : `ipconfig${i}`);
      const subnetId = idOf(ipc.properties?.subnet);
      const gwSubnet = requireExisting(store, subnetId, target.id, 'ipConfigurations[].properties.subnet.id');
      if (gwSubnet.name !== 'GatewaySubnet') {
        throw new ArmBadRequestError(
          'InvalidGatewaySubnet',
          `Subnet ${gwSubnet.id} referenced by virtual network gateway ${target.id} must be named GatewaySubnet.`,
        );
      }
      requireSucceeded(store, gwSubnet, target.id, 'PutSubnetOperation');
      const pip = requireExisting(store, idOf(ipc.properties?.publicIPAddress), target.id, 'ipConfigurations[].properties.publicIPAddress.id');
      requireSucceeded(store, pip, target.id, 'PutPublicIpAddressOperation');
      tunnelIps.push(pip.body.properties.ipAddress);
      return {
        ...ipc,
        name,
        id: `${target.id}/ipConfigurations/${name}`,
        etag: store.newEtag(`${target.id}/ipConfigurations/${name}`),
        properties: { ...ipc.properties, privateIPAllocationMethod: ipc.properties?.privateIPAllocationMethod ?? 'Dynamic', provisioningState: 'Succeeded' },
      };
    });
    props.enableBgp ??= false;
    props.activeActive ??= false;
    props.enablePrivateIpAddress ??= false;
    props.vpnGatewayGeneration ??= 'Generation1';
    if (props.sku && typeof props.sku === 'object') props.sku = { ...props.sku, capacity: props.sku.capacity ?? 2 };
    // BGP identity: the default ASN and a peering address at the top of the GatewaySubnet, one entry per ipconfig.
    const gwSubnet = store.get(idOf(ipConfigs[0].properties?.subnet)!)!;
    const gwPrefix = cidr(subnetPrefixes(gwSubnet.body.properties)[0], 'GatewaySubnet');
    const sent: Props = props.bgpSettings ?? {};
    const sentPeering: Props[] = Array.isArray(sent.bgpPeeringAddresses) ? sent.bgpPeeringAddresses : [];
    props.bgpSettings = {
      ...sent,
      asn: sent.asn ?? 65515,
      bgpPeeringAddress: sent.bgpPeeringAddress ?? addressAt(gwPrefix, gwPrefix.size - 2),
      peerWeight: sent.peerWeight ?? 0,
      bgpPeeringAddresses: props.ipConfigurations.map((ipc: Props, i: number) => {
        const custom = sentPeering.find((p) => String(p.ipconfigurationId ?? '').toLowerCase() === ipc.id.toLowerCase());
        return {
          ipconfigurationId: ipc.id,
          defaultBgpIpAddresses: [addressAt(gwPrefix, gwPrefix.size - 2 - i)],
          customBgpIpAddresses: custom?.customBgpIpAddresses ?? [],
          tunnelIpAddresses: [tunnelIps[i]],
        };
      }),
    };
    if (props.enableDnsForwarding) props.inboundDnsForwardingEndpoint = addressAt(gwPrefix, 14);
    return body;
  },
  afterWrite({ store }, gateway) {
    // The public IP reports which ipconfig uses it, as ARM does once a gateway is built on it.
    for (const ipc of gateway.body.properties.ipConfigurations ?? []) {
      const pip = store.get(idOf(ipc.properties?.publicIPAddress) ?? '');
      if (pip) pip.body.properties.ipConfiguration = { id: ipc.id };
    }
  },
  onDelete(store, gateway) {
    for (const ipc of gateway.body.properties.ipConfigurations ?? []) {
      const pip = store.get(idOf(ipc.properties?.publicIPAddress) ?? '');
      if (pip) delete pip.body.properties.ipConfiguration;
    }
  },
};

// ---------------------------------------------------------------------------------------------------------
// Local network gateway and connection

const localNetworkGateway: TypeRule = {
  resourceGuid: true,
  latency: { create: 'azure.localNetworkGateway.create' },
  retryAfterSeconds: NETWORK_RETRY_AFTER,
  write({ existing, request }) {
    const body = baseBody(request, existing);
    const props = body.properties;
    if (!props.gatewayIpAddress && !props.fqdn) {
      throw new ArmBadRequestError('InvalidRequestFormat', 'Cannot parse the request: properties.gatewayIpAddress or properties.fqdn is required.');
    }
    for (const p of props.localNetworkAddressSpace?.addressPrefixes ?? []) cidr(p, 'localNetworkAddressSpace');
    return body;
  },
};

/** A key other than the one sent, in the PSK alphabet: the wrong-psk fault. */
function wrongKey(sent: string): string {
  return `Wr0ng${sent.split('').reverse().join('')}`.slice(0, 64);
}

/** Sets the stored key, applying the wrong-psk fault. */
function storeSharedKey(ctx: EmulatorContext, sent: string): string {
  return ctx.faults.spec.wrongPsk ? wrongKey(sent) : sent;
}

const connection: TypeRule = {
  resourceGuid: true,
  latency: { create: 'azure.connection.create' },
  retryAfterSeconds: NETWORK_RETRY_AFTER,
  write({ ctx, store, target, existing, request }) {
    const body = baseBody(request, existing);
    const props = body.properties;
    const gateway = requireExisting(store, idOf(props.virtualNetworkGateway1), target.id, 'properties.virtualNetworkGateway1.id');
    requireSucceeded(store, gateway, target.id, 'PutVirtualNetworkGatewayOperation');
    if (props.localNetworkGateway2 !== undefined) {
      const lng = requireExisting(store, idOf(props.localNetworkGateway2), target.id, 'properties.localNetworkGateway2.id');
      requireSucceeded(store, lng, target.id, 'PutLocalNetworkGatewayOperation');
    }
    const policyProblems = connectionProblems(props);
    if (policyProblems.length) throw new ArmBadRequestError('InvalidRequestFormat', `Cannot parse the request: ${policyProblems.join('; ')}.`);
    if (typeof props.sharedKey === 'string') props.sharedKey = storeSharedKey(ctx, props.sharedKey);
    else props.sharedKey = existing?.body.properties.sharedKey ?? store.guid(`psk:${target.id}`).replace(/-/g, '');
    props.connectionType ??= 'IPsec';
    props.connectionProtocol ??= 'IKEv2';
    props.connectionMode ??= 'Default';
    props.dpdTimeoutSeconds ??= 45;
    props.enableBgp ??= false;
    props.routingWeight ??= 0;
    props.ipsecPolicies ??= [];
    props.trafficSelectorPolicies ??= [];
    props.usePolicyBasedTrafficSelectors ??= false;
    props.useLocalAzureIpAddress ??= false;
    props.enableFipsCompliance ??= false;
    return body;
  },
  view(ctx, store, resource, body) {
    const props = body.properties;
    // ARM never returns the key in a GET (it has its own `sharedkey` endpoint); the state keeps it.
    delete props.sharedKey;
    for (const ref of ['virtualNetworkGateway1', 'localNetworkGateway2']) {
      if (props[ref]) props[ref] = { id: idOf(props[ref]), properties: {} };
    }
    const provisioned = store.provisioningState(resource) === 'Succeeded';
    const status = provisioned ? ctx.network.azureConnectionStatus(resource.id) : { connectionStatus: 'Unknown', tunnelConnectionStatus: [] };
    props.connectionStatus = status.connectionStatus;
    props.tunnelConnectionStatus = status.tunnelConnectionStatus;
    // Traffic counters: zero until the tunnel is up, then growing with the simulated clock.
    const upFor = status.connectionStatus === 'Connected' ? Math.max(0, ctx.clock.now() - (resource.operation?.readyAt ?? 0)) : 0;
    props.ingressBytesTransferred = upFor * 512;
    props.egressBytesTransferred = upFor * 384;
  },
};

// ---------------------------------------------------------------------------------------------------------
// Network security groups

const DEFAULT_SECURITY_RULES: [string, string, string, string, number, string, string][] = [
  ['AllowVnetInBound', 'Allow inbound traffic from all VMs in VNET', 'Allow', 'Inbound', 65000, 'VirtualNetwork', 'VirtualNetwork'],
  ['AllowAzureLoadBalancerInBound', 'Allow inbound traffic from azure load balancer', 'Allow', 'Inbound', 65001, 'AzureLoadBalancer', '*'],
  ['DenyAllInBound', 'Deny all inbound traffic', 'Deny', 'Inbound', 65500, '*', '*'],
  ['AllowVnetOutBound', 'Allow outbound traffic from all VMs to all VMs in VNET', 'Allow', 'Outbound', 65000, 'VirtualNetwork', 'VirtualNetwork'],
  ['AllowInternetOutBound', 'Allow outbound traffic from all VMs to Internet', 'Allow', 'Outbound', 65001, '*', 'Internet'],
  ['DenyAllOutBound', 'Deny all outbound traffic', 'Deny', 'Outbound', 65500, '*', '*'],
];

function checkSecurityRule(nsgId: string, rule: Props): void {
  const p = rule.properties ?? {};
  for (const field of ['protocol', 'access', 'direction', 'priority']) {
    if (p[field] === undefined) {
      throw new ArmBadRequestError('SecurityRuleParameterIsNull', `Security rule ${rule.name} of ${nsgId}: parameter ${field} is required.`);
    }
  }
  if (typeof p.priority !== 'number' || p.priority < 100 || p.priority > 4096) {
    throw new ArmBadRequestError(
      'SecurityRuleInvalidPriority',
      `Security rule ${rule.name} has invalid Priority. Value provided: ${p.priority}. Allowed range 100-4096.`,
    );
  }
}

function securityRuleEntry(nsgId: string, rule: Props): Props {
  checkSecurityRule(nsgId, rule);
  const id = `${nsgId}/securityRules/${rule.name}`;
  return { ...rule, id, type: 'Microsoft.Network/networkSecurityGroups/securityRules', properties: { ...rule.properties, provisioningState: 'Succeeded' } };
}

const networkSecurityGroup: TypeRule = {
  resourceGuid: true,
  latency: { create: 'azure.networkSecurityGroup.create' },
  retryAfterSeconds: NETWORK_RETRY_AFTER,
  write({ target, existing, request }) {
    const body = baseBody(request, existing);
    const props = body.properties;
    props.securityRules = (Array.isArray(props.securityRules) ? props.securityRules : []).map((r: Props) => securityRuleEntry(target.id, r));
    props.defaultSecurityRules = DEFAULT_SECURITY_RULES.map(([name, description, access, direction, priority, source, destination]) => ({
      name,
      id: `${target.id}/defaultSecurityRules/${name}`,
      properties: {
        description,
        access,
        destinationAddressPrefix: destination,
        destinationPortRange: '*',
        direction,
        priority,
        provisioningState: 'Succeeded',
        sourceAddressPrefix: source,
        sourcePortRange: '*',
        protocol: '*',
      },
    }));
    return body;
  },
};

// ---------------------------------------------------------------------------------------------------------
// Private DNS: zones, VNet links, A records

const privateDnsZone: TypeRule = {
  latency: { create: 'azure.privateDnsZone.create' },
  retryAfterSeconds: NETWORK_RETRY_AFTER,
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

const virtualNetworkLink: TypeRule = {
  latency: { create: 'azure.virtualNetworkLink.create' },
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
    props.registrationEnabled ??= false;
    return body;
  },
  view(_ctx, store, resource, body) {
    body.properties.virtualNetworkLinkState = store.inProgress(resource) ? 'InProgress' : 'Completed';
  },
};

const privateDnsARecord: TypeRule = {
  write({ existing, request }) {
    const body = baseBody(request, existing);
    delete body.location;
    return body;
  },
};

// ---------------------------------------------------------------------------------------------------------
// Private endpoint and its DNS zone group

const privateEndpoint: TypeRule = {
  latency: { create: 'azure.privateEndpoint.create' },
  retryAfterSeconds: NETWORK_RETRY_AFTER,
  write({ store, target, existing, request }) {
    const body = baseBody(request, existing);
    const props = body.properties;
    const subnetRes = requireExisting(store, idOf(props.subnet), target.id, 'properties.subnet.id');
    requireSucceeded(store, subnetRes, target.id, 'PutSubnetOperation');
    const connections: Props[] = Array.isArray(props.privateLinkServiceConnections) ? props.privateLinkServiceConnections : [];
    if (!connections.length && !(props.manualPrivateLinkServiceConnections ?? []).length) {
      throw new ArmBadRequestError('InvalidRequestFormat', 'Cannot parse the request: properties.privateLinkServiceConnections is required.');
    }
    const fqdns: string[] = [];
    props.privateLinkServiceConnections = connections.map((c, i) => {
      const name = c.name ?? `${target.name}-${i}`;
      const serviceId = c.properties?.privateLinkServiceId;
      const service = requireExisting(store, serviceId, target.id, 'privateLinkServiceConnections[].properties.privateLinkServiceId');
      if (sameType(service.type, 'Microsoft.CognitiveServices/accounts')) {
        const groupIds: string[] = c.properties?.groupIds ?? [];
        if (groupIds.length !== 1 || groupIds[0].toLowerCase() !== 'account') {
          throw new ArmBadRequestError(
            'PrivateEndpointBadRequest',
            `Call to Microsoft.CognitiveServices/accounts failed. Error message: groupIds must be ["account"] (got ${JSON.stringify(groupIds)}).`,
          );
        }
        const subdomain = service.body.properties.customSubDomainName;
        if (!subdomain) {
          throw new ArmBadRequestError('PrivateEndpointBadRequest', `Account ${service.id} has no customSubDomainName; private endpoints need one.`);
        }
        fqdns.push(`${subdomain}.openai.azure.com`);
      }
      return {
        ...c,
        name,
        id: `${target.id}/privateLinkServiceConnections/${name}`,
        // Same tenant, and the caller may write the account: ARM auto-approves the connection.
        properties: { ...c.properties, privateLinkServiceConnectionState: { status: 'Approved', description: 'Auto-Approved', actionsRequired: 'None' } },
      };
    });
    props.manualPrivateLinkServiceConnections ??= [];
    props.applicationSecurityGroups ??= [];
    // Keep the address across updates; allocate one on create.
    const previousIp: string | undefined = existing?.body.properties.customDnsConfigs?.[0]?.ipAddresses?.[0];
    const staticIp: string | undefined = props.ipConfigurations?.[0]?.properties?.privateIPAddress;
    const ip = previousIp ?? staticIp ?? allocatePrivateIp(store, subnetRes);
    props.customDnsConfigs = fqdns.length ? fqdns.map((fqdn) => ({ fqdn, ipAddresses: [ip] })) : [{ fqdn: `${target.name}.privateendpoint.local`, ipAddresses: [ip] }];
    const nicName = props.customNetworkInterfaceName ?? `${target.name}.nic.${store.guid(`nic:${target.id}`).slice(0, 8)}`;
    const rg = target.resourceGroupId!;
    props.networkInterfaces = [{ id: `${rg}/providers/Microsoft.Network/networkInterfaces/${nicName}` }];
    return body;
  },
  afterWrite({ store }, pe) {
    // The NIC the endpoint lives on, so `networkInterfaces[0].id` can be followed as in Azure.
    const nicId: string = pe.body.properties.networkInterfaces[0].id;
    const ip: string = pe.body.properties.customDnsConfigs[0].ipAddresses[0];
    store.put({
      id: nicId,
      type: 'Microsoft.Network/networkInterfaces',
      name: lastLabel(nicId),
      apiVersion: pe.apiVersion,
      body: {
        location: pe.body.location,
        etag: store.newEtag(nicId),
        properties: {
          ipConfigurations: [
            {
              name: 'privateEndpointIpConfig',
              id: `${nicId}/ipConfigurations/privateEndpointIpConfig`,
              properties: { privateIPAddress: ip, privateIPAllocationMethod: 'Dynamic', subnet: pe.body.properties.subnet, primary: true },
            },
          ],
          privateEndpoint: { id: pe.id },
        },
      },
      operation: pe.operation && { ...pe.operation, operationId: store.newOperationId() },
    });
  },
  view(_ctx, store, resource, body) {
    // Once a zone group manages the endpoint's DNS, Azure answers customDnsConfigs empty: the address is on the NIC.
    if (store.children(resource.id, 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups').length) body.properties.customDnsConfigs = [];
  },
  onDelete(store, pe) {
    const nicId = pe.body.properties.networkInterfaces?.[0]?.id;
    if (nicId) store.remove(nicId);
  },
};

/** The A records a zone group writes: one per fqdn of the endpoint, named by its first label. */
function zoneGroupRecords(store: ArmStore, group: ArmResource): { zoneId: string; name: string; fqdn: string; ip: string }[] {
  const pe = store.get(parseArmId(group.id).parentId!);
  if (!pe) return [];
  const out: { zoneId: string; name: string; fqdn: string; ip: string }[] = [];
  for (const config of group.body.properties.privateDnsZoneConfigs ?? []) {
    const zoneId: string = config.properties?.privateDnsZoneId;
    const zoneName = lastLabel(zoneId);
    for (const dns of pe.body.properties.customDnsConfigs ?? []) {
      const name = String(dns.fqdn).split('.')[0];
      out.push({ zoneId, name, fqdn: `${name}.${zoneName}`, ip: dns.ipAddresses[0] });
    }
  }
  return out;
}

const privateDnsZoneGroup: TypeRule = {
  latency: { create: 'azure.privateDnsZoneGroup.create' },
  retryAfterSeconds: NETWORK_RETRY_AFTER,
  write({ store, target, existing, request }) {
    const body = baseBody(request, existing);
    delete body.location;
    const configs: Props[] = Array.isArray(body.properties.privateDnsZoneConfigs) ? body.properties.privateDnsZoneConfigs : [];
    if (!configs.length) throw new ArmBadRequestError('InvalidRequestFormat', 'Cannot parse the request: properties.privateDnsZoneConfigs is required.');
    for (const config of configs) requireExisting(store, config.properties?.privateDnsZoneId, target.id, 'privateDnsZoneConfigs[].properties.privateDnsZoneId');
    return body;
  },
  afterWrite({ store }, group) {
    // Azure writes the records itself, on the zone group's clock.
    for (const rec of zoneGroupRecords(store, group)) {
      const id = `${rec.zoneId}/A/${rec.name}`;
      store.put({
        id: parseArmId(id).id,
        type: 'Microsoft.Network/privateDnsZones/A',
        name: rec.name,
        apiVersion: '2024-06-01',
        body: {
          etag: store.newEtag(id),
          properties: { fqdn: `${rec.fqdn}.`, ttl: 10, aRecords: [{ ipv4Address: rec.ip }], isAutoRegistered: false },
        },
        operation: group.operation && { ...group.operation, operationId: store.newOperationId() },
      });
    }
  },
  view(_ctx, store, resource, body) {
    const records = zoneGroupRecords(store, resource);
    body.properties.privateDnsZoneConfigs = (body.properties.privateDnsZoneConfigs ?? []).map((config: Props) => ({
      ...config,
      properties: {
        ...config.properties,
        recordSets: records
          .filter((r) => r.zoneId.toLowerCase() === String(config.properties?.privateDnsZoneId).toLowerCase())
          .map((r) => ({ recordType: 'A', recordSetName: r.name, fqdn: r.fqdn, provisioningState: 'Succeeded', ttl: 10, ipAddresses: [r.ip] })),
      },
    }));
  },
  onDelete(store, group) {
    for (const rec of zoneGroupRecords(store, group)) store.remove(`${rec.zoneId}/A/${rec.name}`);
  },
};

// ---------------------------------------------------------------------------------------------------------
// DNS private resolver and inbound endpoint

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
  latency: { create: 'azure.dnsResolver.create' },
  retryAfterSeconds: NETWORK_RETRY_AFTER,
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
  latency: { create: 'azure.inboundEndpoint.create' },
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
        if (!ip || !cidrContainsIp(cidr(subnetPrefixes(subnetRes.body.properties)[0], 'subnet'), ip)) {
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

// ---------------------------------------------------------------------------------------------------------
// Cognitive Services account (Azure OpenAI)

const cognitiveAccount: TypeRule = {
  latency: { update: 'azure.openAiAccount.update' },
  inProgressState: 'Accepted',
  write({ existing, request, method }) {
    const body: Body =
      method === 'PATCH' && existing ? clone(existing.body) : { ...baseBody(request, existing), properties: { ...clone(existing?.body.properties ?? {}), ...clone(request.properties ?? {}) } };
    if (method === 'PATCH') {
      Object.assign(body.properties, clone(request.properties ?? {}));
      if (request.tags !== undefined) body.tags = clone(request.tags);
      if (request.sku !== undefined) body.sku = clone(request.sku);
    }
    body.kind ??= existing?.body.kind;
    body.sku ??= existing?.body.sku;
    const props = body.properties;
    if (props.publicNetworkAccess !== undefined && !['Enabled', 'Disabled'].includes(props.publicNetworkAccess)) {
      throw new ArmBadRequestError('InvalidRequestContent', `publicNetworkAccess must be 'Enabled' or 'Disabled' (got '${props.publicNetworkAccess}').`);
    }
    const before = existing?.body.properties.customSubDomainName;
    if (before && props.customSubDomainName && String(props.customSubDomainName).toLowerCase() !== String(before).toLowerCase()) {
      throw new ArmBadRequestError('CustomDomainNameImmutable', `customSubDomainName cannot be changed once set (it is '${before}').`);
    }
    if (props.customSubDomainName) props.endpoint = `https://${props.customSubDomainName}.openai.azure.com/`;
    return body;
  },
  view(_ctx, store, resource, body) {
    // Approved private endpoint connections, as the account reports them.
    body.properties.privateEndpointConnections = store
      .ofType('Microsoft.Network/privateEndpoints')
      .filter((pe) => (pe.body.properties.privateLinkServiceConnections ?? []).some((c: Props) => String(c.properties?.privateLinkServiceId).toLowerCase() === resource.id.toLowerCase()))
      .map((pe) => ({
        id: `${resource.id}/privateEndpointConnections/${pe.name}.${store.guid(`pec:${pe.id}`)}`,
        name: `${pe.name}.${store.guid(`pec:${pe.id}`)}`,
        type: 'Microsoft.CognitiveServices/accounts/privateEndpointConnections',
        properties: {
          privateEndpoint: { id: pe.id },
          groupIds: ['account'],
          privateLinkServiceConnectionState: { status: 'Approved', description: 'Auto-Approved', actionsRequired: 'None' },
          provisioningState: store.provisioningState(pe),
        },
      }));
  },
};

// ---------------------------------------------------------------------------------------------------------

const RULES: Record<string, TypeRule> = {
  'microsoft.network/virtualnetworks': virtualNetwork,
  'microsoft.network/virtualnetworks/subnets': subnet,
  'microsoft.network/publicipaddresses': publicIPAddress,
  'microsoft.network/virtualnetworkgateways': virtualNetworkGateway,
  'microsoft.network/localnetworkgateways': localNetworkGateway,
  'microsoft.network/connections': connection,
  'microsoft.network/networksecuritygroups': networkSecurityGroup,
  'microsoft.network/privatednszones': privateDnsZone,
  'microsoft.network/privatednszones/virtualnetworklinks': virtualNetworkLink,
  'microsoft.network/privatednszones/a': privateDnsARecord,
  'microsoft.network/privateendpoints': privateEndpoint,
  'microsoft.network/privateendpoints/privatednszonegroups': privateDnsZoneGroup,
  'microsoft.network/dnsresolvers': dnsResolver,
  'microsoft.network/dnsresolvers/inboundendpoints': inboundEndpoint,
  'microsoft.cognitiveservices/accounts': cognitiveAccount,
};

/** Types ARM accepts through this emulator (others get 400 NoRegisteredProviderFound-like refusals). */
export function ruleFor(type: string): TypeRule | undefined {
  return RULES[type.toLowerCase()];
}

/** Canonical casing of a known type (ARM answers with its own casing, not the caller's). */
export const CANONICAL_TYPES: Record<string, string> = Object.fromEntries(
  [
    'Microsoft.Network/virtualNetworks',
    'Microsoft.Network/virtualNetworks/subnets',
    'Microsoft.Network/publicIPAddresses',
    'Microsoft.Network/virtualNetworkGateways',
    'Microsoft.Network/localNetworkGateways',
    'Microsoft.Network/connections',
    'Microsoft.Network/networkSecurityGroups',
    'Microsoft.Network/networkSecurityGroups/securityRules',
    'Microsoft.Network/networkInterfaces',
    'Microsoft.Network/privateDnsZones',
    'Microsoft.Network/privateDnsZones/virtualNetworkLinks',
    'Microsoft.Network/privateDnsZones/A',
    'Microsoft.Network/privateEndpoints',
    'Microsoft.Network/privateEndpoints/privateDnsZoneGroups',
    'Microsoft.Network/dnsResolvers',
    'Microsoft.Network/dnsResolvers/inboundEndpoints',
    'Microsoft.CognitiveServices/accounts',
    'Microsoft.CognitiveServices/accounts/deployments',
    'Microsoft.Resources/resourceGroups',
  ].map((t) => [t.toLowerCase(), t]),
);

export function canonicalType(type: string): string {
  return CANONICAL_TYPES[type.toLowerCase()] ?? type;
}

export { securityRuleEntry };

// ---------------------------------------------------------------------------------------------------------
// api-versions each resource type serves (the stable/ and preview/ folders of azure-rest-api-specs:
// specification/network, privatedns, dnsresolver and cognitiveservices). Anything else is refused as ARM does.

const NETWORK_API_VERSIONS = [
  '2015-05-01-preview', '2015-06-15', '2016-03-30', '2016-06-01', '2016-09-01', '2016-10-01', '2016-12-01', '2017-03-01',
  '2017-06-01', '2017-08-01', '2017-09-01', '2017-10-01', '2017-11-01', '2018-01-01', '2018-02-01', '2018-04-01', '2018-06-01',
  '2018-07-01', '2018-08-01', '2018-10-01', '2018-11-01', '2018-12-01', '2019-02-01', '2019-04-01', '2019-06-01', '2019-07-01',
  '2019-08-01', '2019-09-01', '2019-11-01', '2019-12-01', '2020-03-01', '2020-04-01', '2020-05-01', '2020-06-01', '2020-07-01',
  '2020-08-01', '2020-11-01', '2021-02-01', '2021-03-01', '2021-05-01', '2021-08-01', '2022-01-01', '2022-05-01', '2022-07-01',
  '2022-09-01', '2022-11-01', '2023-02-01', '2023-04-01', '2023-05-01', '2023-06-01', '2023-09-01', '2023-11-01', '2024-01-01',
  '2024-03-01', '2024-05-01', '2024-07-01', '2024-10-01', '2025-01-01', '2025-03-01', '2025-05-01', '2025-07-01', '2026-01-01',
];
const PRIVATE_DNS_API_VERSIONS = ['2018-09-01', '2020-01-01', '2020-06-01', '2024-06-01', '2026-06-01-preview'];
const DNS_RESOLVER_API_VERSIONS = ['2020-04-01-preview', '2022-07-01', '2023-07-01-preview', '2025-05-01', '2025-10-01-preview', '2026-07-01-preview'];
const COGNITIVE_SERVICES_API_VERSIONS = [
  '2016-02-01-preview', '2017-04-18', '2021-04-30', '2021-10-01', '2022-03-01', '2022-10-01', '2022-12-01', '2023-05-01',
  '2023-10-01-preview', '2024-04-01-preview', '2024-06-01-preview', '2024-10-01', '2025-04-01-preview', '2025-06-01',
  '2025-07-01-preview', '2025-09-01', '2025-10-01-preview',
];

/** The api-versions ARM routes for this type, or undefined for types this emulator does not police (resource groups). */
export function supportedApiVersions(type: string): string[] | undefined {
  const t = type.toLowerCase();
  if (t.startsWith('microsoft.network/privatednszones')) return PRIVATE_DNS_API_VERSIONS;
  if (t.startsWith('microsoft.network/dnsresolvers')) return DNS_RESOLVER_API_VERSIONS;
  if (t.startsWith('microsoft.network/')) return NETWORK_API_VERSIONS;
  if (t.startsWith('microsoft.cognitiveservices/')) return COGNITIVE_SERVICES_API_VERSIONS;
  return undefined;
}
