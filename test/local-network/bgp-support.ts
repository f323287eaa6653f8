/**
 * A consistent BGP set, built with the real SDK clients against the emulated clouds of local mode (one state,
 * the real network model, a simulated clock): Microsoft's AWS layout (vpn-gateway-howto-aws-bgp), an
 * active-active Azure gateway with two instances, two customer gateways and VPN connections, four tunnels,
 * four local network gateways and four connections. Each hook breaks one piece on the way.
 */
import {
  AttachVpnGatewayCommand,
  CreateCustomerGatewayCommand,
  CreateVpnConnectionCommand,
  CreateVpnConnectionRouteCommand,
  CreateVpnGatewayCommand,
  DescribeVpnConnectionsCommand,
  EC2Client,
  EnableVgwRoutePropagationCommand,
} from '@aws-sdk/client-ec2';
import { NetworkManagementClient } from '@azure/arm-network';
import { ResourceManagementClient } from '@azure/arm-resources';
import { ClientSecretCredential } from '@azure/identity';
import { LOCAL_SERVICE_PRINCIPAL } from '../../local/azure/entra';
import { startLocalClouds, type LocalClouds } from '../../local/cloud';
import { armKey } from '../../local/cloud/state';
import { readWorld, stateFromWorld } from '../../local/cloud/world';
import { parseFaults } from '../../local/faults';
import { pollOnTheSimulatedClock } from '../local-azure/hub-support';

export const SUB = '11111111-2222-3333-4444-555555555555';
export const RG = 'rg-network';
const NET = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network`;
export const VNET = `${NET}/virtualNetworks/vnet-hub`;
export const VNET_PREFIX = '192.168.0.0/16';
export const VPC_ID = 'vpc-0a1b2c3d4e5f60001';
export const SUBNET_A = 'subnet-0a1b2c3d4e5f60001';
export const ROUTE_TABLE = 'rtb-0a1b2c3d4e5f60001';
export const GATEWAY = `${NET}/virtualNetworkGateways/vpngw-bgp`;
export const GATEWAY_NAME = 'vpngw-bgp';
export const IPCONFIGS = [`${GATEWAY}/ipConfigurations/default`, `${GATEWAY}/ipConfigurations/active-active`];
export const PIPS = [`${NET}/publicIPAddresses/pip-vpngw-1`, `${NET}/publicIPAddresses/pip-vpngw-2`];
export const lngId = (tunnel: number) => `${NET}/localNetworkGateways/lng-aws-tunnel-${tunnel}`;
export const connectionId = (tunnel: number) => `${NET}/connections/cn-aws-tunnel-${tunnel}`;
export const NETWORK_API = '2025-05-01';

/** The design's table: tunnel n (1–4) → VPN connection, AWS tunnel, Azure instance, inside /30 and both ends. */
export const TUNNELS = [
  { tunnel: 1, vpn: 0, awsTunnel: 0, instance: 0, cidr: '169.254.21.0/30', aws: '169.254.21.1', azure: '169.254.21.2' },
  { tunnel: 2, vpn: 0, awsTunnel: 1, instance: 0, cidr: '169.254.22.0/30', aws: '169.254.22.1', azure: '169.254.22.2' },
  { tunnel: 3, vpn: 1, awsTunnel: 0, instance: 1, cidr: '169.254.21.4/30', aws: '169.254.21.5', azure: '169.254.21.6' },
  { tunnel: 4, vpn: 1, awsTunnel: 1, instance: 1, cidr: '169.254.22.4/30', aws: '169.254.22.5', azure: '169.254.22.6' },
];
const psk = (tunnel: number) => `Bgp${tunnel}.key_abcdefgh`;

/** One piece each, changed on the way to the consistent set. */
export interface BgpBreaks {
  azureAsn?: number;
  awsAsn?: number;
  /** The customer gateway's BgpAsn for VPN connection k (0 or 1). */
  customerGatewayAsn?: (k: number, asn: number) => number;
  staticRoutesOnly?: (k: number) => boolean;
  localNetworkGateway?: (tunnel: number, properties: Record<string, any>) => void;
  connection?: (tunnel: number, properties: Record<string, any>) => void;
}

export interface BgpClouds {
  clouds: LocalClouds;
  ec2: EC2Client;
  arm: ResourceManagementClient;
  network: NetworkManagementClient;
  sleep(seconds: number): Promise<void>;
  close(): Promise<void>;
}


export async function startBgpClouds(faults = ''): Promise<BgpClouds> {
  const clouds = await startLocalClouds({ state: stateFromWorld(readWorld()), faults: parseFaults(faults), seed: 1 });
  const credential = new ClientSecretCredential(LOCAL_SERVICE_PRINCIPAL.tenantId, LOCAL_SERVICE_PRINCIPAL.clientId, LOCAL_SERVICE_PRINCIPAL.clientSecret, {
    authorityHost: clouds.authorityHost,
    disableInstanceDiscovery: true,
    tlsOptions: { ca: clouds.caPem },
  });
  const options = { endpoint: clouds.azureEndpoint, tlsOptions: { ca: clouds.caPem }, retryOptions: { retryDelayInMs: 5, maxRetryDelayInMs: 20 } };
  const arm = new ResourceManagementClient(credential, SUB, { ...options, credentialScopes: 'https://management.azure.com/.default' });
  const network = new NetworkManagementClient(credential, SUB, options);
  pollOnTheSimulatedClock(arm.pipeline);
  pollOnTheSimulatedClock(network.pipeline);
  const ec2 = new EC2Client({ endpoint: clouds.awsEndpoint, region: 'ap-northeast-1', credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-secret' } });
  return {
    clouds,
    ec2,
    arm,
    network,
    sleep: (seconds) => clouds.clock.sleep(seconds),
    async close() {
      ec2.destroy();
      await clouds.close();
    },
  };
}

/** PUT through the SDK and poll to the end while the simulated clock moves to the operation's readyAt. */
export async function put(h: BgpClouds, id: string, body: Record<string, unknown>): Promise<any> {
  const poller = await h.arm.resources.beginCreateOrUpdateById(id, NETWORK_API, body as never, { updateIntervalInMs: 5 });
  const done = poller.pollUntilDone();
  const op = h.clouds.state.azure.resources[armKey(id)]?.operation;
  await h.sleep(Math.max(0, (op?.readyAt ?? 0) - h.clouds.clock.now()));
  return done;
}

/** The gateway body of the consistent set (active-active, BGP, one custom address per AWS tunnel row). */
export function gatewayBody(azureAsn: number, custom: [string[], string[]] = [['169.254.21.2', '169.254.22.2'], ['169.254.21.6', '169.254.22.6']]) {
  return {
    location: 'japaneast',
    properties: {
      gatewayType: 'Vpn',
      vpnType: 'RouteBased',
      sku: { name: 'VpnGw1AZ', tier: 'VpnGw1AZ' },
      activeActive: true,
      enableBgp: true,
      ipConfigurations: ['default', 'active-active'].map((name, i) => ({
        name,
        properties: { privateIPAllocationMethod: 'Dynamic', subnet: { id: `${VNET}/subnets/GatewaySubnet` }, publicIPAddress: { id: PIPS[i] } },
      })),
      bgpSettings: {
        asn: azureAsn,
        bgpPeeringAddresses: IPCONFIGS.map((ipconfigurationId, i) => ({ ipconfigurationId, customBgpIpAddresses: custom[i] })),
      },
    },
  };
}

export interface BuiltBgp {
  vpnGatewayId: string;
  customerGatewayIds: string[];
  vpnConnectionIds: string[];
  publicIps: string[];
  /** AWS outside IP of each tunnel 1–4 (index 0–3). */
  outsideIps: string[];
  azureAsn: number;
  awsAsn: number;
}

/** Builds the whole set, with `breaks` applied, and waits until every tunnel that can be up is up and its session settled. */
export async function buildBgp(h: BgpClouds, breaks: BgpBreaks = {}): Promise<BuiltBgp> {
  const azureAsn = breaks.azureAsn ?? 65000;
  const awsAsn = breaks.awsAsn ?? 64512;

  // Azure: GatewaySubnet, two Standard static public IPs, the active-active BGP gateway.
  await put(h, `${VNET}/subnets/GatewaySubnet`, { properties: { addressPrefix: '192.168.255.0/27' } });
  for (const pip of PIPS) {
    await put(h, pip, { location: 'japaneast', sku: { name: 'Standard', tier: 'Regional' }, properties: { publicIPAllocationMethod: 'Static', publicIPAddressVersion: 'IPv4' } });
  }
  const publicIps = PIPS.map((pip) => h.clouds.state.azure.resources[armKey(pip)].body.properties.ipAddress as string);
  await put(h, GATEWAY, gatewayBody(azureAsn));

  // AWS: the VGW with its ASN, attached and propagating; a customer gateway and a dynamic VPN connection per instance.
  const vgw = await h.ec2.send(new CreateVpnGatewayCommand({ Type: 'ipsec.1', AmazonSideAsn: awsAsn }));
  const vpnGatewayId = vgw.VpnGateway!.VpnGatewayId!;
  await h.sleep(30);
  await h.ec2.send(new AttachVpnGatewayCommand({ VpnGatewayId: vpnGatewayId, VpcId: VPC_ID }));
  await h.sleep(45);
  await h.ec2.send(new EnableVgwRoutePropagationCommand({ GatewayId: vpnGatewayId, RouteTableId: ROUTE_TABLE }));
  const customerGatewayIds: string[] = [];
  const vpnConnectionIds: string[] = [];
  for (const k of [0, 1]) {
    const asn = breaks.customerGatewayAsn ? breaks.customerGatewayAsn(k, azureAsn) : azureAsn;
    const cgw = await h.ec2.send(new CreateCustomerGatewayCommand({ Type: 'ipsec.1', IpAddress: publicIps[k], BgpAsn: asn, DeviceName: `azure-instance-${k}` }));
    customerGatewayIds.push(cgw.CustomerGateway!.CustomerGatewayId!);
    const rows = TUNNELS.filter((t) => t.vpn === k);
    const vpn = await h.ec2.send(
      new CreateVpnConnectionCommand({
        Type: 'ipsec.1',
        CustomerGatewayId: customerGatewayIds[k],
        VpnGatewayId: vpnGatewayId,
        Options: {
          StaticRoutesOnly: breaks.staticRoutesOnly ? breaks.staticRoutesOnly(k) : false,
          TunnelOptions: rows.map((t) => ({ TunnelInsideCidr: t.cidr, PreSharedKey: psk(t.tunnel) })),
        },
      }),
    );
    vpnConnectionIds.push(vpn.VpnConnection!.VpnConnectionId!);
  }
  await h.sleep(300);
  // A static connection gets the route static routing needs, so its tunnels can come up over IKE.
  for (const k of [0, 1]) {
    if (breaks.staticRoutesOnly?.(k)) await h.ec2.send(new CreateVpnConnectionRouteCommand({ VpnConnectionId: vpnConnectionIds[k], DestinationCidrBlock: VNET_PREFIX }));
  }
  const described = await h.ec2.send(new DescribeVpnConnectionsCommand({ VpnConnectionIds: vpnConnectionIds }));
  const outsideIps = TUNNELS.map((t) => {
    const vpn = described.VpnConnections!.find((v) => v.VpnConnectionId === vpnConnectionIds[t.vpn])!;
    return vpn.Options!.TunnelOptions![t.awsTunnel].OutsideIpAddress!;
  });

  // Azure: a local network gateway and a connection per tunnel.
  for (const t of TUNNELS) {
    const properties: Record<string, any> = {
      gatewayIpAddress: outsideIps[t.tunnel - 1],
      localNetworkAddressSpace: { addressPrefixes: [] },
      bgpSettings: { asn: awsAsn, bgpPeeringAddress: t.aws },
    };
    breaks.localNetworkGateway?.(t.tunnel, properties);
    await put(h, lngId(t.tunnel), { location: 'japaneast', properties });
  }
  for (const t of TUNNELS) {
    const row = TUNNELS.filter((r) => r.awsTunnel === t.awsTunnel);
    const properties: Record<string, any> = {
      connectionType: 'IPsec',
      connectionProtocol: 'IKEv2',
      virtualNetworkGateway1: { id: GATEWAY },
      localNetworkGateway2: { id: lngId(t.tunnel) },
      sharedKey: psk(t.tunnel),
      enableBgp: true,
      gatewayCustomBgpIpAddresses: IPCONFIGS.map((ipConfigurationId, instance) => ({ ipConfigurationId, customBgpIpAddress: row.find((r) => r.instance === instance)!.azure })),
    };
    breaks.connection?.(t.tunnel, properties);
    await put(h, connectionId(t.tunnel), { location: 'japaneast', properties });
  }
  // IKE (tunnel.up) then BGP (bgp.session).
  await h.sleep(120 + 30);
  return { vpnGatewayId, customerGatewayIds, vpnConnectionIds, publicIps, outsideIps, azureAsn, awsAsn };
}

/** VgwTelemetry of tunnels 1–4, in the table's order, through DescribeVpnConnections. */
export async function telemetry(h: BgpClouds, built: BuiltBgp) {
  const described = await h.ec2.send(new DescribeVpnConnectionsCommand({ VpnConnectionIds: built.vpnConnectionIds }));
  return TUNNELS.map((t) => {
    const vpn = described.VpnConnections!.find((v) => v.VpnConnectionId === built.vpnConnectionIds[t.vpn])!;
    return vpn.VgwTelemetry!.find((x) => x.OutsideIpAddress === built.outsideIps[t.tunnel - 1])!;
  });
}

/** getBgpPeerStatus through the real NetworkManagementClient (a long-running POST). */
export async function bgpPeers(h: BgpClouds, peer?: string) {
  const result = await h.network.virtualNetworkGateways.getBgpPeerStatus(RG, GATEWAY_NAME, { updateIntervalInMs: 5, ...(peer ? { peer } : {}) });
  return result.value ?? [];
}

/** The AWS inside addresses Azure holds a Connected session with, sorted. */
export async function connectedNeighbors(h: BgpClouds): Promise<string[]> {
  return (await bgpPeers(h)).filter((p) => p.state === 'Connected').map((p) => p.neighbor!).sort();
}

/** The AWS inside addresses of the given tunnels (1–4), sorted. */
export function neighborsOf(...tunnels: number[]): string[] {
  return TUNNELS.filter((t) => tunnels.includes(t.tunnel)).map((t) => t.aws).sort();
}
