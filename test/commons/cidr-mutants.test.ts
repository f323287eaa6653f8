/**
 * IPv4 and CIDR arithmetic at its edges: the first and last address of every range, /0 and /32, values at 2^32,
 * and the text forms the parsers must refuse.
 */
import {
  cidrContains,
  cidrContainsIp,
  cidrOverlaps,
  cidrSize,
  formatCidr,
  formatIpv4,
  isCidr,
  isNetworkAligned,
  normalizeCidr,
  nthAddress,
  parseCidr,
  parseIpv4,
  prefixLength,
  prefixMask,
} from '../../functions/commons/cidr';

describe('parseIpv4', () => {
  test.each([
    ['0.0.0.0', 0],
    ['255.255.255.255', 0xffffffff],
    ['1.2.3.4', 0x01020304],
    ['10.0.0.255', 0x0a0000ff],
    ['199.0.0.0', 0xc7000000],
  ])('%s → %d', (text, value) => expect(parseIpv4(text)).toBe(value));

  test.each(['256.0.0.0', '0.0.0.256', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.04', '1.2.3.-1', '1.2.3.', '.1.2.3', ' 1.2.3.4', '1.2.3.4 ', '1.2.3.4x', 'a.b.c.d', '1000.0.0.0', '', '1..2.3'])(
    '%j is not an address',
    (text) => expect(parseIpv4(text)).toBeUndefined(),
  );

  test('non-strings are not addresses', () => {
    expect(parseIpv4(16909060 as unknown as string)).toBeUndefined();
    expect(parseIpv4(undefined as unknown as string)).toBeUndefined();
  });
});

describe('formatIpv4', () => {
  test('formats the whole unsigned range', () => {
    expect(formatIpv4(0)).toBe('0.0.0.0');
    expect(formatIpv4(0xffffffff)).toBe('255.255.255.255');
    expect(formatIpv4(0x80000001)).toBe('128.0.0.1');
    expect(formatIpv4(0x01020304)).toBe('1.2.3.4');
  });

  test.each([-1, 0x100000000, 1.5, NaN])('refuses %d', (value) => expect(() => formatIpv4(value)).toThrow(RangeError));
});

describe('prefixMask', () => {
  test.each([
    [0, 0],
    [1, 0x80000000],
    [8, 0xff000000],
    [24, 0xffffff00],
    [31, 0xfffffffe],
    [32, 0xffffffff],
  ])('/%d → %d', (length, mask) => expect(prefixMask(length)).toBe(mask));

  test.each([-1, 33, 1.5])('refuses /%d', (length) => expect(() => prefixMask(length)).toThrow(RangeError));
});

describe('parseCidr', () => {
  test('carries the written address, the network, and both ends', () => {
    expect(parseCidr('10.1.2.3/8')).toEqual({ address: 0x0a010203, network: 0x0a000000, prefixLength: 8, first: 0x0a000000, last: 0x0affffff });
    expect(parseCidr('255.255.255.255/32')).toEqual({ address: 0xffffffff, network: 0xffffffff, prefixLength: 32, first: 0xffffffff, last: 0xffffffff });
    expect(parseCidr('200.0.0.0/1')).toEqual({ address: 0xc8000000, network: 0x80000000, prefixLength: 1, first: 0x80000000, last: 0xffffffff });
    expect(parseCidr('1.2.3.4/0')).toEqual({ address: 0x01020304, network: 0, prefixLength: 0, first: 0, last: 0xffffffff });
  });

  test.each(['10.0.0.0/33', '10.0.0.0/01', '10.0.0.0/', '10.0.0.0', '/8', '10.0.0.0/8/8', ' 10.0.0.0/8', '10.0.0.0/8 ', '10.0.0.0/-1', '10.0.0/8', '10.0.0.0/100', 'x10.0.0.0/8', '10.0.0.0/8x', '300.0.0.0/8'])(
    '%j is not a block',
    (text) => {
      expect(parseCidr(text)).toBeUndefined();
      expect(isCidr(text)).toBe(false);
    },
  );

  test('non-strings are not blocks', () => {
    expect(parseCidr(8 as unknown as string)).toBeUndefined();
  });

  test('the prefix lengths 9 to 32 parse', () => {
    for (let n = 0; n <= 32; n++) expect(parseCidr(`10.0.0.0/${n}`)?.prefixLength).toBe(n);
    expect(isCidr('10.0.0.0/32')).toBe(true);
  });
});

describe('the block helpers', () => {
  test('format, normalise, alignment and length', () => {
    expect(formatCidr(parseCidr('192.168.1.77/26')!)).toBe('192.168.1.64/26');
    expect(normalizeCidr('192.168.1.77/26')).toBe('192.168.1.64/26');
    expect(normalizeCidr(parseCidr('10.0.0.1/0')!)).toBe('0.0.0.0/0');
    expect(isNetworkAligned('192.168.1.64/26')).toBe(true);
    expect(isNetworkAligned('192.168.1.65/26')).toBe(false);
    expect(isNetworkAligned(parseCidr('192.168.1.65/32')!)).toBe(true);
    expect(prefixLength('10.0.0.0/17')).toBe(17);
    expect(prefixLength(parseCidr('10.0.0.0/3')!)).toBe(3);
  });

  test('sizes, from /32 to /0', () => {
    expect(cidrSize('10.0.0.0/32')).toBe(1);
    expect(cidrSize('10.0.0.0/31')).toBe(2);
    expect(cidrSize('10.0.0.0/24')).toBe(256);
    expect(cidrSize('0.0.0.0/0')).toBe(2 ** 32);
  });

  test('invalid text throws from every helper', () => {
    for (const call of [
      () => normalizeCidr('x'),
      () => isNetworkAligned('x'),
      () => prefixLength('x'),
      () => cidrSize('10.0.0.0/33'),
      () => cidrContains('x', '10.0.0.0/8'),
      () => cidrContains('10.0.0.0/8', 'x'),
      () => cidrOverlaps('x', '10.0.0.0/8'),
      () => cidrOverlaps('10.0.0.0/8', 'x'),
      () => cidrContainsIp('x', '10.0.0.1'),
      () => nthAddress('x', 0),
    ]) {
      expect(call).toThrow(RangeError);
    }
  });
});

describe('containment and overlap at the edges', () => {
  test('cidrContains: itself, both ends, one address past either end', () => {
    expect(cidrContains('10.0.0.0/24', '10.0.0.0/24')).toBe(true);
    expect(cidrContains('10.0.0.0/24', '10.0.0.0/32')).toBe(true);
    expect(cidrContains('10.0.0.0/24', '10.0.0.255/32')).toBe(true);
    expect(cidrContains('10.0.0.0/24', '10.0.1.0/32')).toBe(false);
    expect(cidrContains('10.0.0.0/24', '9.255.255.255/32')).toBe(false);
    expect(cidrContains('10.0.0.0/24', '10.0.0.0/23')).toBe(false);
    expect(cidrContains('10.0.0.128/25', '10.0.0.0/24')).toBe(false);
    expect(cidrContains('0.0.0.0/0', '255.255.255.255/32')).toBe(true);
    expect(cidrContains(parseCidr('10.0.0.0/8')!, parseCidr('10.255.0.0/16')!)).toBe(true);
  });

  test('cidrOverlaps: sharing a single address counts, touching does not, either order', () => {
    expect(cidrOverlaps('10.0.0.0/24', '10.0.0.255/32')).toBe(true);
    expect(cidrOverlaps('10.0.0.255/32', '10.0.0.0/24')).toBe(true);
    expect(cidrOverlaps('10.0.0.0/24', '10.0.0.0/32')).toBe(true);
    expect(cidrOverlaps('10.0.0.0/32', '10.0.0.0/24')).toBe(true);
    expect(cidrOverlaps('10.0.0.0/24', '10.0.1.0/24')).toBe(false);
    expect(cidrOverlaps('10.0.1.0/24', '10.0.0.0/24')).toBe(false);
    expect(cidrOverlaps('10.0.0.0/16', '10.0.128.0/17')).toBe(true);
    expect(cidrOverlaps('0.0.0.0/0', '1.2.3.4/32')).toBe(true);
  });

  test('cidrContainsIp: first and last in, the neighbours out; numbers as well as text', () => {
    expect(cidrContainsIp('10.0.0.0/30', '10.0.0.0')).toBe(true);
    expect(cidrContainsIp('10.0.0.0/30', '10.0.0.3')).toBe(true);
    expect(cidrContainsIp('10.0.0.0/30', '10.0.0.4')).toBe(false);
    expect(cidrContainsIp('10.0.0.4/30', '10.0.0.3')).toBe(false);
    expect(cidrContainsIp('10.0.0.0/30', 0x0a000002)).toBe(true);
    expect(cidrContainsIp('0.0.0.0/0', 0xffffffff)).toBe(true);
    expect(cidrContainsIp('0.0.0.0/0', 0)).toBe(true);
    for (const bad of ['x', '10.0.0.256', -1, 0x100000000, 1.5]) expect(() => cidrContainsIp('10.0.0.0/8', bad as never)).toThrow(RangeError);
  });
});

describe('nthAddress', () => {
  test('counts from the network address, and from the end when negative, up to both ends exactly', () => {
    expect(nthAddress('10.0.0.0/30', 0)).toBe('10.0.0.0');
    expect(nthAddress('10.0.0.0/30', 3)).toBe('10.0.0.3');
    expect(nthAddress('10.0.0.0/30', -1)).toBe('10.0.0.3');
    expect(nthAddress('10.0.0.0/30', -4)).toBe('10.0.0.0');
    expect(nthAddress('10.0.0.2/30', 1)).toBe('10.0.0.1');
    expect(nthAddress('255.255.255.255/32', 0)).toBe('255.255.255.255');
    expect(nthAddress('255.255.255.252/30', -1)).toBe('255.255.255.255');
  });

  test.each([4, -5, 0.5, NaN])('offset %d is refused for a /30', (n) => expect(() => nthAddress('10.0.0.0/30', n)).toThrow(RangeError));
});
