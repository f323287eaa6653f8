/**
 * VPN tunnel options: reading `Options.TunnelOptions.N.*`, validating them with EC2's rules, allocating the
 * AWS side of each tunnel (outside IP, inside CIDR, pre-shared key) and rendering them back as EC2 does.
 */
import type { EmulatorContext } from '../cloud/context';
import type { VpnConnection, VpnTunnel } from '../cloud/state';
import { ec2Errors } from './errors';
import { escapeXml, type XmlValue } from './ec2-xml';
import { digest, nextCounter } from './ids';
import { formatIpv4, parseIpv4 } from '../network/ipv4';
import type { QueryParams } from './query';

/** A tunnel as requested: the SDK's VpnTunnelOptionsSpecification member names. */
export type TunnelSpec = Record<string, unknown> & { TunnelInsideCidr?: string; PreSharedKey?: string };

const SCALARS: [string, 'string' | 'int'][] = [
  ['TunnelInsideCidr', 'string'],
  ['PreSharedKey', 'string'],
  ['Phase1LifetimeSeconds', 'int'],
  ['Phase2LifetimeSeconds', 'int'],
  ['RekeyMarginTimeSeconds', 'int'],
  ['RekeyFuzzPercentage', 'int'],
  ['ReplayWindowSize', 'int'],
  ['DPDTimeoutSeconds', 'int'],
  ['DPDTimeoutAction', 'string'],
  ['StartupAction', 'string'],
];

/** Query list name (singular, as the EC2 query protocol spells it) → SDK member name, and whether values are numbers. */
const LISTS: [string, string, boolean][] = [
  ['Phase1EncryptionAlgorithm', 'Phase1EncryptionAlgorithms', false],
  ['Phase2EncryptionAlgorithm', 'Phase2EncryptionAlgorithms', false],
  ['Phase1IntegrityAlgorithm', 'Phase1IntegrityAlgorithms', false],
  ['Phase2IntegrityAlgorithm', 'Phase2IntegrityAlgorithms', false],
  ['Phase1DHGroupNumber', 'Phase1DHGroupNumbers', true],
  ['Phase2DHGroupNumber', 'Phase2DHGroupNumbers', true],
  ['IKEVersion', 'IKEVersions', false],
];

const ALLOWED = {
  Phase1EncryptionAlgorithms: ['AES128', 'AES256', 'AES128-GCM-16', 'AES256-GCM-16'],
  Phase2EncryptionAlgorithms: ['AES128', 'AES256', 'AES128-GCM-16', 'AES256-GCM-16'],
  Phase1IntegrityAlgorithms: ['SHA1', 'SHA2-256', 'SHA2-384', 'SHA2-512'],
  Phase2IntegrityAlgorithms: ['SHA1', 'SHA2-256', 'SHA2-384', 'SHA2-512'],
  Phase1DHGroupNumbers: [2, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24],
  Phase2DHGroupNumbers: [2, 5, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24],
  IKEVersions: ['ikev1', 'ikev2'],
} as Record<string, (string | number)[]>;

export function parseTunnelOptions(p: QueryParams): TunnelSpec[] {
  const indices = p.indices('Options.TunnelOptions');
  if (indices.some((n) => n > 2)) throw ec2Errors.invalidValue('A VPN connection has two tunnels: at most 2 TunnelOptions may be given');
  return [1, 2].map((n) => {
    const prefix = `Options.TunnelOptions.${n}`;
    const spec: TunnelSpec = {};
    for (const [name, kind] of SCALARS) {
      const value = kind === 'int' ? p.int(`${prefix}.${name}`) : p.get(`${prefix}.${name}`);
      if (value !== undefined) spec[name] = value;
    }
    for (const [queryName, member, numeric] of LISTS) {
      const values = p.indices(`${prefix}.${queryName}`).map((i) => p.get(`${prefix}.${queryName}.${i}.Value`) ?? '');
      if (values.length > 0) spec[member] = values.map((v) => ({ Value: numeric ? Number(v) : v }));
    }
    return spec;
  });
}

/** AWS: 8–64 characters of letters, digits, periods and underscores, not starting with zero. */
export function isValidPreSharedKey(key: string): boolean {
  return /^[A-Za-z0-9._]{8,64}$/.test(key) && !key.startsWith('0');
}

const AZURE_APIPA_FIRST = parseIpv4('169.254.21.0')!;
const AZURE_APIPA_LAST = parseIpv4('169.254.22.252')!;

/** /30 blocks EC2 reserves inside 169.254.0.0/16 (third octet 0–5 at .0, and 169.254.169.252). */
function isReservedInsideCidr(base: number): boolean {
  const reserved = [0, 1, 2, 3, 4, 5].map((o) => parseIpv4(`169.254.${o}.0`)!).concat(parseIpv4('169.254.169.252')!);
  return reserved.includes(base);
}

function insideCidrBase(cidr: string): number | undefined {
  const match = /^169\.254\.(\d{1,3})\.(\d{1,3})\/30$/.exec(cidr);
  if (!match) return undefined;
  const ip = parseIpv4(`169.254.${match[1]}.${match[2]}`);
  return ip === undefined ? undefined : (ip & 0xfffffffc) >>> 0;
}

function insideCidrsInUse(ctx: EmulatorContext, vgwId: string): Set<number> {
  const used = new Set<number>();
  for (const vpn of ctx.state.aws.vpnConnections) {
    if (vpn.VpnGatewayId !== vgwId || vpn.deletedAt !== undefined) continue;
    for (const t of vpn.Tunnels) {
      const base = insideCidrBase(t.TunnelInsideCidr);
      if (base !== undefined) used.add(base);
    }
  }
  return used;
}

export function validateTunnelOptions(ctx: EmulatorContext, vgwId: string, specs: TunnelSpec[]): void {
  const used = insideCidrsInUse(ctx, vgwId);
  for (const spec of specs) {
    if (spec.PreSharedKey !== undefined && !isValidPreSharedKey(spec.PreSharedKey)) {
      throw ec2Errors.invalidValue(
        'The pre-shared key must be between 8 and 64 characters, can contain only alphanumeric characters, periods (.) and underscores (_), and cannot start with zero (0).',
      );
    }
    if (spec.TunnelInsideCidr !== undefined) {
      const base = insideCidrBase(spec.TunnelInsideCidr);
      if (base === undefined) throw ec2Errors.invalidValue(`The tunnel inside CIDR ${spec.TunnelInsideCidr} must be a /30 CIDR block in the 169.254.0.0/16 range.`);
      if (isReservedInsideCidr(base)) throw ec2Errors.invalidValue(`The tunnel inside CIDR ${spec.TunnelInsideCidr} is reserved and cannot be used.`);
      if (used.has(base)) throw ec2Errors.invalidValue(`The tunnel inside CIDR ${spec.TunnelInsideCidr} is already in use on VPN gateway ${vgwId}.`);
      used.add(base);
    }
    const dpd = spec.DPDTimeoutSeconds as number | undefined;
    if (dpd !== undefined && dpd < 30) throw ec2Errors.invalidValue(`DPDTimeoutSeconds must be 30 or greater (got ${dpd}).`);
    const action = spec.DPDTimeoutAction as string | undefined;
    if (action !== undefined && !['clear', 'none', 'restart'].includes(action)) throw ec2Errors.invalidValue(`Invalid DPDTimeoutAction ${action}. Valid values: clear, none, restart.`);
    const startup = spec.StartupAction as string | undefined;
    if (startup !== undefined && !['add', 'start'].includes(startup)) throw ec2Errors.invalidValue(`Invalid StartupAction ${startup}. Valid values: add, start.`);
    const p1 = spec.Phase1LifetimeSeconds as number | undefined;
    const p2 = spec.Phase2LifetimeSeconds as number | undefined;
    if (p1 !== undefined && (p1 < 900 || p1 > 28800)) throw ec2Errors.invalidValue('Phase1LifetimeSeconds must be between 900 and 28800.');
    if (p2 !== undefined && (p2 < 900 || p2 > 3600)) throw ec2Errors.invalidValue('Phase2LifetimeSeconds must be between 900 and 3600.');
    for (const [member, allowed] of Object.entries(ALLOWED)) {
      for (const item of (spec[member] as { Value: string | number }[] | undefined) ?? []) {
        if (!allowed.includes(item.Value)) throw ec2Errors.invalidValue(`Invalid value ${item.Value} for ${member}. Valid values: ${allowed.join(', ')}.`);
      }
    }
  }
}

/** A key that obeys AWS's rules, derived from the connection id so a run is reproducible. */
function generatePreSharedKey(seed: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._';
  const bytes = Buffer.from(digest(seed) + digest(seed + '#2'), 'hex');
  let key = '';
  for (let i = 0; key.length < 32; i++) key += alphabet[bytes[i] % alphabet.length];
  return /^[0._]/.test(key) ? 'K' + key.slice(1) : key;
}

/**
 * The next free /30 from 169.254.10.0 upward, skipping reserved blocks, those in use on this gateway and Azure's
 * APIPA range (169.254.21.0–169.254.22.255): an address AWS picks is never one an Azure gateway could take.
 */
function generateInsideCidr(ctx: EmulatorContext, used: Set<number>): string {
  const start = parseIpv4('169.254.10.0')!;
  const end = parseIpv4('169.254.255.252')!;
  const span = (end - start) / 4 + 1;
  const first = nextCounter(ctx.state.aws, 'tunnel-inside-cidr') - 1;
  for (let i = 0; i < span; i++) {
    const base = start + ((first + i) % span) * 4;
    if (!isReservedInsideCidr(base) && !used.has(base) && !(base >= AZURE_APIPA_FIRST && base <= AZURE_APIPA_LAST)) {
      used.add(base);
      return `${formatIpv4(base)}/30`;
    }
  }
  throw ec2Errors.invalidValue('No tunnel inside CIDR is left on this VPN gateway');
}

/**
 * The AWS side of the connection's two tunnels. Outside addresses are public (tunnel 1 from 3.112.0.0/16,
 * tunnel 2 from 52.68.0.0/16, distinct for every tunnel); the network model maps them to local listeners.
 */
export function allocateTunnels(ctx: EmulatorContext, vpnId: string, vgwId: string, specs: TunnelSpec[]): VpnTunnel[] {
  const used = insideCidrsInUse(ctx, vgwId);
  for (const spec of specs) {
    const base = spec.TunnelInsideCidr ? insideCidrBase(spec.TunnelInsideCidr) : undefined;
    if (base !== undefined) used.add(base);
  }
  const n = nextCounter(ctx.state.aws, 'tunnel-outside-ip') - 1;
  const hostPart = `${10 + Math.floor(n / 254)}.${1 + (n % 254)}`;
  return specs.map((spec, index) => {
    const { TunnelInsideCidr, PreSharedKey, ...options } = spec;
    return {
      OutsideIpAddress: index === 0 ? `3.112.${hostPart}` : `52.68.${hostPart}`,
      TunnelInsideCidr: TunnelInsideCidr ?? generateInsideCidr(ctx, used),
      PreSharedKey: PreSharedKey ?? generatePreSharedKey(`${vpnId}/tunnel${index + 1}`),
      Options: options,
    };
  });
}

const DEFAULT_LISTS: Record<string, (string | number)[]> = {
  Phase1EncryptionAlgorithms: ALLOWED.Phase1EncryptionAlgorithms,
  Phase2EncryptionAlgorithms: ALLOWED.Phase2EncryptionAlgorithms,
  Phase1IntegrityAlgorithms: ALLOWED.Phase1IntegrityAlgorithms,
  Phase2IntegrityAlgorithms: ALLOWED.Phase2IntegrityAlgorithms,
  Phase1DHGroupNumbers: ALLOWED.Phase1DHGroupNumbers,
  Phase2DHGroupNumbers: ALLOWED.Phase2DHGroupNumbers,
  IKEVersions: ALLOWED.IKEVersions,
};

/** One `tunnelOptionSet` item, with EC2's defaults for what was not requested (DescribeVpnConnections shows them). */
export function tunnelOptionsXml(tunnel: VpnTunnel): XmlValue {
  const o = tunnel.Options;
  const list = (member: string) =>
    ((o[member] as { Value: string | number }[] | undefined) ?? DEFAULT_LISTS[member].map((Value) => ({ Value }))).map((v) => ({ value: v.Value }));
  return {
    outsideIpAddress: tunnel.OutsideIpAddress,
    tunnelInsideCidr: tunnel.TunnelInsideCidr,
    preSharedKey: tunnel.PreSharedKey,
    phase1LifetimeSeconds: (o.Phase1LifetimeSeconds as number | undefined) ?? 28800,
    phase2LifetimeSeconds: (o.Phase2LifetimeSeconds as number | undefined) ?? 3600,
    rekeyMarginTimeSeconds: (o.RekeyMarginTimeSeconds as number | undefined) ?? 270,
    rekeyFuzzPercentage: (o.RekeyFuzzPercentage as number | undefined) ?? 100,
    replayWindowSize: (o.ReplayWindowSize as number | undefined) ?? 1024,
    dpdTimeoutSeconds: (o.DPDTimeoutSeconds as number | undefined) ?? 30,
    dpdTimeoutAction: (o.DPDTimeoutAction as string | undefined) ?? 'clear',
    phase1EncryptionAlgorithmSet: list('Phase1EncryptionAlgorithms'),
    phase2EncryptionAlgorithmSet: list('Phase2EncryptionAlgorithms'),
    phase1IntegrityAlgorithmSet: list('Phase1IntegrityAlgorithms'),
    phase2IntegrityAlgorithmSet: list('Phase2IntegrityAlgorithms'),
    phase1DHGroupNumberSet: list('Phase1DHGroupNumbers'),
    phase2DHGroupNumberSet: list('Phase2DHGroupNumbers'),
    ikeVersionSet: list('IKEVersions'),
    startupAction: (o.StartupAction as string | undefined) ?? 'add',
    enableTunnelLifecycleControl: false,
  };
}

/** The generic device configuration EC2 returns (an XML document, sent escaped inside the response). */
export function customerGatewayConfiguration(ctx: EmulatorContext, vpn: VpnConnection): string {
  const cgw = ctx.state.aws.customerGateways.find((c) => c.CustomerGatewayId === vpn.CustomerGatewayId);
  const tunnels = vpn.Tunnels.map((t) => {
    const [network] = t.TunnelInsideCidr.split('/');
    const base = ((parseIpv4(network) ?? 0) & 0xfffffffc) >>> 0;
    return (
      `<ipsec_tunnel><customer_gateway><tunnel_outside_address><ip_address>${escapeXml(cgw?.IpAddress ?? '')}</ip_address></tunnel_outside_address>` +
      `<tunnel_inside_address><ip_address>${formatIpv4(base + 2)}</ip_address><network_mask>255.255.255.252</network_mask><network_cidr>30</network_cidr></tunnel_inside_address></customer_gateway>` +
      `<vpn_gateway><tunnel_outside_address><ip_address>${t.OutsideIpAddress}</ip_address></tunnel_outside_address>` +
      `<tunnel_inside_address><ip_address>${formatIpv4(base + 1)}</ip_address><network_mask>255.255.255.252</network_mask><network_cidr>30</network_cidr></tunnel_inside_address></vpn_gateway>` +
      `<ike><authentication_protocol>sha1</authentication_protocol><encryption_protocol>aes-128-cbc</encryption_protocol><lifetime>28800</lifetime>` +
      `<perfect_forward_secrecy>group2</perfect_forward_secrecy><mode>main</mode><pre_shared_key>${escapeXml(t.PreSharedKey)}</pre_shared_key></ike></ipsec_tunnel>`
    );
  }).join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<vpn_connection id="${vpn.VpnConnectionId}"><customer_gateway_id>${vpn.CustomerGatewayId}</customer_gateway_id>` +
    `<vpn_gateway_id>${vpn.VpnGatewayId}</vpn_gateway_id><vpn_connection_type>${vpn.Type}</vpn_connection_type>${tunnels}</vpn_connection>`
  );
}
