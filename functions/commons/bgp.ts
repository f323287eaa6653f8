/**
 * Active-active with BGP: which /30 each of the four tunnels gets, which end takes which address, and which
 * Azure IP configuration each connection's custom BGP address names. Pure: computed once by the first step from
 * the request and what the hub's gateway already uses, checked before anything is created, and shown as a table
 * in the plan and the summary.
 *
 * Microsoft's layout for AWS (learn.microsoft.com/azure/vpn-gateway/vpn-gateway-howto-aws-bgp): Azure instance 0
 * (the gateway's first IP configuration and public IP) is reached by customer gateway 1 and VPN connection 1,
 * instance 1 by customer gateway 2 and VPN connection 2; each VPN connection's two tunnels get a /30 in
 * 169.254.21.0–169.254.22.255, AWS taking the first usable address and Azure the second.
 */
import type { RequestProblem } from './request/contract';

/** Azure accepts custom APIPA BGP addresses only in this range. */
export const AZURE_APIPA_RANGE = { first: '169.254.21.0', last: '169.254.22.255' } as const;
/** AWS refuses these inside CIDRs for a tunnel (all outside Azure's range: a test keeps it so). */
export const AWS_RESERVED_INSIDE_CIDRS = [
  '169.254.0.0/30',
  '169.254.1.0/30',
  '169.254.2.0/30',
  '169.254.3.0/30',
  '169.254.4.0/30',
  '169.254.5.0/30',
  '169.254.169.252/30',
] as const;

export const DEFAULT_AZURE_ASN = 65000;
export const DEFAULT_AWS_ASN = 64512;

/** ASNs Azure keeps for itself (8074, 8075, 12076 public; 65515–65520 private, 65515 being its gateways' default). */
const AZURE_RESERVED_ASNS: readonly [number, number][] = [
  [8074, 8075],
  [12076, 12076],
  [65515, 65520],
];
/** ASNs no BGP speaker may use (RFC 7607, RFC 6793 AS_TRANS, RFC 5398 documentation, RFC 7300 last). */
const UNUSABLE_ASNS: readonly [number, number][] = [
  [0, 0],
  [23456, 23456],
  [64496, 64511],
  [65535, 65551],
  [4294967295, 4294967295],
];
/** A virtual private gateway's AmazonSideAsn: a private 16-bit or 32-bit ASN. */
const AMAZON_SIDE_ASN_RANGES: readonly [number, number][] = [
  [64512, 65534],
  [4200000000, 4294967294],
];
/** The customer gateway's BgpAsn (here the Azure gateway's ASN) is a 31-bit number on CreateCustomerGateway. */
const CUSTOMER_GATEWAY_MAX_ASN = 2147483647;
/** ASNs AWS keeps for its own side, which a customer gateway may not use: 7224 everywhere, one more per Region. */
const AWS_RESERVED_CUSTOMER_GATEWAY_ASNS: Record<string, number[]> = {
  '*': [7224],
  'eu-west-1': [9059],
  'ap-northeast-1': [10124],
  'ap-southeast-1': [17943],
};

export interface BgpOptions {
  azureAsn?: number;
  awsAsn?: number;
  /** Four /30s, tunnel 1 to 4; left out, the next free ones on the hub's gateway are taken. */
  tunnelInsideCidrs?: string[];
}

export interface BgpTunnel {
  /** 1–4: tunnels 1 and 2 are VPN connection 1's, 3 and 4 VPN connection 2's. */
  tunnel: number;
  /** The VPN connection (and customer gateway) the tunnel belongs to: 1 or 2. */
  vpnConnection: 1 | 2;
  /** The tunnel within its VPN connection, in AWS's order: 1 or 2. */
  awsTunnel: 1 | 2;
  /** The Azure gateway instance (IP configuration) the tunnel ends on: 0 or 1. */
  azureInstance: 0 | 1;
  insideCidr: string;
  /** First usable address of the /30: the VGW's BGP address, the local network gateway's peer address. */
  awsAddress: string;
  /** Second usable address: the Azure instance's custom BGP address for this tunnel. */
  azureAddress: string;
}

export interface BgpMapping {
  azureAsn: number;
  awsAsn: number;
  tunnels: BgpTunnel[];
  /** The custom APIPA addresses each Azure instance needs for this environment: instance 0, then instance 1. */
  instanceAddresses: [string[], string[]];
}

// ---------------------------------------------------------------------------------------------------------
// IPv4 arithmetic, small and local: the mapping must not depend on anything that talks to a cloud
// ---------------------------------------------------------------------------------------------------------

function toNumber(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

function toIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

function parseSlash30(cidr: string): number | undefined {
  const match = /^([0-9.]+)\/(\d{1,2})$/.exec(cidr);
  if (!match || match[2] !== '30') return undefined;
  const network = toNumber(match[1]);
  return network !== undefined && network % 4 === 0 ? network : undefined;
}

const APIPA_FIRST = toNumber(AZURE_APIPA_RANGE.first)!;
const APIPA_LAST = toNumber(AZURE_APIPA_RANGE.last)!;
const inRanges = (n: number, ranges: readonly [number, number][]) => ranges.some(([low, high]) => n >= low && n <= high);

/** Every address of the /30 that holds `address` is taken with it. */
function slash30Of(address: string): number | undefined {
  const n = toNumber(address);
  return n === undefined ? undefined : n - (n % 4);
}

/** The /30 that holds `address`, as a CIDR (a tunnel's inside CIDR from either end's address). */
export function slash30Containing(address: string): string | undefined {
  const network = slash30Of(address);
  return network === undefined ? undefined : `${toIp(network)}/30`;
}

// ---------------------------------------------------------------------------------------------------------
// The layout
// ---------------------------------------------------------------------------------------------------------

/** Tunnel order: VPN connection 1's two tunnels, then VPN connection 2's. */
const LAYOUT: { vpnConnection: 1 | 2; awsTunnel: 1 | 2; azureInstance: 0 | 1 }[] = [
  { vpnConnection: 1, awsTunnel: 1, azureInstance: 0 },
  { vpnConnection: 1, awsTunnel: 2, azureInstance: 0 },
  { vpnConnection: 2, awsTunnel: 1, azureInstance: 1 },
  { vpnConnection: 2, awsTunnel: 2, azureInstance: 1 },
];

/** Slot j's four /30s: AWS tunnel 1 in 169.254.21.x, tunnel 2 in 169.254.22.x, instance 1 four addresses on. */
function slotCidrs(slot: number): string[] {
  return LAYOUT.map(({ awsTunnel, azureInstance }) => `169.254.${20 + awsTunnel}.${8 * slot + 4 * azureInstance}/30`);
}
const SLOTS = 256 / 8;

/** The mapping for four given /30s (already checked): each tunnel's addresses and each instance's list. */
export function mappingFor(insideCidrs: string[], azureAsn: number, awsAsn: number): BgpMapping {
  const tunnels = LAYOUT.map((place, index): BgpTunnel => {
    const network = parseSlash30(insideCidrs[index])!;
    return { tunnel: index + 1, ...place, insideCidr: insideCidrs[index], awsAddress: toIp(network + 1), azureAddress: toIp(network + 2) };
  });
  const of = (instance: 0 | 1) => tunnels.filter((t) => t.azureInstance === instance).map((t) => t.azureAddress);
  return { azureAsn, awsAsn, tunnels, instanceAddresses: [of(0), of(1)] };
}

/**
 * The custom BGP address a tunnel's Azure connection names for each of the gateway's IP configurations: its own
 * address on its own instance, and on the other instance that instance's address for the same AWS tunnel row
 * (an active-active gateway wants one per IP configuration; only the one on the tunnel's instance is spoken).
 */
export function connectionCustomAddresses(mapping: BgpMapping, tunnel: BgpTunnel): [string, string] {
  const row = (instance: 0 | 1) => mapping.tunnels.find((t) => t.azureInstance === instance && t.awsTunnel === tunnel.awsTunnel)!.azureAddress;
  return [tunnel.azureInstance === 0 ? tunnel.azureAddress : row(0), tunnel.azureInstance === 1 ? tunnel.azureAddress : row(1)];
}

// ---------------------------------------------------------------------------------------------------------
// The checks
// ---------------------------------------------------------------------------------------------------------

function asnProblem(value: unknown, side: 'azure' | 'aws', region: string): string | undefined {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 4294967295) {
    return `must be a whole number from 1 to 4294967295 (an ASN); got ${JSON.stringify(value)}`;
  }
  if (inRanges(value, UNUSABLE_ASNS)) return `${value} is reserved for every BGP speaker (documentation, AS_TRANS or last-ASN ranges)`;
  if (inRanges(value, AZURE_RESERVED_ASNS)) return `${value} is reserved by Azure (8074, 8075, 12076 and 65515–65520 cannot be used for a VPN peering)`;
  if (side === 'aws') {
    if (!inRanges(value, AMAZON_SIDE_ASN_RANGES)) return `${value} cannot be a virtual private gateway's AmazonSideAsn: use 64512–65534 or 4200000000–4294967294`;
    return undefined;
  }
  if (value > CUSTOMER_GATEWAY_MAX_ASN) return `${value} is larger than the ${CUSTOMER_GATEWAY_MAX_ASN} an AWS customer gateway takes`;
  const reserved = [...AWS_RESERVED_CUSTOMER_GATEWAY_ASNS['*'], ...(AWS_RESERVED_CUSTOMER_GATEWAY_ASNS[region] ?? [])];
  if (reserved.includes(value)) return `${value} is reserved by AWS for its side in ${region}, so a customer gateway cannot use it`;
  return undefined;
}

/** Why one requested inside CIDR cannot be used, or undefined. */
function insideCidrProblem(cidr: unknown): string | undefined {
  if (typeof cidr !== 'string') return `expected a string like 169.254.21.0/30; got ${JSON.stringify(cidr)}`;
  const network = parseSlash30(cidr);
  if (network === undefined) return `must be a network-aligned /30 like 169.254.21.0/30; got "${cidr}"`;
  if (network < APIPA_FIRST || network + 3 > APIPA_LAST) {
    return `${cidr} is outside ${AZURE_APIPA_RANGE.first}–${AZURE_APIPA_RANGE.last}, the only range where Azure accepts custom APIPA BGP addresses`;
  }
  return undefined;
}

/**
 * Every problem with `options.bgp` that needs no cloud: the ASNs, and four distinct, well-formed /30s in Azure's
 * range. Paths are the request's field paths.
 */
export function bgpOptionProblems(bgp: BgpOptions, region: string): RequestProblem[] {
  const problems: RequestProblem[] = [];
  const azureAsn = bgp.azureAsn ?? DEFAULT_AZURE_ASN;
  const awsAsn = bgp.awsAsn ?? DEFAULT_AWS_ASN;
  const azure = asnProblem(azureAsn, 'azure', region);
  const aws = asnProblem(awsAsn, 'aws', region);
  if (azure) problems.push({ path: 'options.bgp.azureAsn', message: azure });
  if (aws) problems.push({ path: 'options.bgp.awsAsn', message: aws });
  if (!azure && !aws && azureAsn === awsAsn) {
    problems.push({ path: 'options.bgp.awsAsn', message: `equals options.bgp.azureAsn (${azureAsn}); the two sides of an eBGP session need different ASNs` });
  }
  const cidrs = bgp.tunnelInsideCidrs;
  if (cidrs === undefined) return problems;
  if (!Array.isArray(cidrs) || cidrs.length !== 4) {
    problems.push({ path: 'options.bgp.tunnelInsideCidrs', message: `needs exactly four /30s, tunnel 1 to 4 (two per VPN connection); got ${Array.isArray(cidrs) ? cidrs.length : JSON.stringify(cidrs)}` });
    return problems;
  }
  cidrs.forEach((cidr, index) => {
    const path = `options.bgp.tunnelInsideCidrs[${index}]`;
    const problem = insideCidrProblem(cidr);
    if (problem) problems.push({ path, message: problem });
    else {
      const first = cidrs.findIndex((other) => parseSlash30(other) === parseSlash30(cidr));
      if (first < index) problems.push({ path, message: `${cidr} is also tunnel ${first + 1}'s (options.bgp.tunnelInsideCidrs[${first}]); each tunnel needs its own /30` });
    }
  });
  return problems;
}

/** What the hub's gateway already holds, as the first step reads it. */
export interface GatewayBgpUse {
  /** The gateway's ASN when it has BGP on: the environment must use it. */
  asn?: number;
  /** Addresses the gateway's connections and their local network gateways already use (each takes its /30). */
  usedAddresses: string[];
  /**
   * The custom addresses each IP configuration already has, when the gateway is another team's and cannot be
   * changed: the environment must fit in what is configured and unused. Undefined when the product may add them.
   */
  configured?: [string[], string[]];
}

export type BgpPlan = { ok: true; mapping: BgpMapping } | { ok: false; problems: RequestProblem[] };

/**
 * The mapping for this environment on this gateway: the requested /30s, or the first slot whose four /30s are
 * free (and, on a gateway the product may not change, already configured on the right instances). Assumes
 * bgpOptionProblems found nothing.
 */
export function planBgp(bgp: BgpOptions, gateway: GatewayBgpUse): BgpPlan {
  const problems: RequestProblem[] = [];
  const azureAsn = bgp.azureAsn ?? gateway.asn ?? DEFAULT_AZURE_ASN;
  const awsAsn = bgp.awsAsn ?? DEFAULT_AWS_ASN;
  if (gateway.asn !== undefined && azureAsn !== gateway.asn) {
    problems.push({
      path: 'options.bgp.azureAsn',
      message: `is ${azureAsn}, but the hub's VPN gateway speaks BGP as ${gateway.asn}; leave it out or set ${gateway.asn}`,
    });
  }
  if (gateway.asn !== undefined && awsAsn === gateway.asn) {
    problems.push({ path: 'options.bgp.awsAsn', message: `equals the hub gateway's ASN (${gateway.asn}); the two sides of an eBGP session need different ASNs` });
  }
  const taken = new Set(gateway.usedAddresses.map(slash30Of).filter((n): n is number => n !== undefined));
  const fits = (cidrs: string[]) => {
    const mapping = mappingFor(cidrs, azureAsn, awsAsn);
    const clashes = mapping.tunnels.filter((t) => taken.has(parseSlash30(t.insideCidr)!));
    const unconfigured = gateway.configured ? mapping.tunnels.filter((t) => !gateway.configured![t.azureInstance].includes(t.azureAddress)) : [];
    return { mapping, clashes, unconfigured };
  };

  if (bgp.tunnelInsideCidrs) {
    const { mapping, clashes, unconfigured } = fits(bgp.tunnelInsideCidrs);
    for (const t of clashes) {
      problems.push({ path: `options.bgp.tunnelInsideCidrs[${t.tunnel - 1}]`, message: `${t.insideCidr} is already used by another connection on the hub's VPN gateway` });
    }
    for (const t of unconfigured) {
      problems.push({
        path: `options.bgp.tunnelInsideCidrs[${t.tunnel - 1}]`,
        message: `${t.azureAddress} is not a custom BGP address of the hub gateway's instance ${t.azureInstance}, and the gateway is another team's: ask its owner to add it, or pick a /30 whose second address is configured there`,
      });
    }
    return problems.length ? { ok: false, problems } : { ok: true, mapping };
  }
  for (let slot = 0; slot < SLOTS; slot++) {
    const { mapping, clashes, unconfigured } = fits(slotCidrs(slot));
    if (clashes.length === 0 && unconfigured.length === 0) return problems.length ? { ok: false, problems } : { ok: true, mapping };
  }
  problems.push({
    path: 'options.bgp.tunnelInsideCidrs',
    message: gateway.configured
      ? "the hub's VPN gateway has no four free custom BGP addresses in Microsoft's layout on its two instances; ask its owner to add them (for example the next free .2 and .6 of 169.254.21.x and 169.254.22.x), or name four /30s"
      : "no four free /30s are left in 169.254.21.0–169.254.22.255 on the hub's VPN gateway",
  });
  return { ok: false, problems };
}

/** The mapping as a table an engineer can check against both consoles. */
export function bgpTable(mapping: BgpMapping): string[] {
  const rows = [
    `BGP: Azure ASN ${mapping.azureAsn}, AWS ASN ${mapping.awsAsn}`,
    'tunnel  VPN connection  AWS tunnel  Azure instance  inside CIDR         AWS address     Azure address',
  ];
  for (const t of mapping.tunnels) {
    rows.push(
      `${String(t.tunnel).padEnd(8)}${String(t.vpnConnection).padEnd(16)}${String(t.awsTunnel).padEnd(12)}${String(t.azureInstance).padEnd(16)}${t.insideCidr.padEnd(20)}${t.awsAddress.padEnd(16)}${t.azureAddress}`,
    );
  }
  return rows;
}

/** Test hook: AWS's reserved /30s as numbers, to prove none lies in Azure's range. */
export function reservedInsideCidrsInAzureRange(): string[] {
  return AWS_RESERVED_INSIDE_CIDRS.filter((cidr) => {
    const n = parseSlash30(cidr)!;
    return n + 3 >= APIPA_FIRST && n <= APIPA_LAST;
  });
}
