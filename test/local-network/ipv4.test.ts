/**
 * The one IPv4/CIDR module of local/ (EC2, Route 53 Resolver, ARM and the network model all read prefixes
 * through it): edges of the address space, the three readings of a prefix, and malformed input.
 */
import {
  addressAt,
  cidrContainsIp,
  cidrCovers,
  cidrsOverlap,
  formatIpv4,
  InvalidCidrError,
  isAddressOrCidr,
  parseAddressOrCidr,
  parseCidr,
  parseIpv4,
  parseNetworkPrefix,
  prefixLength,
  rangeContains,
  rangeHolds,
  rangesOverlap,
} from '../../local/network/ipv4';

const TOP = 2 ** 32 - 1;

describe('addresses', () => {
  it('reads dotted quads from the bottom to the top of the space', () => {
    expect(parseIpv4('0.0.0.0')).toBe(0);
    expect(parseIpv4('255.255.255.255')).toBe(TOP);
    expect(parseIpv4('172.17.1.4')).toBe(172 * 2 ** 24 + 17 * 2 ** 16 + 256 + 4);
  });

  it.each(['256.0.0.1', '10.0.0', '10.0.0.0.1', '10..0.1', '10.0.0.x', ' 10.0.0.1', '10.0.0.1 ', '-1.0.0.1', '1e2.0.0.1', '1000.0.0.1', '', '10.0.0.0/8'])(
    'refuses %j as an address',
    (text) => {
      expect(parseIpv4(text)).toBeUndefined();
    },
  );

  it('writes numbers back, including the signed values bitwise masks give', () => {
    expect(formatIpv4(0)).toBe('0.0.0.0');
    expect(formatIpv4(TOP)).toBe('255.255.255.255');
    expect(formatIpv4(parseIpv4('169.254.10.6')! & 0xfffffffc)).toBe('169.254.10.4');
    for (const text of ['10.0.0.1', '192.168.255.254', '128.0.0.0']) expect(formatIpv4(parseIpv4(text)!)).toBe(text);
  });
});

describe('prefixes', () => {
  it('reads /0 as the whole space and /32 as one address', () => {
    expect(parseCidr('0.0.0.0/0')).toEqual({ base: 0, bits: 0, size: 2 ** 32 });
    expect(parseCidr('10.1.2.3/32')).toEqual({ base: parseIpv4('10.1.2.3'), bits: 32, size: 1 });
  });

  it('clears host bits, as EC2 keeps 10.0.0.5/8 as 10.0.0.0/8', () => {
    expect(parseCidr('10.0.0.5/8')).toEqual(parseCidr('10.0.0.0/8'));
    expect(parseCidr('255.255.255.255/0')).toEqual({ base: 0, bits: 0, size: 2 ** 32 });
  });

  it.each(['10.0.0.0', '10.0.0.0/33', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/8/8', '10.0.0/8', '300.0.0.0/8', ' 10.0.0.0/8', '10.0.0.0/008', 'VirtualNetwork'])(
    'refuses %j as a CIDR (EC2 does not trim or take bare addresses)',
    (text) => {
      expect(parseCidr(text)).toBeUndefined();
    },
  );

  it('takes a bare address as /32 where an NSG rule may name one', () => {
    expect(parseAddressOrCidr('172.16.0.5')).toEqual({ base: parseIpv4('172.16.0.5'), bits: 32, size: 1 });
    expect(parseAddressOrCidr('172.16.0.0/12')).toEqual(parseCidr('172.16.0.0/12'));
    expect(parseAddressOrCidr('172.16.0')).toBeUndefined();
    expect(parseAddressOrCidr('*')).toBeUndefined();
  });

  it("reads ARM's prefixes: the network address only, blanks around ignored", () => {
    expect(parseNetworkPrefix('10.0.0.0/16')).toEqual(parseCidr('10.0.0.0/16'));
    expect(parseNetworkPrefix(' 10.0.0.0/16 ')).toEqual(parseCidr('10.0.0.0/16'));
    expect(parseNetworkPrefix('0.0.0.0/0').size).toBe(2 ** 32);
    expect(parseNetworkPrefix('10.0.0.7/32').base).toBe(parseIpv4('10.0.0.7'));
  });

  it.each([
    ['10.0.0.4/16', '"10.0.0.4/16" is not a network address (expected 10.0.0.0/16)'],
    ['10.0.0.1/0', '"10.0.0.1/0" is not a network address (expected 0.0.0.0/0)'],
    ['10.0.0.0/33', 'invalid CIDR "10.0.0.0/33"'],
    ['10.0.0.0', 'invalid CIDR "10.0.0.0"'],
    ['10.0.0/24', 'invalid IPv4 address "10.0.0"'],
    ['10.0.0.256/32', 'invalid IPv4 address "10.0.0.256"'],
  ])('refuses %j for ARM with the message ARM quotes', (text, message) => {
    expect(() => parseNetworkPrefix(text)).toThrow(InvalidCidrError);
    expect(() => parseNetworkPrefix(text)).toThrow(message);
  });
});

describe('ranges', () => {
  const r = (text: string) => parseCidr(text)!;

  it('contains a range only when every address of it is inside', () => {
    expect(rangeContains(r('10.0.0.0/16'), r('10.0.1.0/24'))).toBe(true);
    expect(rangeContains(r('10.0.0.0/16'), r('10.0.0.0/16'))).toBe(true);
    expect(rangeContains(r('10.0.1.0/24'), r('10.0.0.0/16'))).toBe(false);
    expect(rangeContains(r('10.0.0.0/16'), r('10.1.0.0/24'))).toBe(false);
    expect(rangeContains(r('0.0.0.0/0'), r('255.255.255.255/32'))).toBe(true);
    expect(rangeContains(r('10.0.0.0/25'), r('10.0.0.127/32'))).toBe(true);
    expect(rangeContains(r('10.0.0.0/25'), r('10.0.0.128/32'))).toBe(false);
  });

  it('overlaps when one address is shared, not when the ranges only touch', () => {
    expect(rangesOverlap(r('10.0.0.0/25'), r('10.0.0.128/25'))).toBe(false);
    expect(rangesOverlap(r('10.0.0.128/25'), r('10.0.0.0/25'))).toBe(false);
    expect(rangesOverlap(r('10.0.0.0/24'), r('10.0.0.128/25'))).toBe(true);
    expect(rangesOverlap(r('10.0.0.128/25'), r('10.0.0.0/24'))).toBe(true);
    expect(rangesOverlap(r('10.0.0.255/32'), r('10.0.0.0/24'))).toBe(true);
    expect(rangesOverlap(r('0.0.0.0/0'), r('192.168.1.0/24'))).toBe(true);
  });

  it('holds the first and last address of a range and nothing beyond', () => {
    const range = r('10.0.1.0/24');
    expect(rangeHolds(range, parseIpv4('10.0.1.0')!)).toBe(true);
    expect(rangeHolds(range, parseIpv4('10.0.1.255')!)).toBe(true);
    expect(rangeHolds(range, parseIpv4('10.0.2.0')!)).toBe(false);
    expect(rangeHolds(range, parseIpv4('10.0.0.255')!)).toBe(false);
    expect(rangeHolds(r('0.0.0.0/0'), TOP)).toBe(true);
  });

  it('counts addresses from the start of a range', () => {
    expect(addressAt(r('10.0.1.0/24'), 4)).toBe('10.0.1.4');
    expect(addressAt(r('10.0.1.0/24'), 254)).toBe('10.0.1.254');
    expect(addressAt(r('10.0.0.0/16'), 256 + 14)).toBe('10.0.1.14');
  });
});

describe('text-level checks of stored rules', () => {
  it('matches an address inside a CIDR or equal to a bare address, blanks ignored', () => {
    expect(cidrContainsIp('172.17.0.0/16', '172.17.1.4')).toBe(true);
    expect(cidrContainsIp(' 172.17.0.0/16 ', ' 172.17.1.4 ')).toBe(true);
    expect(cidrContainsIp('172.17.1.4', '172.17.1.4')).toBe(true);
    expect(cidrContainsIp('172.17.1.4', '172.17.1.5')).toBe(false);
    expect(cidrContainsIp('0.0.0.0/0', '8.8.8.8')).toBe(true);
    expect(cidrContainsIp('172.17.0.0/16', '172.18.0.1')).toBe(false);
  });

  it('never matches malformed input', () => {
    expect(cidrContainsIp('172.17.0.0/33', '172.17.1.4')).toBe(false);
    expect(cidrContainsIp('VirtualNetwork', '172.17.1.4')).toBe(false);
    expect(cidrContainsIp('172.17.0.0/16', '172.17.1')).toBe(false);
    expect(cidrCovers('0.0.0.0/0', 'nonsense')).toBe(false);
    expect(cidrCovers('nonsense', '10.0.0.0/8')).toBe(false);
    expect(cidrsOverlap('10.0.0.0/8', '')).toBe(false);
    expect(prefixLength('10.0.0.0/40')).toBe(-1);
  });

  it('covers a CIDR only when it holds all of it', () => {
    expect(cidrCovers('172.16.0.0/12', '172.17.0.0/16')).toBe(true);
    expect(cidrCovers('172.17.0.0/16', '172.17.0.0/16')).toBe(true);
    expect(cidrCovers('172.17.0.0/16', '172.16.0.0/12')).toBe(false);
    expect(cidrCovers('172.17.0.0/16', '172.17.9.9')).toBe(true);
  });

  it('overlaps in either order, and not for neighbours', () => {
    expect(cidrsOverlap('172.17.0.0/16', '172.16.0.0/12')).toBe(true);
    expect(cidrsOverlap('172.16.0.0/12', '172.17.0.0/16')).toBe(true);
    expect(cidrsOverlap('172.17.0.0/16', '172.18.0.0/16')).toBe(false);
  });

  it('reads prefix lengths, a bare address as /32', () => {
    expect(prefixLength('0.0.0.0/0')).toBe(0);
    expect(prefixLength('10.0.0.0/8')).toBe(8);
    expect(prefixLength('10.0.0.1')).toBe(32);
  });

  it('tells addresses and CIDRs from service tags', () => {
    expect(isAddressOrCidr('10.0.0.0/8')).toBe(true);
    expect(isAddressOrCidr('10.0.0.1')).toBe(true);
    expect(isAddressOrCidr(' 10.0.0.1 ')).toBe(true);
    for (const tag of ['VirtualNetwork', 'Internet', '*', 'AzureLoadBalancer', '10.0.0.0/64']) expect(isAddressOrCidr(tag)).toBe(false);
  });
});
