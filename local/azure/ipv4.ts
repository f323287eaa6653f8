/** Small IPv4/CIDR arithmetic for subnet checks and private address allocation. */

export class InvalidCidrError extends Error {
  override name = 'InvalidCidrError';
}

export interface Cidr {
  base: number; // network address as an unsigned 32-bit number
  bits: number;
  size: number;
}

export function ipToNumber(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new InvalidCidrError(`invalid IPv4 address "${ip}"`);
  }
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

export function numberToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/** Parses `a.b.c.d/n`; the address must be the network address, as ARM requires for subnet prefixes. */
export function parseCidr(text: string): Cidr {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(String(text).trim());
  if (!m || Number(m[2]) > 32) throw new InvalidCidrError(`invalid CIDR "${text}"`);
  const bits = Number(m[2]);
  const size = 2 ** (32 - bits);
  const addr = ipToNumber(m[1]);
  const base = addr - (addr % size);
  if (base !== addr) throw new InvalidCidrError(`"${text}" is not a network address (expected ${numberToIp(base)}/${bits})`);
  return { base, bits, size };
}

export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return inner.base >= outer.base && inner.base + inner.size <= outer.base + outer.size;
}

export function cidrOverlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + b.size && b.base < a.base + a.size;
}

export function cidrContainsIp(cidr: Cidr, ip: string): boolean {
  const n = ipToNumber(ip);
  return n >= cidr.base && n < cidr.base + cidr.size;
}

/** The address at `offset` inside the prefix (offset 4 is Azure's first usable address). */
export function addressAt(cidr: Cidr, offset: number): string {
  return numberToIp(cidr.base + offset);
}
