/**
 * IPv4 address and CIDR arithmetic on unsigned 32-bit numbers.
 *
 * JavaScript bitwise operators work on signed 32-bit integers, so every result that went through `<<`, `|`,
 * `&` or `~` is brought back to the unsigned range with `>>> 0`. Shifting by 32 is a no-op in JavaScript
 * (`x << 32 === x`), which is why /0 gets its mask from a special case rather than from a shift.
 *
 * Parsers (`parseIpv4`, `parseCidr`) return `undefined` for text that is not an address or block, so callers
 * can turn that into a user-facing problem. The other functions take text or a parsed `Cidr` and throw a
 * RangeError on invalid input: reaching them with bad input is a programming error.
 */

export interface Cidr {
  /** The address as written (may have host bits set, see `isNetworkAligned`). */
  address: number;
  /** The network address: `address` with the host bits cleared. Same as `first`. */
  network: number;
  prefixLength: number;
  /** First address of the block (the network address). */
  first: number;
  /** Last address of the block (the broadcast address in classic terms). */
  last: number;
}

const OCTET = /^(0|[1-9][0-9]{0,2})$/;

/** Parses dotted-quad text ("10.0.0.1") to an unsigned 32-bit number. Leading zeros are refused: some tools read them as octal. */
export function parseIpv4(text: string): number | undefined {
  if (typeof text !== 'string') return undefined;
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!OCTET.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    // Multiplication instead of `<< 8` keeps the value unsigned without `>>> 0` at each step.
    value = value * 256 + octet;
  }
  return value;
}

/** Formats an unsigned 32-bit number as dotted-quad text. */
export function formatIpv4(value: number): string {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`not an IPv4 address value: ${value}`);
  }
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff].join('.');
}

/** The netmask of a prefix length as an unsigned number (/0 → 0, /32 → 0xffffffff). */
export function prefixMask(prefixLength: number): number {
  if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > 32) {
    throw new RangeError(`not an IPv4 prefix length: ${prefixLength}`);
  }
  return prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
}

/** Parses "a.b.c.d/n". Host bits may be set; the result carries both the written address and the network. */
export function parseCidr(text: string): Cidr | undefined {
  if (typeof text !== 'string') return undefined;
  const match = /^([0-9.]+)\/(0|[1-9][0-9]?)$/.exec(text);
  if (!match) return undefined;
  const address = parseIpv4(match[1]);
  const prefixLength = Number(match[2]);
  if (address === undefined || prefixLength > 32) return undefined;
  const mask = prefixMask(prefixLength);
  const network = (address & mask) >>> 0;
  const last = (network | ~mask) >>> 0;
  return { address, network, prefixLength, first: network, last };
}

export function isCidr(text: string): boolean {
  return parseCidr(text) !== undefined;
}

/** Formats a block as "network/prefix". */
export function formatCidr(cidr: Cidr): string {
  return `${formatIpv4(cidr.network)}/${cidr.prefixLength}`;
}

/** The aligned form of a block: "192.168.1.5/24" → "192.168.1.0/24". */
export function normalizeCidr(cidr: string | Cidr): string {
  return formatCidr(toCidr(cidr));
}

/** True when the written address is the network address (no host bits set). */
export function isNetworkAligned(cidr: string | Cidr): boolean {
  const parsed = toCidr(cidr);
  return parsed.address === parsed.network;
}

export function prefixLength(cidr: string | Cidr): number {
  return toCidr(cidr).prefixLength;
}

/** Number of addresses in the block (2^(32-n)); a plain number because /0 does not fit in 32 bits. */
export function cidrSize(cidr: string | Cidr): number {
  const parsed = toCidr(cidr);
  return parsed.last - parsed.first + 1;
}

/** True when every address of `inner` is inside `outer` (a block contains itself). */
export function cidrContains(outer: string | Cidr, inner: string | Cidr): boolean {
  const a = toCidr(outer);
  const b = toCidr(inner);
  return a.first <= b.first && b.last <= a.last;
}

/** True when the two blocks share at least one address. */
export function cidrOverlaps(a: string | Cidr, b: string | Cidr): boolean {
  const x = toCidr(a);
  const y = toCidr(b);
  return x.first <= y.last && y.first <= x.last;
}

export function cidrContainsIp(cidr: string | Cidr, ip: string | number): boolean {
  const block = toCidr(cidr);
  const address = typeof ip === 'number' ? ip : parseIpv4(ip);
  if (address === undefined || !Number.isInteger(address) || address < 0 || address > 0xffffffff) {
    throw new RangeError(`not an IPv4 address: ${ip}`);
  }
  return block.first <= address && address <= block.last;
}

/**
 * The n-th address of a block, counting from the network address (n = 0). Negative n counts from the end
 * (-1 is the last address). Azure reserves .0–.3 and the last address, so its first usable is `nthAddress(c, 4)`;
 * AWS takes .1 of a tunnel's /30 and Azure .2.
 */
export function nthAddress(cidr: string | Cidr, n: number): string {
  const block = toCidr(cidr);
  if (!Number.isInteger(n)) throw new RangeError(`not an integer offset: ${n}`);
  const value = n >= 0 ? block.first + n : block.last + 1 + n;
  if (value < block.first || value > block.last) {
    throw new RangeError(`offset ${n} is outside ${formatCidr(block)} (${cidrSize(block)} addresses)`);
  }
  return formatIpv4(value);
}

function toCidr(cidr: string | Cidr): Cidr {
  if (typeof cidr !== 'string') return cidr;
  const parsed = parseCidr(cidr);
  if (!parsed) throw new RangeError(`not an IPv4 CIDR block: ${JSON.stringify(cidr)}`);
  return parsed;
}
