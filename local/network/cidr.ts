/**
 * IPv4 and CIDR arithmetic for the emulated network. Deliberately local and small: the network model must not
 * lean on the product's own helpers, so a bug there cannot make a broken configuration look right here.
 */

export interface Ipv4Range {
  /** First address of the range, as an unsigned 32-bit number. */
  base: number;
  /** Prefix length, 0..32. */
  bits: number;
}

/** `"172.17.1.4"` to an unsigned 32-bit number; undefined when it is not a dotted quad. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.trim().split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');
}

function maskOf(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** `"172.17.0.0/16"` (or a bare address, taken as /32) to a range; undefined when malformed. */
export function parseCidr(text: string): Ipv4Range | undefined {
  const [address, prefix, extra] = text.trim().split('/');
  if (extra !== undefined) return undefined;
  const ip = parseIpv4(address);
  if (ip === undefined) return undefined;
  const bits = prefix === undefined ? 32 : /^\d{1,2}$/.test(prefix) ? Number(prefix) : NaN;
  if (!(bits >= 0 && bits <= 32)) return undefined;
  return { base: (ip & maskOf(bits)) >>> 0, bits };
}

/** True when the address lies inside the CIDR. Malformed input never matches. */
export function cidrContainsIp(cidr: string, ip: string): boolean {
  const range = parseCidr(cidr);
  const address = parseIpv4(ip);
  if (!range || address === undefined) return false;
  return ((address & maskOf(range.bits)) >>> 0) === range.base;
}

/** True when `outer` contains every address of `inner`. */
export function cidrCovers(outer: string, inner: string): boolean {
  const a = parseCidr(outer);
  const b = parseCidr(inner);
  if (!a || !b || a.bits > b.bits) return false;
  return ((b.base & maskOf(a.bits)) >>> 0) === a.base;
}

/** True when the two ranges share at least one address. */
export function cidrsOverlap(first: string, second: string): boolean {
  return cidrCovers(first, second) || cidrCovers(second, first);
}

/** Prefix length of a CIDR (32 for a bare address); -1 when malformed. */
export function prefixLength(cidr: string): number {
  return parseCidr(cidr)?.bits ?? -1;
}

/** RFC 1918 private ranges (and the shared CGNAT range), where VNets and VPCs live. */
export function isPrivateIpv4(ip: string): boolean {
  return ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'].some((cidr) => cidrContainsIp(cidr, ip));
}
