/**
 * IPv4 and CIDR arithmetic for every emulator in local/ (EC2 and Route 53 Resolver, ARM, the network model).
 * Deliberately separate from the product's functions/commons/cidr.ts: the emulated clouds must not lean on the
 * product's helpers, so a bug there cannot make a broken configuration look right here.
 *
 * Each cloud reads a prefix its own way, so there are three parsers, named by that reading:
 * - `parseCidr`: `a.b.c.d/n` with host bits cleared (EC2 keeps `10.0.0.5/8` as `10.0.0.0/8`);
 * - `parseAddressOrCidr`: the same, or a bare address taken as /32 (what an NSG rule's prefix may be);
 * - `parseNetworkPrefix`: ARM's subnet and address-space reading, where host bits set are refused.
 */

export interface Ipv4Range {
  /** First address of the range, as an unsigned 32-bit number. */
  base: number;
  /** Prefix length, 0..32. */
  bits: number;
  /** Number of addresses in the range, 2^(32 - bits). */
  size: number;
}

/** Why a prefix was refused; the message is quoted in ARM's error answers. */
export class InvalidCidrError extends Error {
  override name = 'InvalidCidrError';
}

const OCTET = /^\d{1,3}$/;
const CIDR_SHAPE = /^([^/]*)\/(\d{1,2})$/;

/** `"172.17.1.4"` to an unsigned 32-bit number; undefined when it is not a dotted quad. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!OCTET.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

/** A 32-bit number as a dotted quad (a signed result of `&` reads the same as its unsigned value). */
export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');
}

function rangeOf(address: number, bits: number): Ipv4Range {
  const size = 2 ** (32 - bits);
  return { base: address - (address % size), bits, size };
}

/** `a.b.c.d/n` to a range, host bits cleared; undefined when malformed. */
export function parseCidr(text: string): Ipv4Range | undefined {
  const match = CIDR_SHAPE.exec(text);
  if (!match) return undefined;
  const address = parseIpv4(match[1]);
  const bits = Number(match[2]);
  if (address === undefined || bits > 32) return undefined;
  return rangeOf(address, bits);
}

/** A CIDR, or a bare address taken as /32; undefined when malformed. */
export function parseAddressOrCidr(text: string): Ipv4Range | undefined {
  if (!text.includes('/')) {
    const address = parseIpv4(text);
    return address === undefined ? undefined : rangeOf(address, 32);
  }
  return parseCidr(text);
}

/**
 * ARM's reading of a prefix: `a.b.c.d/n` (surrounding blanks ignored) whose address is the network address.
 * Throws InvalidCidrError.
 */
export function parseNetworkPrefix(text: string): Ipv4Range {
  const match = /^([\d.]+)\/(\d{1,2})$/.exec(text.trim());
  if (!match || Number(match[2]) > 32) throw new InvalidCidrError(`invalid CIDR "${text}"`);
  const address = parseIpv4(match[1]);
  if (address === undefined) throw new InvalidCidrError(`invalid IPv4 address "${match[1]}"`);
  const range = rangeOf(address, Number(match[2]));
  if (range.base !== address) throw new InvalidCidrError(`"${text}" is not a network address (expected ${formatIpv4(range.base)}/${range.bits})`);
  return range;
}

/** True when every address of `inner` is in `outer`. */
export function rangeContains(outer: Ipv4Range, inner: Ipv4Range): boolean {
  return inner.base >= outer.base && inner.base + inner.size <= outer.base + outer.size;
}

/** True when the two ranges share at least one address. */
export function rangesOverlap(first: Ipv4Range, second: Ipv4Range): boolean {
  return first.base < second.base + second.size && second.base < first.base + first.size;
}

/** True when the address (a number from parseIpv4) is in the range. */
export function rangeHolds(range: Ipv4Range, address: number): boolean {
  return address >= range.base && address < range.base + range.size;
}

/** The address `offset` places after the range's first one. */
export function addressAt(range: Ipv4Range, offset: number): string {
  return formatIpv4(range.base + offset);
}

// Text-level checks, for rules read straight from stored bodies (routes, NSG rules, security groups, address
// spaces): surrounding blanks are ignored, a bare address is a /32, and malformed input never matches.

function textRange(text: string): Ipv4Range | undefined {
  return parseAddressOrCidr(String(text).trim());
}

/** True when the text is an address or a CIDR, not a service tag such as `VirtualNetwork`. */
export function isAddressOrCidr(text: string): boolean {
  return textRange(text) !== undefined;
}

/** True when the address lies inside the CIDR. */
export function cidrContainsIp(cidr: string, ip: string): boolean {
  const range = textRange(cidr);
  const address = parseIpv4(String(ip).trim());
  return range !== undefined && address !== undefined && rangeHolds(range, address);
}

/** True when `outer` contains every address of `inner`. */
export function cidrCovers(outer: string, inner: string): boolean {
  const a = textRange(outer);
  const b = textRange(inner);
  return a !== undefined && b !== undefined && rangeContains(a, b);
}

/** True when the two CIDRs share at least one address. */
export function cidrsOverlap(first: string, second: string): boolean {
  const a = textRange(first);
  const b = textRange(second);
  return a !== undefined && b !== undefined && rangesOverlap(a, b);
}

/** Prefix length of a CIDR (32 for a bare address); -1 when malformed. */
export function prefixLength(cidr: string): number {
  return textRange(cidr)?.bits ?? -1;
}
