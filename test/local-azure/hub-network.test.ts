/**
 * The network model on a hub the workflow did not build: a gateway loaded from the world (no ARM operation), the
 * central zone in another subscription holding an A record written directly, and one NSG holding several
 * environments' rules, each admitting its own VPC CIDR.
 */
import { armKey, type CloudState } from '../../local/cloud/state';
import { Latencies } from '../../local/latency';
import { NetworkModel } from '../../local/network/model';
import { ALL_READY_AT, ManualClock, azureProps, builtState, ids, nsgRule, removeAzure } from '../local-network/fixtures';
import { CENTRAL_ZONE } from './hub-support';

function modelOf(state: CloudState): NetworkModel {
  return new NetworkModel(() => state, new ManualClock(ALL_READY_AT), new Latencies());
}

/** The built path, with the gateway and its public IP as the world loader leaves them: pre-existing, no operation. */
function worldGatewayState(): CloudState {
  const state = builtState();
  for (const id of [ids.gatewayId, ids.pipId]) {
    const resource = state.azure.resources[armKey(id)];
    delete resource.operation;
    resource.preExisting = true;
  }
  return state;
}

describe('a gateway loaded from the world', () => {
  it('carries the tunnels: its public IP comes from its ipConfiguration, as for a gateway the workflow built', () => {
    const model = modelOf(worldGatewayState());
    expect(model.awsTunnelTelemetry(ids.vpnId).map((t) => t.Status)).toEqual(['UP', 'UP']);
    expect(model.azureConnectionStatus(ids.connectionIds[0]).connectionStatus).toBe('Connected');
    expect(model.resolve(ids.subnetA, ids.accountName).via).toBe('private');
  });

  it('without its public IP resource in the state, the address ARM reports for the ipConfiguration is used', () => {
    const state = worldGatewayState();
    removeAzure(state, ids.pipId);
    const props = azureProps(state, ids.gatewayId);
    props.ipConfigurations[0].id = `${ids.gatewayId}/ipConfigurations/default`;
    props.bgpSettings = { asn: 65515, bgpPeeringAddresses: [{ ipconfigurationId: props.ipConfigurations[0].id, tunnelIpAddresses: [ids.pipIp] }] };
    expect(modelOf(state).awsTunnelTelemetry(ids.vpnId).map((t) => t.Status)).toEqual(['UP', 'UP']);

    // A gateway the workflow built is not given that fallback: its public IP resource must be there.
    const built = builtState();
    removeAzure(built, ids.pipId);
    Object.assign(azureProps(built, ids.gatewayId), { bgpSettings: props.bgpSettings });
    azureProps(built, ids.gatewayId).ipConfigurations[0].id = props.ipConfigurations[0].id;
    expect(modelOf(built).tunnels()[0].reasons.join('; ')).toMatch(/not the public IP of any Azure VPN gateway/);
  });

  it('a connection that names another gateway than the one whose address the customer gateway has keeps the tunnel down', () => {
    const state = worldGatewayState();
    for (const id of ids.connectionIds) azureProps(state, id).virtualNetworkGateway1 = { id: `${ids.gatewayId}-other` };
    expect(modelOf(state).tunnels()[0].reasons.join('; ')).toMatch(/joins gateway vpngw-hub-other, not vpngw-hub/);
  });
});

describe('the central zone in another subscription', () => {
  const link = `${CENTRAL_ZONE}/virtualNetworkLinks/link-vnet-hub`;
  const record = `${CENTRAL_ZONE}/A/aoai-prod`;

  /** The product's zone removed; the central one linked to the VNet, holding the record as a direct A record set. */
  function centralZoneState(): CloudState {
    const state = builtState();
    for (const id of [ids.recordId, ids.linkId, `${ids.peId}/privateDnsZoneGroups/default`, ids.zoneId]) removeAzure(state, id);
    const put = (id: string, type: string, properties: Record<string, any>, location?: string) => {
      state.azure.resources[armKey(id)] = { id, type, name: id.split('/').pop()!, apiVersion: '2024-06-01', preExisting: true, body: { ...(location ? { location } : {}), properties } };
    };
    put(CENTRAL_ZONE, 'Microsoft.Network/privateDnsZones', { provisioningState: 'Succeeded' }, 'global');
    put(link, 'Microsoft.Network/privateDnsZones/virtualNetworkLinks', { virtualNetwork: { id: ids.vnetId }, registrationEnabled: false, provisioningState: 'Succeeded' }, 'global');
    put(record, 'Microsoft.Network/privateDnsZones/A', { ttl: 10, aRecords: [{ ipv4Address: ids.peIp }], provisioningState: 'Succeeded' });
    return state;
  }

  it('answers the private address from the record the zone holds, written by no zone group', () => {
    expect(modelOf(centralZoneState()).resolve(ids.subnetA, ids.accountName)).toMatchObject({ via: 'private', addresses: [ids.peIp], cnames: ['aoai-prod.privatelink.openai.azure.com'] });
  });

  it('answers publicly once the record is gone, or the zone is not linked to the resolver\'s VNet', () => {
    const withoutRecord = centralZoneState();
    removeAzure(withoutRecord, record);
    expect(modelOf(withoutRecord).resolve(ids.subnetA, ids.accountName).reasons.join('; ')).toMatch(/holds no A record aoai-prod/);
    const unlinked = centralZoneState();
    removeAzure(unlinked, link);
    const answer = modelOf(unlinked).resolve(ids.subnetA, ids.accountName);
    expect(answer.via).toBe('public');
    expect(answer.reasons.join('; ')).toMatch(/is not linked to VNet vnet-hub/);
  });
});

describe('one NSG holding several environments\' rules', () => {
  it('admits this VPC by its own rule, whatever the others admit, and refuses it when only the others are there', () => {
    const state = builtState();
    const props = azureProps(state, ids.nsgPeId);
    props.securityRules = [
      nsgRule('platform-ssh', 200, 'Tcp', '22', 'Allow', '10.0.0.0/8'),
      nsgRule('aoai-link-spoke-two-https', 301, 'Tcp', '443', 'Allow', '172.18.0.0/16'),
      nsgRule('aoai-link-spoke-one-https', 300, 'Tcp', '443', 'Allow', ids.vpcCidr),
    ];
    expect(modelOf(state).tcp(ids.subnetA, ids.peIp, 443).ok).toBe(true);
    props.securityRules = props.securityRules.filter((r: { name: string }) => r.name !== 'aoai-link-spoke-one-https');
    const refused = modelOf(state).tcp(ids.subnetA, ids.peIp, 443);
    expect(refused.ok).toBe(false);
    expect(refused.reasons.join('; ')).toMatch(/network security group nsg-pe on subnet snet-pe does not allow TCP 443 from the VPC CIDR 172\.17\.0\.0\/16/);
  });
});
