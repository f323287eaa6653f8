/**
 * A cloud state with the whole private path built and ready, as the workflow would leave it: the default world
 * plus every AWS and Azure resource, in the shapes the emulated control planes store. Tests break one piece at a
 * time from here.
 */
import type { ArmResource, CloudState } from '../../local/cloud/state';
import { armKey } from '../../local/cloud/state';
import { readWorld, stateFromWorld } from '../../local/cloud/world';

const SUB = '11111111-2222-3333-4444-555555555555';
const NET = `/subscriptions/${SUB}/resourceGroups/rg-network/providers/Microsoft.Network`;
const VNET = `${NET}/virtualNetworks/vnet-hub`;

export const ids = {
  vpcId: 'vpc-0a1b2c3d4e5f60001',
  vpcCidr: '172.17.0.0/16',
  subnetA: 'subnet-0a1b2c3d4e5f60001',
  subnetB: 'subnet-0a1b2c3d4e5f60002',
  routeTableId: 'rtb-0a1b2c3d4e5f60001',
  cgwId: 'cgw-0000000000000001',
  vgwId: 'vgw-0000000000000001',
  vpnId: 'vpn-0000000000000001',
  tunnelIps: ['52.193.10.1', '52.193.10.2'],
  psks: ['Tunnel1.key_abcdefgh', 'Tunnel2.key_ijklmnop'],
  sgId: 'sg-0000000000000001',
  outboundId: 'rslvr-out-0000000000000001',
  ruleId: 'rslvr-rr-0000000000000001',
  associationId: 'rslvr-rrassoc-0000000000000001',
  vnetId: VNET,
  gatewaySubnetId: `${VNET}/subnets/GatewaySubnet`,
  dnsSubnetId: `${VNET}/subnets/snet-dns-inbound`,
  peSubnetId: `${VNET}/subnets/snet-pe`,
  pipId: `${NET}/publicIPAddresses/pip-vpngw`,
  pipIp: '20.48.1.10',
  gatewayId: `${NET}/virtualNetworkGateways/vpngw-hub`,
  lngIds: [`${NET}/localNetworkGateways/lng-aws-tunnel1`, `${NET}/localNetworkGateways/lng-aws-tunnel2`],
  connectionIds: [`${NET}/connections/cn-aws-tunnel1`, `${NET}/connections/cn-aws-tunnel2`],
  nsgDnsId: `${NET}/networkSecurityGroups/nsg-dns-inbound`,
  nsgPeId: `${NET}/networkSecurityGroups/nsg-pe`,
  resolverId: `${NET}/dnsResolvers/dnsr-hub`,
  inboundId: `${NET}/dnsResolvers/dnsr-hub/inboundEndpoints/in-aws`,
  inboundIp: '192.168.2.4',
  zoneId: `${NET}/privateDnsZones/privatelink.openai.azure.com`,
  linkId: `${NET}/privateDnsZones/privatelink.openai.azure.com/virtualNetworkLinks/link-vnet-hub`,
  recordId: `${NET}/privateDnsZones/privatelink.openai.azure.com/A/aoai-prod`,
  peId: `${NET}/privateEndpoints/pe-aoai-prod`,
  peIp: '192.168.1.4',
  accountId: `/subscriptions/${SUB}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/aoai-prod`,
  accountName: 'aoai-prod.openai.azure.com',
};

/** When each piece finished; the last tunnel prerequisite (the Azure connections) is ready at CONFIGURED_AT. */
export const CONFIGURED_AT = 2600;
/** Everything, DNS and private endpoint included, is ready by then (and the tunnel is up). */
export const ALL_READY_AT = 3000;

function put(state: CloudState, id: string, type: string, properties: Record<string, any>, readyAt: number, extra: Partial<ArmResource['body']> = {}): void {
  state.azure.resources[armKey(id)] = {
    id,
    type,
    name: id.split('/').pop()!,
    apiVersion: '2025-05-01',
    body: { location: 'japaneast', ...extra, properties: { ...properties, provisioningState: 'Succeeded' } },
    operation: { kind: 'create', startedAt: Math.max(0, readyAt - 10), readyAt, outcome: 'Succeeded', operationId: `op-${readyAt}` },
  };
}

/** A subnet resource (written by PUT, so replacing a world entry if any). */
function subnet(state: CloudState, id: string, properties: Record<string, any>, readyAt: number): void {
  put(state, id, 'Microsoft.Network/virtualNetworks/subnets', properties, readyAt, { location: undefined });
}

function rule(name: string, priority: number, protocol: string, port: string, access = 'Allow', source = ids.vpcCidr) {
  return {
    name,
    properties: {
      protocol,
      access,
      direction: 'Inbound',
      priority,
      sourceAddressPrefix: source,
      sourcePortRange: '*',
      destinationAddressPrefix: '*',
      destinationPortRange: port,
    },
  };
}

export const nsgRule = rule;

export function builtState(): CloudState {
  const state = stateFromWorld(readWorld());
  const aws = state.aws;

  // ---- AWS ----
  aws.customerGateways.push({
    CustomerGatewayId: ids.cgwId, IpAddress: ids.pipIp, BgpAsn: '65000', Type: 'ipsec.1', Tags: [], createdAt: 20, readyAt: 30,
  });
  aws.vpnGateways.push({
    VpnGatewayId: ids.vgwId, Type: 'ipsec.1', AmazonSideAsn: 64512, Tags: [], createdAt: 0, readyAt: 30,
    Attachments: [{ VpcId: ids.vpcId, createdAt: 30, readyAt: 75 }],
  });
  aws.vpnConnections.push({
    VpnConnectionId: ids.vpnId, CustomerGatewayId: ids.cgwId, VpnGatewayId: ids.vgwId, Type: 'ipsec.1', StaticRoutesOnly: true,
    Tunnels: ids.tunnelIps.map((ip, i) => ({ OutsideIpAddress: ip, TunnelInsideCidr: `169.254.${21 + i}.0/30`, PreSharedKey: ids.psks[i], Options: {} })),
    Routes: [{ DestinationCidrBlock: '192.168.0.0/16', createdAt: 400 }],
    Tags: [], createdAt: 80, readyAt: 380,
  });
  aws.routeTables[0].PropagatingVgws.push(ids.vgwId);
  aws.securityGroups.push({
    GroupId: ids.sgId, GroupName: 'aoai-resolver', Description: 'outbound resolver', VpcId: ids.vpcId, Ingress: [], Tags: [],
    Egress: [
      { IpProtocol: 'udp', FromPort: 53, ToPort: 53, CidrIp: `${ids.inboundIp}/32` },
      { IpProtocol: 'tcp', FromPort: 53, ToPort: 53, CidrIp: `${ids.inboundIp}/32` },
    ],
  });
  aws.resolverEndpoints.push({
    Id: ids.outboundId, Arn: `arn:aws:route53resolver:ap-northeast-1:123456789012:resolver-endpoint/${ids.outboundId}`, CreatorRequestId: 'req-1',
    Direction: 'OUTBOUND', SecurityGroupIds: [ids.sgId], HostVPCId: ids.vpcId, Tags: [],
    IpAddresses: [
      { SubnetId: ids.subnetA, Ip: '172.17.1.10', IpId: 'rni-1' },
      { SubnetId: ids.subnetB, Ip: '172.17.2.10', IpId: 'rni-2' },
    ],
    createdAt: 100, readyAt: 280,
  });
  aws.resolverRules.push({
    Id: ids.ruleId, Arn: `arn:aws:route53resolver:ap-northeast-1:123456789012:resolver-rule/${ids.ruleId}`, CreatorRequestId: 'req-2',
    RuleType: 'FORWARD', DomainName: 'openai.azure.com.', TargetIps: [{ Ip: ids.inboundIp, Port: 53 }], ResolverEndpointId: ids.outboundId,
    Tags: [], createdAt: 2700, readyAt: 2710,
  });
  aws.resolverRuleAssociations.push({ Id: ids.associationId, ResolverRuleId: ids.ruleId, VPCId: ids.vpcId, createdAt: 2710, readyAt: 2770 });

  // ---- Azure ----
  subnet(state, ids.gatewaySubnetId, { addressPrefix: '192.168.255.0/27' }, 20);
  put(state, ids.nsgDnsId, 'Microsoft.Network/networkSecurityGroups', {
    securityRules: [rule('allow-dns-udp-from-aws', 100, 'Udp', '53'), rule('allow-dns-tcp-from-aws', 110, 'Tcp', '53')],
  }, 30);
  put(state, ids.nsgPeId, 'Microsoft.Network/networkSecurityGroups', { securityRules: [rule('allow-https-from-aws', 100, 'Tcp', '443')] }, 30);
  subnet(state, ids.dnsSubnetId, {
    addressPrefix: '192.168.2.0/28', networkSecurityGroup: { id: ids.nsgDnsId },
    delegations: [{ name: 'Microsoft.Network.dnsResolvers', properties: { serviceName: 'Microsoft.Network/dnsResolvers' } }],
  }, 40);
  subnet(state, ids.peSubnetId, { addressPrefix: '192.168.1.0/24', networkSecurityGroup: { id: ids.nsgPeId }, privateEndpointNetworkPolicies: 'Enabled' }, 50);
  put(state, ids.pipId, 'Microsoft.Network/publicIPAddresses', { publicIPAllocationMethod: 'Static', ipAddress: ids.pipIp }, 15, { sku: { name: 'Standard' } });
  put(state, ids.gatewayId, 'Microsoft.Network/virtualNetworkGateways', {
    gatewayType: 'Vpn', vpnType: 'RouteBased', sku: { name: 'VpnGw1AZ', tier: 'VpnGw1AZ' },
    ipConfigurations: [{ name: 'default', properties: { privateIPAllocationMethod: 'Dynamic', subnet: { id: ids.gatewaySubnetId }, publicIPAddress: { id: ids.pipId } } }],
  }, 2420);
  ids.lngIds.forEach((id, i) => {
    put(state, id, 'Microsoft.Network/localNetworkGateways', { gatewayIpAddress: ids.tunnelIps[i], localNetworkAddressSpace: { addressPrefixes: [ids.vpcCidr] } }, 420);
  });
  ids.connectionIds.forEach((id, i) => {
    put(state, id, 'Microsoft.Network/connections', {
      connectionType: 'IPsec', connectionProtocol: 'IKEv2', virtualNetworkGateway1: { id: ids.gatewayId }, localNetworkGateway2: { id: ids.lngIds[i] },
      sharedKey: ids.psks[i],
    }, CONFIGURED_AT);
  });
  put(state, ids.resolverId, 'Microsoft.Network/dnsResolvers', { virtualNetwork: { id: ids.vnetId } }, 200);
  put(state, ids.inboundId, 'Microsoft.Network/dnsResolvers/inboundEndpoints', {
    ipConfigurations: [{ subnet: { id: ids.dnsSubnetId }, privateIpAllocationMethod: 'Dynamic', privateIpAddress: ids.inboundIp }],
  }, 380);
  put(state, ids.zoneId, 'Microsoft.Network/privateDnsZones', {}, 60, { location: 'global' });
  put(state, ids.linkId, 'Microsoft.Network/privateDnsZones/virtualNetworkLinks', { virtualNetwork: { id: ids.vnetId }, registrationEnabled: false }, 90, { location: 'global' });
  put(state, ids.peId, 'Microsoft.Network/privateEndpoints', {
    subnet: { id: ids.peSubnetId },
    privateLinkServiceConnections: [{ name: 'aoai', properties: { privateLinkServiceId: ids.accountId, groupIds: ['account'], privateLinkServiceConnectionState: { status: 'Approved' } } }],
    customDnsConfigs: [{ fqdn: ids.accountName, ipAddresses: [ids.peIp] }],
  }, 150);
  put(state, `${ids.peId}/privateDnsZoneGroups/default`, 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups', {
    privateDnsZoneConfigs: [{ name: 'openai', properties: { privateDnsZoneId: ids.zoneId } }],
  }, 165, { location: undefined });
  put(state, ids.recordId, 'Microsoft.Network/privateDnsZones/A', { ttl: 10, aRecords: [{ ipv4Address: ids.peIp }] }, 165, { location: undefined });
  return state;
}

/** The resource body properties of an Azure resource in a state, for tests to edit. */
export function azureProps(state: CloudState, id: string): Record<string, any> {
  const resource = state.azure.resources[armKey(id)];
  if (!resource) throw new Error(`no resource ${id}`);
  return resource.body.properties;
}

export function removeAzure(state: CloudState, id: string): void {
  delete state.azure.resources[armKey(id)];
}

/** A clock the tests set by hand. */
export class ManualClock {
  constructor(public t = ALL_READY_AT) {}
  now(): number {
    return this.t;
  }
}
