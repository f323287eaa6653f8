/** The VPN gateway, the local network gateways that stand for the AWS tunnels, and the connections between them. */
import type { EmulatorContext } from '../../cloud/context';
import { armKey } from '../../cloud/state';
import { ArmBadRequestError, ArmConflictError } from '../errors';
import type { ArmStore } from '../store';
import { addressAt } from '../../network/ipv4';
import { connectionProblems } from '../../network/ike';
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

const virtualNetworkGateway: TypeRule = {
  resourceGuid: true,
  latency: { create: 'azure.virtualNetworkGateway.create', delete: 'azure.virtualNetworkGateway.delete' },
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
