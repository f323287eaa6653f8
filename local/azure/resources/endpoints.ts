/** Private endpoints, the NIC each one lives on, and their DNS zone groups (which write A records into a zone). */
import type { ArmResource } from '../../cloud/state';
import { ArmBadRequestError } from '../errors';
import { parseArmId, sameType } from '../ids';
import type { ArmStore } from '../store';
import type { Props, ResourceFamily, TypeRule } from './rule';
import { allocatePrivateIp, baseBody, idOf, lastLabel, NETWORK_RETRY_AFTER, requireExisting, requireSucceeded } from './shared';

const privateEndpoint: TypeRule = {
  latency: { create: 'azure.privateEndpoint.create', delete: 'azure.privateEndpoint.delete' },
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
  latency: { create: 'azure.privateDnsZoneGroup.create', delete: 'azure.privateDnsZoneGroup.delete' },
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

export const endpointsFamily: ResourceFamily = {
  name: 'private endpoints, their network interfaces and DNS zone groups',
  rules: {
    'Microsoft.Network/privateEndpoints': privateEndpoint,
    'Microsoft.Network/privateEndpoints/privateDnsZoneGroups': privateDnsZoneGroup,
  },
  ruleless: ['Microsoft.Network/networkInterfaces'],
};
