/** The VPN gateway, the local network gateways that stand for the AWS tunnels, and the connections between them. */
import type { EmulatorContext } from '../../cloud/context';
import { armKey } from '../../cloud/state';
import { ArmBadRequestError, ArmConflictError } from '../errors';
import type { ArmStore } from '../store';
import { addressAt } from '../../network/ipv4';
import { connectionProblems } from '../../network/ike';
import { asnProblem, isAzureApipaAddress, isIpv4 } from '../../network/bgp';
import type { ArmResource } from '../../cloud/state';
import type { Body, Props, ResourceFamily, TypeRule } from './rule';
import { baseBody, cidr, idOf, inUseCannotBeDeleted, NETWORK_RETRY_AFTER, requireExisting, requireSucceeded, subnetPrefixes } from './shared';

/**
 * One gateway per VNet: a gateway whose IP configuration names a GatewaySubnet another gateway already uses (being
 * built or deleted too) is refused. The message is the one a user met ("A virtual network can't be associated with
 * more than one gateway", MicrosoftDocs/architecture-center#1529); no source gives the code, so the generic 400
 * BadRequest, which a caller cannot tell from other refusals without looking first.
 */
function refuseASecondGateway(store: ArmStore, gatewayId: string, gatewaySubnetId: string): void {
  const other = store
    .ofType('Microsoft.Network/virtualNetworkGateways')
    .find(
      (g) =>
        armKey(g.id) !== armKey(gatewayId) &&
        (g.body.properties.ipConfigurations ?? []).some((ipc: Props) => armKey(String(idOf(ipc?.properties?.subnet) ?? '')) === armKey(gatewaySubnetId)),
    );
  if (other) {
    throw new ArmBadRequestError(
      'BadRequest',
      `A virtual network can't be associated with more than one gateway. Subnet ${gatewaySubnetId} is already used by virtual network gateway ${other.id}.`,
    );
  }
}

/**
 * Active-active and BGP on a gateway PUT (docs/local-mode.md, "Strict readings: BGP and active-active"): two IP
 * configurations on two distinct Standard static public IPs, an ASN Azure allows, custom addresses only in the
 * APIPA range and only one on an active-standby gateway, each naming one of the gateway's IP configurations.
 */
function refuseBadBgpSettings(store: ArmStore, gatewayId: string, props: Props, ipConfigs: Props[]): void {
  if (props.activeActive === true) {
    if (ipConfigs.length !== 2) {
      throw new ArmBadRequestError(
        'ActiveActiveGatewayMustHaveExactlyTwoIpConfigurations',
        `Gateway has ${ipConfigs.length} IP configurations specified for gateway ${gatewayId}. ActiveActive Gateway must be created with two IP configurations.`,
      );
    }
    const pipIds = ipConfigs.map((ipc) => String(idOf(ipc.properties?.publicIPAddress) ?? '').toLowerCase());
    if (pipIds[0] === pipIds[1]) {
      throw new ArmBadRequestError('PublicIPAddressInUse', `Public IP address ${idOf(ipConfigs[1].properties?.publicIPAddress)} is used by both IP configurations of virtual network gateway ${gatewayId}.`);
    }
    const pips = pipIds.map((id) => store.get(id)).filter((p): p is ArmResource => !!p);
    const standardStatic = (p: ArmResource) => String(p.body.sku?.name ?? '').toLowerCase() === 'standard' && String(p.body.properties.publicIPAllocationMethod ?? '').toLowerCase() === 'static';
    if (pips.some((p) => !standardStatic(p))) {
      throw new ArmBadRequestError(
        'ActiveActiveGatewayPublicIPAddressesDiffersInSkuOrZones',
        `Virtual network gateway ${gatewayId} in active active mode is using PublicIPAddresses either with different Skus or with different PublicIPAllocationMethod or from a different availability zones.`,
      );
    }
  }
  const sent: Props = props.bgpSettings ?? {};
  if (sent.asn !== undefined) {
    const problem = asnProblem(sent.asn, 'gateway');
    if (problem) throw new ArmBadRequestError('InvalidBgpAsn', `Virtual network gateway ${gatewayId}: ${problem}.`);
  }
  const peering: Props[] = Array.isArray(sent.bgpPeeringAddresses) ? sent.bgpPeeringAddresses : [];
  const configIds = ipConfigs.map((ipc, i) => `${gatewayId}/ipConfigurations/${ipc.name ?? (i === 0 ? 'default' : `ipconfig${i}`)}`.toLowerCase());
  let customCount = 0;
  for (const entry of peering) {
    const custom: unknown[] = Array.isArray(entry?.customBgpIpAddresses) ? entry.customBgpIpAddresses : [];
    if (custom.length && !configIds.includes(String(entry?.ipconfigurationId ?? '').toLowerCase())) {
      throw new ArmBadRequestError('InvalidCustomBgpIpAddress', `bgpPeeringAddresses[].ipconfigurationId ${entry?.ipconfigurationId} is not an IP configuration of virtual network gateway ${gatewayId}.`);
    }
    for (const address of custom) {
      if (!isAzureApipaAddress(address)) {
        throw new ArmBadRequestError('InvalidCustomBgpIpAddress', `Custom BGP IP address ${String(address)} of virtual network gateway ${gatewayId} is not in the APIPA range 169.254.21.0 to 169.254.22.255.`);
      }
    }
    customCount += custom.length;
  }
  if (props.activeActive !== true && customCount > 1) {
    throw new ArmBadRequestError('InvalidCustomBgpIpAddress', `Virtual network gateway ${gatewayId} is active-standby: it takes one custom BGP IP address, not ${customCount}.`);
  }
}

const virtualNetworkGateway: TypeRule = {
  resourceGuid: true,
  latency: { create: 'azure.virtualNetworkGateway.create', update: 'azure.virtualNetworkGateway.update', delete: 'azure.virtualNetworkGateway.delete' },
  retryAfterSeconds: NETWORK_RETRY_AFTER,
  conflictOnRepeatedDelete: true,
  inUseError: (resource, usedBy) => inUseCannotBeDeleted('InUseVirtualNetworkGatewayCannotBeDeleted', 'Virtual network gateway', resource, usedBy),
  outcome: (ctx) => (ctx.faults.spec.gatewayFailed ? 'Failed' : 'Succeeded'),
  write({ store, target, existing, request }) {
    const body = baseBody(request, existing);
    const props = body.properties;
    const ipConfigs: Props[] = Array.isArray(props.ipConfigurations) ? props.ipConfigurations : [];
    if (!ipConfigs.length) throw new ArmBadRequestError('InvalidRequestFormat', 'Cannot parse the request: properties.ipConfigurations is required.');
    const tunnelIps: string[] = [];
    refuseBadBgpSettings(store, target.id, props, ipConfigs);
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
      refuseASecondGateway(store, target.id, gwSubnet.id);
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

const localNetworkGateway: TypeRule = {
  resourceGuid: true,
  latency: { create: 'azure.localNetworkGateway.create', delete: 'azure.localNetworkGateway.delete' },
  retryAfterSeconds: NETWORK_RETRY_AFTER,
  inUseError: (resource, usedBy) => inUseCannotBeDeleted('InUseLocalNetworkGatewayCannotBeDeleted', 'Local network gateway', resource, usedBy),
  write({ target, existing, request }) {
    const body = baseBody(request, existing);
    const props = body.properties;
    if (!props.gatewayIpAddress && !props.fqdn) {
      throw new ArmBadRequestError('InvalidRequestFormat', 'Cannot parse the request: properties.gatewayIpAddress or properties.fqdn is required.');
    }
    for (const p of props.localNetworkAddressSpace?.addressPrefixes ?? []) cidr(p, 'localNetworkAddressSpace');
    if (props.bgpSettings !== undefined && props.bgpSettings !== null) {
      const problem = asnProblem(props.bgpSettings.asn, 'local network gateway');
      if (problem) throw new ArmBadRequestError('InvalidBgpAsn', `Local network gateway ${target.id}: ${problem}.`);
      if (!isIpv4(props.bgpSettings.bgpPeeringAddress)) {
        throw new ArmBadRequestError('InvalidRequestFormat', `Cannot parse the request: bgpSettings.bgpPeeringAddress of local network gateway ${target.id} must be an IPv4 address.`);
      }
    }
    return body;
  },
};

/** A key other than the one sent, in the PSK alphabet: the wrong-psk fault. */
function wrongKey(sent: string): string {
  return `Wr0ng${sent.split('').reverse().join('')}`.slice(0, 64);
}

/** The key to store for the one sent (a PUT of the connection or of its `sharedkey`), applying the wrong-psk fault. */
export function storeSharedKey(ctx: EmulatorContext, sent: string): string {
  return ctx.faults.spec.wrongPsk ? wrongKey(sent) : sent;
}

/**
 * One connection operation at a time per gateway (contract: local-cloud.md, latency table): while a connection of
 * the gateway is being created, rebuilt or deleted, ARM refuses another connection's write or delete there with
 * 409 AnotherOperationInProgress. A write that starts no operation (a PUT that changes nothing on a Succeeded
 * connection, a key set to the key it has) is still accepted beside a create; a running delete refuses it too.
 */
export function refuseWhileTheGatewayIsBusy(store: ArmStore, gatewayId: string | undefined, connectionId: string, startsAnOperation: boolean): void {
  if (!gatewayId) return;
  const busy = store
    .ofType('Microsoft.Network/connections')
    .find(
      (c) =>
        c.id.toLowerCase() !== connectionId.toLowerCase() &&
        store.inProgress(c) &&
        (startsAnOperation || c.operation?.kind === 'delete') &&
        String(idOf(c.body.properties.virtualNetworkGateway1)).toLowerCase() === gatewayId.toLowerCase(),
    );
  if (busy) {
    throw new ArmConflictError(
      'AnotherOperationInProgress',
      `Another operation on this or dependent resource is in progress. Virtual network gateway ${gatewayId} is busy with operation ${busy.operation!.operationId} on ${busy.id}. Retry the request later.`,
    );
  }
}

/** A body as ARM compares it: without what the server sets on every write, keys in a fixed order. */
function comparable(body: Body): string {
  const { etag: _etag, ...rest } = body as Props;
  const { resourceGuid: _guid, provisioningState: _state, ...properties } = rest.properties ?? {};
  const sorted = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(sorted)
      : value && typeof value === 'object'
        ? Object.fromEntries(Object.keys(value).sort().map((k) => [k, sorted((value as Props)[k])]))
        : value;
  return JSON.stringify(sorted({ ...rest, properties }));
}

/**
 * BGP on a connection: both the gateway and the local network gateway must speak it, and every custom address
 * names one of the gateway's IP configurations and one of the addresses configured there (one entry per IP
 * configuration on an active-active gateway).
 */
function refuseBadConnectionBgp(store: ArmStore, connectionId: string, props: Props, gateway: ArmResource): void {
  const gatewayProps = gateway.body.properties;
  if (props.enableBgp === true) {
    if (gatewayProps.enableBgp !== true) {
      throw new ArmBadRequestError('BgpNotEnabledOnVirtualNetworkGateway', `Connection ${connectionId} has enableBgp, but virtual network gateway ${gateway.id} does not.`);
    }
    const lng = props.localNetworkGateway2 !== undefined ? store.get(idOf(props.localNetworkGateway2) ?? '') : undefined;
    if (lng && !lng.body.properties.bgpSettings) {
      throw new ArmBadRequestError('LocalNetworkGatewayBgpSettingsRequired', `Connection ${connectionId} has enableBgp, but local network gateway ${lng.id} has no bgpSettings.`);
    }
  }
  // Without BGP the entries are stored unchecked: the official example (VirtualNetworkGatewayConnectionCreate.json)
  // sends entries naming IP configurations its own gateway does not have.
  const entries: Props[] = Array.isArray(props.gatewayCustomBgpIpAddresses) ? props.gatewayCustomBgpIpAddresses : [];
  if (entries.length === 0 || props.enableBgp !== true) return;
  const configs: Props[] = gatewayProps.ipConfigurations ?? [];
  const peering: Props[] = gatewayProps.bgpSettings?.bgpPeeringAddresses ?? [];
  for (const entry of entries) {
    const config = configs.find((c) => String(c.id ?? '').toLowerCase() === String(entry?.ipConfigurationId ?? '').toLowerCase());
    if (!config) {
      throw new ArmBadRequestError('InvalidGatewayCustomBgpIpAddress', `gatewayCustomBgpIpAddresses[].ipConfigurationId ${entry?.ipConfigurationId} of connection ${connectionId} is not an IP configuration of ${gateway.id}.`);
    }
    const configured: string[] = peering.find((p) => String(p.ipconfigurationId ?? '').toLowerCase() === String(config.id).toLowerCase())?.customBgpIpAddresses ?? [];
    if (!configured.includes(entry?.customBgpIpAddress)) {
      throw new ArmBadRequestError(
        'InvalidGatewayCustomBgpIpAddress',
        `Custom BGP IP address ${entry?.customBgpIpAddress} of connection ${connectionId} is not configured on IP configuration ${config.id} (configured: ${configured.join(', ') || 'none'}).`,
      );
    }
  }
  if (gatewayProps.activeActive === true && configs.some((c) => entries.filter((e) => String(e?.ipConfigurationId ?? '').toLowerCase() === String(c.id).toLowerCase()).length !== 1)) {
    throw new ArmBadRequestError('InvalidGatewayCustomBgpIpAddress', `Connection ${connectionId} to active-active gateway ${gateway.id} needs exactly one gatewayCustomBgpIpAddresses entry per IP configuration.`);
  }
}

const connection: TypeRule = {
  resourceGuid: true,
  latency: { create: 'azure.connection.create', delete: 'azure.connection.delete' },
  retryAfterSeconds: NETWORK_RETRY_AFTER,
  conflictOnRepeatedDelete: true,
  beforeDelete(store, resource) {
    refuseWhileTheGatewayIsBusy(store, idOf(resource.body.properties.virtualNetworkGateway1), resource.id, true);
  },
  write({ ctx, store, target, existing, request }) {
    const body = baseBody(request, existing);
    const props = body.properties;
    const gateway = requireExisting(store, idOf(props.virtualNetworkGateway1), target.id, 'properties.virtualNetworkGateway1.id');
    requireSucceeded(store, gateway, target.id, 'PutVirtualNetworkGatewayOperation');
    if (props.localNetworkGateway2 !== undefined) {
      const lng = requireExisting(store, idOf(props.localNetworkGateway2), target.id, 'properties.localNetworkGateway2.id');
      requireSucceeded(store, lng, target.id, 'PutLocalNetworkGatewayOperation');
    }
    refuseBadConnectionBgp(store, target.id, props, gateway);
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
    const unchanged = !!existing && store.provisioningState(existing) === 'Succeeded' && comparable(existing.body) === comparable(body);
    refuseWhileTheGatewayIsBusy(store, gateway.id, target.id, !unchanged);
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

export const gatewaysFamily: ResourceFamily = {
  name: 'VPN gateways, local network gateways and connections',
  rules: {
    'Microsoft.Network/virtualNetworkGateways': virtualNetworkGateway,
    'Microsoft.Network/localNetworkGateways': localNetworkGateway,
    'Microsoft.Network/connections': connection,
  },
};
