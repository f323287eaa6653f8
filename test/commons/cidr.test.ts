import {
  cidrContains,
  cidrContainsIp,
  cidrOverlaps,
  cidrSize,
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

describe('parseIpv4 / formatIpv4', () => {
  test.each([
    ['0.0.0.0', 0],
    ['255.255.255.255', 0xffffffff],
    ['10.0.0.1', 0x0a000001],
    ['192.168.255.0', 0xc0a8ff00],
    ['128.0.0.0', 0x80000000],
  ])('%s ↔ %d', (text, value) => {
    expect(parseIpv4(text)).toBe(value);
    expect(formatIpv4(value)).toBe(text);
  });

  test.each(['256.0.0.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.-4', 'a.b.c.d', '', ' 1.2.3.4', '1..2.3', '1.2.3.4 '])(
    'refuses %j',
    (text) => expect(parseIpv4(text)).toBeUndefined(),
  );

  test('formatIpv4 refuses out-of-range values', () => {
    expect(() => formatIpv4(-1)).toThrow(RangeError);
    expect(() => formatIpv4(2 ** 32)).toThrow(RangeError);
    expect(() => formatIpv4(1.5)).toThrow(RangeError);
  });
});

describe('parseCidr', () => {
  test('/0 covers everything', () => {
    expect(parseCidr('0.0.0.0/0')).toEqual({ address: 0, network: 0, prefixLength: 0, first: 0, last: 0xffffffff });
    expect(prefixMask(0)).toBe(0);
    expect(cidrSize('0.0.0.0/0')).toBe(2 ** 32);
  });

  test('/32 is one address, and unsigned at the top of the range', () => {
    expect(parseCidr('255.255.255.255/32')).toEqual({
      address: 0xffffffff,
      network: 0xffffffff,
      prefixLength: 32,
      first: 0xffffffff,
      last: 0xffffffff,
    });
    expect(prefixMask(32)).toBe(0xffffffff);
    expect(cidrSize('10.1.2.3/32')).toBe(1);
  });

  test('high addresses stay unsigned', () => {
    const block = parseCidr('192.168.0.0/16')!;
    expect(block.first).toBe(0xc0a80000);
    expect(block.last).toBe(0xc0a8ffff);
    expect(block.first).toBeGreaterThan(0);
  });

  test('keeps the written address and the network apart', () => {
    const block = parseCidr('192.168.1.5/27')!;
    expect(formatIpv4(block.address)).toBe('192.168.1.5');
    expect(formatIpv4(block.network)).toBe('192.168.1.0');
    expect(formatIpv4(block.last)).toBe('192.168.1.31');
  });

  test.each(['10.0.0.0', '10.0.0.0/33', '10.0.0.0/-1', '10.0.0.0/08', '10.0.0/8', '::1/128', '10.0.0.0/ 8', '10.0.0.0/8/8', ''])(
    'refuses %j',
    (text) => {
      expect(parseCidr(text)).toBeUndefined();
      expect(isCidr(text)).toBe(false);
    },
  );
});

describe('alignment and normalisation', () => {
  test.each([
    ['10.0.0.0/8', true],
    ['10.1.0.0/8', false],
    ['192.168.1.0/27', true],
    ['192.168.1.32/27', true],
    ['192.168.1.16/27', false],
    ['1.2.3.4/32', true],
    ['0.0.0.0/0', true],
    ['1.0.0.0/0', false],
  ])('%s aligned: %s', (text, aligned) => expect(isNetworkAligned(text)).toBe(aligned));

  test('normalizeCidr clears host bits', () => {
    expect(normalizeCidr('192.168.1.17/27')).toBe('192.168.1.0/27');
    expect(normalizeCidr('255.255.255.255/0')).toBe('0.0.0.0/0');
    expect(prefixLength('10.0.0.0/19')).toBe(19);
  });

  test('invalid text throws in the non-parsing helpers', () => {
    expect(() => isNetworkAligned('nope')).toThrow(RangeError);
    expect(() => cidrOverlaps('10.0.0.0/8', 'nope')).toThrow(RangeError);
  });
});

describe('containment and overlap', () => {
  test.each([
    ['10.0.0.0/16', '10.0.1.0/24', true],
    ['10.0.0.0/16', '10.0.0.0/16', true],
    ['10.0.1.0/24', '10.0.0.0/16', false],
    ['10.0.0.0/16', '10.1.0.0/24', false],
    ['0.0.0.0/0', '255.255.255.255/32', true],
    ['10.0.0.0/16', '10.0.255.255/32', true],
    ['192.168.0.0/24', '192.168.0.128/25', true],
  ])('%s contains %s: %s', (outer, inner, expected) => expect(cidrContains(outer, inner)).toBe(expected));

  test.each([
    ['10.0.0.0/16', '10.0.1.0/24', true],
    ['10.0.1.0/24', '10.0.0.0/16', true],
    ['10.0.0.0/24', '10.0.1.0/24', false],
    ['10.0.0.0/25', '10.0.0.128/25', false],
    ['10.0.0.0/24', '10.0.0.255/32', true],
    ['0.0.0.0/0', '1.2.3.4/32', true],
    ['255.255.255.255/32', '255.255.255.255/32', true],
    ['255.255.255.254/32', '255.255.255.255/32', false],
  ])('%s overlaps %s: %s', (a, b, expected) => expect(cidrOverlaps(a, b)).toBe(expected));

  test.each([
    ['10.0.0.0/8', '10.255.255.255', true],
    ['10.0.0.0/8', '11.0.0.0', false],
    ['0.0.0.0/0', '255.255.255.255', true],
    ['1.2.3.4/32', '1.2.3.4', true],
    ['1.2.3.4/32', '1.2.3.5', false],
  ])('%s contains ip %s: %s', (cidr, ip, expected) => expect(cidrContainsIp(cidr, ip)).toBe(expected));

  test('cidrContainsIp accepts numbers and refuses bad addresses', () => {
    expect(cidrContainsIp('10.0.0.0/8', 0x0a000001)).toBe(true);
    expect(() => cidrContainsIp('10.0.0.0/8', '10.0.0')).toThrow(RangeError);
  });
});

describe('nthAddress', () => {
  test('Azure first usable is .4; AWS/Azure tunnel addresses are .1/.2', () => {
    expect(nthAddress('192.168.1.0/27', 4)).toBe('192.168.1.4');
    expect(nthAddress('169.254.21.0/30', 1)).toBe('169.254.21.1');
    expect(nthAddress('169.254.21.0/30', 2)).toBe('169.254.21.2');
  });

  test('counts from the network address even when host bits are written', () => {
    expect(nthAddress('192.168.1.9/29', 0)).toBe('192.168.1.8');
  });

  test('negative offsets count from the end', () => {
    expect(nthAddress('192.168.1.0/27', -1)).toBe('192.168.1.31');
    expect(nthAddress('0.0.0.0/0', -1)).toBe('255.255.255.255');
  });

  test('out-of-range offsets throw', () => {
    expect(() => nthAddress('192.168.1.0/30', 4)).toThrow(RangeError);
    expect(() => nthAddress('192.168.1.0/30', -5)).toThrow(RangeError);
    expect(() => nthAddress('1.2.3.4/32', 1)).toThrow(RangeError);
    expect(nthAddress('1.2.3.4/32', 0)).toBe('1.2.3.4');
  });
});
