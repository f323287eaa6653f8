/**
 * BGP over the VPN tunnels (docs/local-mode.md, "Strict readings: BGP and active-active"). A session rides on
 * one tunnel whose IKE/IPsec is UP; it is established only when both ends name each other exactly (addresses
 * from the tunnel's inside /30, each side's ASN as the other configured it), `bgp.session` seconds after the
 * tunnel came up. Routes cross only established sessions: the VGW learns the VNet prefixes, Azure the VPC's
 * CIDR blocks. Reasons are the emulator's own diagnostics; neither cloud reports them.
 */
import type { ArmResource, AwsState, VpnConnection } from '../cloud/state';
import type { Latencies } from '../latency';
import { AzureView, sameArmId } from './azure-view';
import { formatIpv4, parseIpv4 } from './ipv4';

/** Azure's range for custom (APIPA) BGP addresses on a VPN gateway. */
const APIPA_FIRST = parseIpv4('169.254.21.0')!;
const APIPA_LAST = parseIpv4('169.254.22.255')!;

export function isAzureApipaAddress(ip: unknown): boolean {
  const value = typeof ip === 'string' ? parseIpv4(ip) : undefined;
  return value !== undefined && value >= APIPA_FIRST && value <= APIPA_LAST;
}

export function isIpv4(text: unknown): boolean {
  return typeof text === 'string' && parseIpv4(text) !== undefined;
}

/**
 * Why Azure refuses an ASN, or undefined. Azure reserves 8074, 8075, 12076 (public) and 65515, 65517–65520
 * (private; 65515 is the gateway's own default, so a gateway may keep it but a local network gateway may not);
 * IANA reserves 23456, 64496–64511 and 65535–65551.
 */
export function asnProblem(asn: unknown, on: 'gateway' | 'local network gateway'): string | undefined {
  if (typeof asn !== 'number' || !Number.isInteger(asn) || asn < 0 || asn > 4294967295) return `the ASN ${String(asn)} is not a number from 1 to 4294967295`;
  if (asn === 0) return 'the ASN cannot be zero';
  const azure = [8074, 8075, 12076, 65517, 65518, 65519, 65520, ...(on === 'gateway' ? [] : [65515])];
  if (azure.includes(asn)) return `the ASN ${asn} is reserved by Azure`;
  if (asn === 23456 || (asn >= 64496 && asn <= 64511) || (asn >= 65535 && asn <= 65551) || asn === 4294967295) return `the ASN ${asn} is reserved by IANA`;
  return undefined;
}

/** The two ends of a tunnel's inside /30: AWS takes the first usable address, the customer side the second. */
export function tunnelInsideAddresses(cidr: string | undefined): { aws: string; azure: string } | undefined {
  const match = /^(\d+\.\d+\.\d+\.\d+)\/30$/.exec(cidr ?? '');
  const network = match ? parseIpv4(match[1]) : undefined;
  if (network === undefined) return undefined;
  const base = (network & 0xfffffffc) >>> 0;
  return { aws: formatIpv4(base + 1), azure: formatIpv4(base + 2) };
}

/** One instance of an Azure VPN gateway: an IP configuration, in the order the gateway lists them. */
export interface GatewayInstance {
  index: number;
  ipConfigurationId: string;
  publicIp?: string;
  /** The instance's private address in GatewaySubnet (ARM's `defaultBgpIpAddresses`). */
  defaultAddress?: string;
  /** The custom APIPA addresses configured on the instance. */
  customAddresses: string[];
}

/**
 * The instances of a gateway. A public IP resource absent from the state (a gateway the world brought) falls back
 * to the tunnel address ARM reports for that configuration.
 */
export function gatewayInstances(azure: AzureView, gateway: ArmResource): GatewayInstance[] {
  const props = azure.props(gateway);
  const peering: any[] = props.bgpSettings?.bgpPeeringAddresses ?? [];
  return (props.ipConfigurations ?? []).map((config: any, index: number) => {
    const entry = peering.find((p) => sameArmId(p?.ipconfigurationId, config?.id));
    const pip = azure.get(config?.properties?.publicIPAddress?.id);
    const ip = azure.props(pip).ipAddress;
    const reported = entry?.tunnelIpAddresses?.[0];
    return {
      index,
      ipConfigurationId: String(config?.id ?? ''),
      publicIp: typeof ip === 'string' ? ip : !pip && gateway.preExisting && typeof reported === 'string' ? reported : undefined,
      defaultAddress: entry?.defaultBgpIpAddresses?.[0],
      customAddresses: Array.isArray(entry?.customBgpIpAddresses) ? entry.customBgpIpAddresses.map(String) : [],
    };
  });
}

export type BgpSessionState = 'Connected' | 'Connecting' | 'Idle';

export interface BgpSession {
  state: BgpSessionState;
  /** What keeps the session from being established; empty when it is (or will be, once `establishedAt` passes). */
  reasons: string[];
  /** The Azure instance the tunnel ends on. */
  instance?: number;
  ipConfigurationId?: string;
  awsAddress?: string;
  azureAddress?: string;
  awsAsn?: number;
  azureAsn?: number;
  establishedAt?: number;
  /** Prefixes the VGW learned over the session (the VNet's); empty unless Connected. */
  awsLearned: string[];
  /** Prefixes Azure learned over the session (the VPC's blocks); empty unless Connected. */
  azureLearned: string[];
}

export interface SessionInput {
  aws: AwsState;
  azure: AzureView;
  now: number;
  latencies: Latencies;
  vpn: VpnConnection;
  tunnelIndex: number;
  /** The tunnel's IKE/IPsec state, and when it came (or comes) up. */
  tunnelUp: boolean;
  upAt?: number;
  /** The latency key the tunnel uses, so the session's draw follows the same tunnel. */
  tunnelKey: string;
  gatewayId?: string;
  localNetworkGatewayId?: string;
  connectionId?: string;
  vnetPrefixes: string[];
  vpcCidrs: string[];
}

/** Whether a BGP session rides on the tunnel, and if not, why. */
export function evaluateSession(input: SessionInput): BgpSession {
  const { aws, azure, vpn } = input;
  const reasons: string[] = [];
  const session: BgpSession = { state: 'Idle', reasons, awsLearned: [], azureLearned: [] };
  const label = `${vpn.VpnConnectionId} tunnel ${input.tunnelIndex + 1}`;
  const tunnel = vpn.Tunnels[input.tunnelIndex];
  const inside = tunnelInsideAddresses(tunnel?.TunnelInsideCidr);
  if (inside) {
    session.awsAddress = inside.aws;
    session.azureAddress = inside.azure;
  }
  if (vpn.StaticRoutesOnly) reasons.push(`VPN connection ${vpn.VpnConnectionId} uses static routing: no BGP session`);
  if (!input.tunnelUp) reasons.push(`${label} is not UP`);

  const vgw = aws.vpnGateways.find((g) => g.VpnGatewayId === vpn.VpnGatewayId && g.deletedAt === undefined);
  const cgw = aws.customerGateways.find((c) => c.CustomerGatewayId === vpn.CustomerGatewayId && c.deletedAt === undefined);
  session.awsAsn = vgw?.AmazonSideAsn;
  const gateway = azure.get(input.gatewayId);
  const gatewayProps = azure.props(gateway);
  const azureAsn = typeof gatewayProps.bgpSettings?.asn === 'number' ? gatewayProps.bgpSettings.asn : undefined;
  session.azureAsn = azureAsn;
  if (gateway && gatewayProps.enableBgp !== true) reasons.push(`Azure VPN gateway ${azure.short(gateway)} does not have enableBgp`);

  // Which Azure instance the tunnel ends on: the one whose public IP AWS knows as the customer gateway.
  const instance = gateway && cgw ? gatewayInstances(azure, gateway).find((i) => i.publicIp === cgw.IpAddress) : undefined;
  if (instance) {
    session.instance = instance.index;
    session.ipConfigurationId = instance.ipConfigurationId;
  }

  const lng = azure.get(input.localNetworkGatewayId);
  const lngBgp = azure.props(lng).bgpSettings;
  if (lng && !lngBgp) reasons.push(`local network gateway ${azure.short(lng)} has no bgpSettings`);
  else if (lngBgp) {
    if (vgw && lngBgp.asn !== vgw.AmazonSideAsn) reasons.push(`local network gateway ${azure.short(lng!)} has ASN ${lngBgp.asn}, but ${vgw.VpnGatewayId} speaks as ${vgw.AmazonSideAsn}`);
    if (inside && lngBgp.bgpPeeringAddress !== inside.aws) {
      reasons.push(`local network gateway ${azure.short(lng!)} peers with ${lngBgp.bgpPeeringAddress ?? 'no address'}, but AWS's inside address of ${label} is ${inside.aws}`);
    }
  }

  const connection = azure.get(input.connectionId);
  const connectionProps = azure.props(connection);
  if (connection && connectionProps.enableBgp !== true) reasons.push(`connection ${azure.short(connection)} does not have enableBgp`);
  if (connection && instance && inside) {
    const entries: any[] = Array.isArray(connectionProps.gatewayCustomBgpIpAddresses) ? connectionProps.gatewayCustomBgpIpAddresses : [];
    const own = entries.find((e) => sameArmId(e?.ipConfigurationId, instance.ipConfigurationId));
    const used: string | undefined = own?.customBgpIpAddress ?? instance.customAddresses[0] ?? instance.defaultAddress;
    if (used !== inside.azure) {
      reasons.push(`connection ${azure.short(connection)} speaks from ${used ?? 'no address'} on instance ${instance.index}, but the customer side of ${label} is ${inside.azure}`);
    } else if (!instance.customAddresses.includes(used)) {
      reasons.push(`${used} is not a custom BGP address of instance ${instance.index} of Azure VPN gateway ${azure.short(gateway!)}`);
    }
  }
  if (cgw && azureAsn !== undefined && String(azureAsn) !== cgw.BgpAsn) {
    reasons.push(`customer gateway ${cgw.CustomerGatewayId} has BGP ASN ${cgw.BgpAsn}, but Azure VPN gateway ${azure.short(gateway!)} speaks as ${azureAsn}`);
  }
  if (vgw && azureAsn !== undefined && azureAsn === vgw.AmazonSideAsn) reasons.push(`both ends speak as ASN ${azureAsn}: an eBGP session needs two ASNs`);

  if (!input.tunnelUp) return session;
  if (reasons.length > 0) {
    session.state = 'Connecting';
    return session;
  }
  session.establishedAt = (input.upAt ?? input.now) + input.latencies.of('bgp.session', input.tunnelKey);
  if (input.now < session.establishedAt) {
    session.state = 'Connecting';
    return session;
  }
  session.state = 'Connected';
  session.awsLearned = [...input.vnetPrefixes];
  session.azureLearned = [...input.vpcCidrs];
  return session;
}

/** `hh:mm:ss.fffffff`, as Azure writes a peer's connectedDuration. */
export function connectedDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}.0000000`;
}
