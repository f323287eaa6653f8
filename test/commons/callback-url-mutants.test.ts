/**
 * The callback SSRF guard, range by range and form by form: the first and last address of every refused range
 * are refused and their neighbours outside are not; every IPv6 form; every internal suffix; the allowed networks
 * (CALLBACK_ALLOWED_NETWORKS) as parsed and matched, default ports included; what a resolver's answers and
 * failures lead to, asked over the wire of a DNS server on 127.0.0.1; the connect-time lookup hook's answers to
 * the socket; and the checks a function builds from its settings.
 */
import { DnsServer } from '../../local/network/dns-server';
import {
  CALLBACK_ADDRESS_REFUSED,
  CALLBACK_ALLOWED_NETWORKS,
  CALLBACK_DNS_SERVERS,
  allowedNetwork,
  allowedTarget,
  callbackChecksFromSettings,
  callbackChecksOfThisEnvironment,
  callbackHostProblem,
  callbackTargetProblem,
  dnsServerResolver,
  guardedLookup,
  nonPublicAddressReason,
  parseAllowedNetworks,
  parseDnsServers,
  systemHostResolver,
  type CallbackChecks,
  type HostResolver,
} from '../../functions/commons/callback-url';
import { ConfigurationError } from '../../functions/commons/config';
import { loopbackAllowance } from '../support/callback-allowance';
import { startTestPublicDns, type TestPublicDns } from '../support/public-dns';

function refusedAs(address: string, kind: RegExp): void {
  const reason = nonPublicAddressReason(address);
  expect([address, reason]).toEqual([address, expect.stringMatching(kind)]);
  // The same address as a URL literal is refused by the text check alone.
  const literal = address.includes(':') ? `[${address}]` : address;
  expect([address, callbackHostProblem(new URL(`https://${literal}/hook`))]).toEqual([address, expect.stringMatching(kind)]);
}

function publicAddress(address: string): void {
  expect([address, nonPublicAddressReason(address)]).toEqual([address, undefined]);
  const literal = address.includes(':') ? `[${address}]` : address;
  expect([address, callbackHostProblem(new URL(`https://${literal}/hook`))]).toEqual([address, undefined]);
}

describe('IPv4 ranges: first and last address refused, the neighbours outside public', () => {
  test.each([
    ['0.0.0.0/8', '0.0.0.0', '0.255.255.255', undefined, '1.0.0.0', /unspecified/],
    ['10.0.0.0/8', '10.0.0.0', '10.255.255.255', '9.255.255.255', '11.0.0.0', /private address \(10\.0\.0\.0\/8\)/],
    ['100.64.0.0/10', '100.64.0.0', '100.127.255.255', '100.63.255.255', '100.128.0.0', /carrier-grade NAT/],
    ['127.0.0.0/8', '127.0.0.0', '127.255.255.255', '126.255.255.255', '128.0.0.0', /loopback/],
    ['169.254.0.0/16', '169.254.0.0', '169.254.255.255', '169.253.255.255', '169.255.0.0', /link-local.*metadata/],
    ['172.16.0.0/12', '172.16.0.0', '172.31.255.255', '172.15.255.255', '172.32.0.0', /private address \(172\.16\.0\.0\/12\)/],
    ['192.0.0.0/24', '192.0.0.0', '192.0.0.255', '191.255.255.255', '192.0.1.0', /IETF protocol/],
    ['192.88.99.0/24', '192.88.99.0', '192.88.99.255', '192.88.98.255', '192.88.100.0', /6to4 relay/],
    ['192.168.0.0/16', '192.168.0.0', '192.168.255.255', '192.167.255.255', '192.169.0.0', /private address \(192\.168\.0\.0\/16\)/],
    ['198.18.0.0/15', '198.18.0.0', '198.19.255.255', '198.17.255.255', '198.20.0.0', /benchmarking/],
    ['224.0.0.0/4', '224.0.0.0', '239.255.255.255', '223.255.255.255', undefined, /multicast/],
    ['240.0.0.0/4', '240.0.0.0', '255.255.255.255', undefined, undefined, /reserved or broadcast/],
  ])('%s', (_range, first, last, before, after, kind) => {
    refusedAs(first, kind);
    refusedAs(last, kind);
    if (before) publicAddress(before);
    if (after) publicAddress(after);
  });

  test('the metadata service in every spelling the URL parser accepts', () => {
    for (const spelling of ['169.254.169.254', '2852039166', '0xa9fea9fe', '0251.0376.0251.0376', '0xa9.0xfe.0xa9.0xfe', '169.254.43518', '[::ffff:169.254.169.254]', '[::ffff:a9fe:a9fe]']) {
      expect([spelling, callbackHostProblem(new URL(`https://${spelling}/latest/meta-data`))]).toEqual([spelling, expect.stringMatching(/link-local/)]);
    }
  });
});

describe('IPv6 forms', () => {
  test.each([
    ['::', /unspecified IPv6/],
    ['0:0:0:0:0:0:0:0', /unspecified IPv6/],
    ['::1', /IPv6 loopback/],
    ['0000:0000:0000:0000:0000:0000:0000:0001', /IPv6 loopback/],
    ['::ffff:127.0.0.1', /IPv4-mapped IPv6 address of a loopback/],
    ['::ffff:7f00:1', /IPv4-mapped IPv6 address of a loopback/],
    ['::ffff:10.1.2.3', /IPv4-mapped IPv6 address of a private/],
    ['0:0:0:0:0:ffff:a9fe:a9fe', /IPv4-mapped IPv6 address of a link-local/],
    ['::10.0.0.1', /IPv4-compatible/],
    ['::8.8.8.8', /IPv4-compatible/],
    ['::2', /IPv4-compatible/],
    ['64:ff9b::10.0.0.1', /NAT64 address of a private/],
    ['64:ff9b::a9fe:a9fe', /NAT64 address of a link-local/],
    ['64:ff9b:1::1', /local-use NAT64/],
    ['64:ff9b:1:ffff::1', /local-use NAT64/],
    ['100::1', /discard-only/],
    ['100::ffff:ffff:ffff:ffff', /discard-only/],
    ['2001::1', /IETF protocol or Teredo/],
    ['2001:1ff:ffff::1', /IETF protocol or Teredo/],
    ['2002:0a00:0001::1', /6to4 address of a private/],
    ['2002:7f00:1::', /6to4 address of a loopback/],
    ['fc00::1', /unique local/],
    ['fdff:ffff::1', /unique local/],
    ['fe80::1', /link-local IPv6/],
    ['febf:ffff::1', /link-local IPv6/],
    ['fec0::1', /site-local/],
    ['feff::1', /site-local/],
    ['ff02::1', /multicast IPv6/],
    ['ff00::', /multicast IPv6/],
  ])('%s is refused', (address, kind) => refusedAs(address, kind));

  test.each([
    '2606:4700::6810:84e5',
    '2a00:1450:4001::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '64:ff9b:2::1',
    '100:0:0:1::1',
    '2001:200::1',
    '2002:0808:0808::1',
    '2003::1',
    'fbff::1',
    '2400:cb00::1',
    '1::1',
    '0:0:0:1::1',
    '0:0:0:0:1::1',
  ])('%s is public', (address) => publicAddress(address));

  test('a zone index or brackets do not hide the address', () => {
    expect(nonPublicAddressReason('fe80::1%eth0')).toMatch(/link-local IPv6/);
    expect(nonPublicAddressReason('[fe80::1]')).toMatch(/link-local IPv6/);
    expect(nonPublicAddressReason('[::1]')).toMatch(/IPv6 loopback/);
    expect(nonPublicAddressReason('[8.8.8.8]')).toBeUndefined();
  });

  test('what is not an address is refused as such', () => {
    for (const text of ['', 'example.com', '1.2.3', '1.2.3.4.5', '::g', '1:2:3:4:5:6:7:8:9', '1::2::3']) {
      expect([text, nonPublicAddressReason(text)]).toEqual([text, 'not an IP address']);
    }
  });
});

describe('the loopback networks allowed (127.0.0.0/8 and ::1/128), the IPv4-mapped spelling included', () => {
  test.each([
    ['127.0.0.1', true],
    ['127.255.255.254', true],
    ['[127.0.0.1]', true],
    ['128.0.0.1', false],
    ['10.0.0.1', false],
    ['::1', true],
    ['[::1]', true],
    ['0:0:0:0:0:0:0:1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:7f12:3456', true],
    ['::ffff:8000:1', false],
    ['::ffff:7e00:1', false],
    ['::2', false],
    ['1::1', false],
    ['0:0:0:0:1:0:0:1', false],
    ['0:0:0:0:1:ffff:7f00:1', false],
    ['0:0:0:0:0:fffe:7f00:1', false],
    ['localhost', false],
    ['', false],
  ])('%s → %s', (address, loopback) => {
    expect(allowedTarget(address, 443, loopbackAllowance())).toBe(loopback);
  });
});

describe('the URL text', () => {
  test.each(['localhost', 'local', 'localdomain', 'internal', 'home.arpa', 'arpa', 'intranet', 'lan', 'corp', 'home', 'private'])('names under .%s are internal', (suffix) => {
    expect(callbackHostProblem(new URL(`https://tickets.${suffix}/hook`))).toEqual(expect.stringMatching(/internal/));
    expect(callbackHostProblem(new URL(`https://a.b.${suffix.toUpperCase()}./hook`))).toEqual(expect.stringMatching(/internal/));
  });

  test('a suffix counts only as a whole label', () => {
    for (const host of ['tickets.examplecorp', 'tickets.mylan', 'hooks.privateticketing.com', 'local.example.com', 'home.example.org']) {
      expect([host, callbackHostProblem(new URL(`https://${host}/hook`))]).toEqual([host, undefined]);
    }
  });

  test('single-label names, with or without a trailing dot, are internal', () => {
    for (const url of ['https://tickets/x', 'https://tickets./x', 'https://TICKETS/x']) {
      expect([url, callbackHostProblem(new URL(url))]).toEqual([url, expect.stringMatching(/single-label/)]);
    }
  });

  test('the allowance is matched on the port the connection will use, the scheme default included', () => {
    const only = (...ports: number[]) => loopbackAllowance(...ports);
    expect(callbackHostProblem(new URL('https://127.0.0.1/x'), only(443))).toBeUndefined();
    expect(callbackHostProblem(new URL('https://127.0.0.1/x'), only(80))).toMatch(/loopback/);
    expect(callbackHostProblem(new URL('http://127.0.0.1/x'), only(80))).toBeUndefined();
    expect(callbackHostProblem(new URL('http://127.0.0.1/x'), only(443))).toMatch(/loopback/);
    expect(callbackHostProblem(new URL('https://127.0.0.1:8443/x'), only(443))).toMatch(/loopback/);
    expect(callbackHostProblem(new URL('https://127.0.0.1:8443/x'), only(443, 8443))).toBeUndefined();
    expect(callbackHostProblem(new URL('https://[::1]:8443/x'), only(8443))).toBeUndefined();
    expect(callbackHostProblem(new URL('https://[::ffff:127.0.0.1]:8443/x'), only(8443))).toBeUndefined();
    // No ports: every port of the networks, and still nothing outside them.
    expect(callbackHostProblem(new URL('https://127.0.0.1:1/x'), loopbackAllowance())).toBeUndefined();
    expect(callbackHostProblem(new URL('https://10.0.0.1:1/x'), loopbackAllowance())).toMatch(/private/);
    expect(callbackHostProblem(new URL('https://[fe80::1]:1/x'), loopbackAllowance())).toMatch(/link-local/);
    expect(callbackHostProblem(new URL('https://localhost:1/x'), loopbackAllowance())).toMatch(/single-label/);
  });

  test('userinfo does not change which host is checked', () => {
    expect(callbackHostProblem(new URL('https://tickets.example.com@169.254.169.254/x'))).toMatch(/link-local/);
    expect(callbackHostProblem(new URL('https://user:pass@10.0.0.1/x'))).toMatch(/private/);
    expect(callbackHostProblem(new URL('https://169.254.169.254@tickets.example.com/x'))).toBeUndefined();
  });

  test('the refusal names the host as written in the URL', () => {
    expect(callbackHostProblem(new URL('https://0x7f000001/x'))).toContain('127.0.0.1');
    expect(callbackHostProblem(new URL('https://[::1]/x'))).toContain('[::1]');
  });
});

describe('names resolved over DNS on 127.0.0.1', () => {
  let dns: TestPublicDns;
  let failing: DnsServer;
  beforeAll(async () => {
    dns = await startTestPublicDns({
      'public.example.com': ['192.0.2.10', '198.51.100.7'],
      'late-private.example.com': ['192.0.2.10', '198.51.100.7', '172.20.0.9'],
      'cgnat.example.com': ['100.100.100.200'],
      'loop.example.com': ['127.0.0.1'],
      'mapped.example.com': ['192.0.2.10'],
    });
    // A DNS server whose every answer is SERVFAIL: the resolver cannot answer now.
    failing = await DnsServer.start(() => {
      throw new Error('the model failed');
    });
  });
  afterAll(async () => {
    await dns.close();
    await failing.close();
  });

  test('all answers public: fine; any one answer inside, wherever it is in the list: refused', async () => {
    const checks = { resolveHost: dns.resolveHost };
    expect(await callbackTargetProblem(new URL('https://public.example.com/h'), checks)).toBeUndefined();
    expect(await callbackTargetProblem(new URL('https://late-private.example.com/h'), checks)).toMatch(/resolves to 172\.20\.0\.9, a private address/);
    expect(await callbackTargetProblem(new URL('https://cgnat.example.com/h'), checks)).toMatch(/100\.100\.100\.200, a shared carrier-grade NAT/);
  });

  test('a name pointed at loopback passes only with the allowance for that port', async () => {
    expect(await callbackTargetProblem(new URL('https://loop.example.com:8443/h'), { resolveHost: dns.resolveHost })).toMatch(/loopback/);
    expect(await callbackTargetProblem(new URL('https://loop.example.com:8443/h'), { resolveHost: dns.resolveHost, allowance: loopbackAllowance(8443) })).toBeUndefined();
    expect(await callbackTargetProblem(new URL('https://loop.example.com/h'), { resolveHost: dns.resolveHost, allowance: loopbackAllowance(8443) })).toMatch(/loopback/);
    expect(await callbackTargetProblem(new URL('https://loop.example.com/h'), { resolveHost: dns.resolveHost, allowance: loopbackAllowance(443) })).toBeUndefined();
  });

  test('an address literal or a name refused by its text is not looked up', async () => {
    const before = dns.queries.length;
    expect(await callbackTargetProblem(new URL('https://8.8.8.8/h'), { resolveHost: dns.resolveHost })).toBeUndefined();
    expect(await callbackTargetProblem(new URL('https://[2606:4700::1]/h'), { resolveHost: dns.resolveHost })).toBeUndefined();
    expect(await callbackTargetProblem(new URL('https://printer.local/h'), { resolveHost: dns.resolveHost })).toMatch(/\.local/);
    expect(await callbackTargetProblem(new URL('https://127.0.0.1:8443/h'), { resolveHost: dns.resolveHost, allowance: loopbackAllowance(8443) })).toBeUndefined();
    expect(dns.queries.length).toBe(before);
  });

  test('NXDOMAIN is a problem of the request; SERVFAIL is thrown for the caller to retry', async () => {
    expect(await callbackTargetProblem(new URL('https://nowhere.example.com/h'), { resolveHost: dns.resolveHost })).toMatch(/nowhere\.example\.com does not resolve/);
    const error = await callbackTargetProblem(new URL('https://tickets.example.com/h'), { resolveHost: dnsServerResolver([failing.address]) }).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('ESERVFAIL');
  });

  test('the wire resolver answers ENOTFOUND when no family has a record, and asks the server given', async () => {
    const error = await dns.resolveHost('nowhere.example.com').catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('ENOTFOUND');
    expect(await dns.resolveHost('public.example.com')).toEqual(['192.0.2.10', '198.51.100.7']);
    expect(dns.queries.filter((q) => q === 'public.example.com').length).toBeGreaterThanOrEqual(2); // A and AAAA
  });

  test('a resolver without an answer, or failing with ENODATA, is "does not resolve"; any other failure is thrown', async () => {
    const answering = (result: () => Promise<string[]>): CallbackChecks => ({ resolveHost: result });
    const url = new URL('https://tickets.example.com/h');
    expect(await callbackTargetProblem(url, answering(async () => []))).toMatch(/does not resolve/);
    expect(await callbackTargetProblem(url, answering(async () => Promise.reject(Object.assign(new Error('x'), { code: 'ENODATA' }))))).toMatch(/does not resolve/);
    expect(await callbackTargetProblem(url, answering(async () => Promise.reject(Object.assign(new Error('x'), { code: 'ENOTFOUND' }))))).toMatch(/does not resolve/);
    const timeout = await callbackTargetProblem(url, answering(async () => Promise.reject(Object.assign(new Error('x'), { code: 'ETIMEOUT' })))).catch((e: unknown) => e);
    expect((timeout as { code?: string }).code).toBe('ETIMEOUT');
    const codeless = await callbackTargetProblem(url, answering(async () => Promise.reject(new Error('boom')))).catch((e: unknown) => e);
    expect(codeless).toBeInstanceOf(Error);
    // IPv6 answers inside are refused like IPv4 ones.
    expect(await callbackTargetProblem(url, answering(async () => ['2606:4700::1', 'fd00:ec2::254']))).toMatch(/fd00:ec2::254, a unique local/);
  });
});

describe('the connect-time lookup hook', () => {
  type Answer = { error: NodeJS.ErrnoException | null; address: unknown; family?: number };
  const lookUp = (resolveHost: HostResolver, options: { all?: boolean; family?: number } | number, port = 443, allowance?: CallbackChecks['allowance']) =>
    new Promise<Answer>((resolve) => guardedLookup({ resolveHost, allowance }, port)('tickets.example.com', options, (error, address, family) => resolve({ error, address, family })));
  const answers = (addresses: string[]) => async () => addresses;

  test('public answers are handed to the socket: all of them, or the first with its family', async () => {
    expect(await lookUp(answers(['192.0.2.10', '2606:4700::1']), { all: true })).toEqual({
      error: null,
      address: [
        { address: '192.0.2.10', family: 4 },
        { address: '2606:4700::1', family: 6 },
      ],
      family: undefined,
    });
    expect(await lookUp(answers(['2606:4700::1', '192.0.2.10']), {})).toEqual({ error: null, address: '2606:4700::1', family: 6 });
    expect(await lookUp(answers(['192.0.2.10']), 4)).toEqual({ error: null, address: '192.0.2.10', family: 4 });
    expect(await lookUp(answers(['192.0.2.10']), { all: false })).toEqual({ error: null, address: '192.0.2.10', family: 4 });
  });

  test('one answer inside refuses the connection with the refusal code, in the shape the socket asked for', async () => {
    for (const options of [{ all: true }, {}, 0]) {
      const answer = await lookUp(answers(['192.0.2.10', '169.254.169.254']), options);
      expect(answer.error?.code).toBe(CALLBACK_ADDRESS_REFUSED);
      expect(answer.error?.message).toMatch(/now resolves to 169\.254\.169\.254, a link-local/);
      expect(answer.address).toEqual(typeof options === 'object' && options.all ? [] : '');
      expect(answer.family).toBeUndefined();
    }
  });

  test('no answer refuses too; a resolver failure is passed on as it is', async () => {
    const none = await lookUp(answers([]), { all: true });
    expect(none.error?.code).toBe(CALLBACK_ADDRESS_REFUSED);
    expect(none.error?.message).toMatch(/does not resolve/);
    expect(none.address).toEqual([]);
    const failure = Object.assign(new Error('timeout'), { code: 'ETIMEOUT' });
    const failed = await lookUp(async () => Promise.reject(failure), { all: true });
    expect(failed.error).toBe(failure);
    expect(failed.address).toEqual([]);
    expect((await lookUp(async () => Promise.reject(failure), {})).address).toBe('');
  });

  test('loopback answers pass only under the allowance for the dialed port', async () => {
    expect((await lookUp(answers(['127.0.0.1']), {}, 8443, loopbackAllowance(8443))).error).toBeNull();
    expect((await lookUp(answers(['127.0.0.1']), {}, 8444, loopbackAllowance(8443))).error?.code).toBe(CALLBACK_ADDRESS_REFUSED);
    expect((await lookUp(answers(['127.0.0.1']), {}, 8443)).error?.code).toBe(CALLBACK_ADDRESS_REFUSED);
    expect((await lookUp(answers(['127.0.0.1', '10.0.0.1']), {}, 8443, loopbackAllowance())).error?.message).toMatch(/10\.0\.0\.1/);
  });
});


describe('allowed networks (CALLBACK_ALLOWED_NETWORKS)', () => {
  const refusal = (text: string) => {
    try {
      parseAllowedNetworks(text);
    } catch (error) {
      expect(error).toBeInstanceOf(RangeError);
      return (error as Error).message;
    }
    return undefined;
  };

  test('comma-separated CIDRs, spaces around them ignored, IPv4 and IPv6', () => {
    const { networks } = parseAllowedNetworks(' 10.20.0.0/16 ,fd12:3456::/48,192.168.7.9/32');
    expect(networks.map((network) => [network.cidr, network.family, network.prefixLength, network.ports])).toEqual([
      ['10.20.0.0/16', 4, 16, undefined],
      ['fd12:3456::/48', 6, 48, undefined],
      ['192.168.7.9/32', 4, 32, undefined],
    ]);
  });

  test.each([
    ['10.20.0.0', /address\/prefix-length/],
    ['10.20.0.0/16/1', /address\/prefix-length/],
    ['10.20.0.0/016', /address\/prefix-length/],
    ['10.20.0.0/+16', /address\/prefix-length/],
    ['10.20.0.0/ 16', /address\/prefix-length/],
    ['10.20.0.0/33', /at most \/32/],
    ['fd12::/129', /at most \/128/],
    ['010.20.0.0/16', /not an IP address/],
    ['10.20/16', /not an IP address/],
    ['tickets.example.com/32', /not an IP address/],
    ['[fd12::]/48', /plain IPv4 or IPv6/],
    ['fe80::1%eth0/128', /plain IPv4 or IPv6/],
    ['10.20.0.1/16', /host bits set/],
    ['fd12:3456::1/48', /host bits set/],
    ['10.0.0.0/8,', /empty/],
    [',10.0.0.0/8', /empty/],
    ['10.0.0.0/8,,172.16.0.0/12', /empty/],
    ['169.254.169.254/32', /link-local/],
    ['169.254.0.0/16', /link-local/],
    ['168.0.0.0/6', /link-local/],
    ['0.0.0.0/0', /unspecified/],
    ['0.0.0.0/32', /unspecified/],
    ['0.255.255.255/32', /unspecified/],
    ['::/0', /unspecified/],
    ['::/128', /unspecified/],
    ['::ffff:0:0/96', /IPv4-mapped/],
    ['::ffff:a9fe:a9fe/128', /IPv4-mapped/],
    ['fe80::/10', /link-local/],
    ['febf:ffff::/32', /link-local/],
    ['fe00::/7', /link-local/],
    ['fd00:ec2::254/128', /instance metadata/],
    ['fd00::/8', /instance metadata/],
    ['fd00:ec2:8000::/33', /instance metadata/],
  ])('%s is refused (%s)', (text, problem) => {
    expect(refusal(text)).toEqual(expect.stringMatching(problem));
  });

  test('the neighbours of the never-allowed blocks are allowed', () => {
    for (const text of ['1.0.0.0/8', '169.253.255.255/32', '169.255.0.0/16', '::1/128', 'fe7f:ffff::/32', 'fec0::/10', '::fffe:0:0/96', '127.0.0.1/32', 'fd00:ec1::/32', 'fd00:ec3::/32', 'fd12:3456::/48']) {
      expect([text, refusal(text)]).toEqual([text, undefined]);
    }
  });

  test('ports of a programmatic allowance are TCP ports', () => {
    expect(() => allowedNetwork('127.0.0.1/32', [0])).toThrow(RangeError);
    expect(() => allowedNetwork('127.0.0.1/32', [65536])).toThrow(/65536 is not a TCP port/);
    expect(() => allowedNetwork('127.0.0.1/32', [8443.5])).toThrow(RangeError);
    expect(allowedNetwork('127.0.0.1/32', [1, 65535]).ports).toEqual([1, 65535]);
  });

  test('a network admits its first and last address and nothing beside them, on every port unless narrowed', () => {
    const allowance = parseAllowedNetworks('10.20.0.0/16,fd12:3456::/48,203.0.113.7/32');
    for (const [address, port, allowed] of [
      ['10.20.0.0', 443, true],
      ['10.20.255.255', 8443, true],
      ['10.19.255.255', 443, false],
      ['10.21.0.0', 443, false],
      ['::ffff:10.20.0.5', 443, true],
      ['::ffff:a14:5', 443, true],
      ['64:ff9b::a14:5', 443, false],
      ['fd12:3456::', 443, true],
      ['fd12:3456:0:ffff:ffff:ffff:ffff:ffff', 443, true],
      ['fd12:3455:ffff:ffff:ffff:ffff:ffff:ffff', 443, false],
      ['fd12:3457::', 443, false],
      ['[fd12:3456::9]', 443, true],
      ['203.0.113.7', 443, true],
      ['203.0.113.8', 443, false],
      ['127.0.0.1', 443, false],
      ['not an address', 443, false],
    ] as const) {
      expect([address, allowedTarget(address, port, allowance)]).toEqual([address, allowed]);
    }
    expect(allowedTarget('10.20.0.5', 443, undefined)).toBe(false);
    expect(allowedTarget('10.20.0.5', 443, { networks: [] })).toBe(false);
    const narrowed = { networks: [allowedNetwork('10.20.0.0/16', [8443])] };
    expect(allowedTarget('10.20.0.5', 8443, narrowed)).toBe(true);
    expect(allowedTarget('10.20.0.5', 443, narrowed)).toBe(false);
  });

  test('an allowed network lets the callback reach it through every check, and only it', async () => {
    const allowance = parseAllowedNetworks('10.20.0.0/16');
    expect(callbackHostProblem(new URL('https://10.20.1.2/hooks'), allowance)).toBeUndefined();
    expect(callbackHostProblem(new URL('https://10.21.1.2/hooks'), allowance)).toMatch(/private/);
    expect(callbackHostProblem(new URL('https://169.254.169.254/hooks'), allowance)).toMatch(/link-local/);
    expect(callbackHostProblem(new URL('https://tickets.corp/hooks'), allowance)).toMatch(/\.corp are internal/);
    const resolving = (addresses: string[]): CallbackChecks => ({ resolveHost: async () => addresses, allowance });
    expect(await callbackTargetProblem(new URL('https://tickets.example.com/h'), resolving(['10.20.1.2']))).toBeUndefined();
    expect(await callbackTargetProblem(new URL('https://tickets.example.com/h'), resolving(['10.20.1.2', '10.30.1.2']))).toMatch(/10\.30\.1\.2/);
    const dialed = await new Promise<NodeJS.ErrnoException | null>((done) => guardedLookup(resolving(['10.20.1.2', '169.254.169.254']), 443)('tickets.example.com', {}, (error) => done(error)));
    expect(dialed?.code).toBe(CALLBACK_ADDRESS_REFUSED);
    const passed = await new Promise<unknown>((done) => guardedLookup(resolving(['10.20.1.2']), 443)('tickets.example.com', {}, (error, address) => done(error ?? address)));
    expect(passed).toBe('10.20.1.2');
  });
});

describe('DNS servers (CALLBACK_DNS_SERVERS)', () => {
  test('IPv4 or bracketed IPv6 addresses, each with an optional port', () => {
    expect(parseDnsServers('10.0.0.2, 10.0.0.3:5353,[fd00::2],[fd00::3]:53')).toEqual(['10.0.0.2', '10.0.0.3:5353', '[fd00::2]', '[fd00::3]:53']);
  });

  test.each(['dns.example.com', 'dns.example.com:53', 'fd00::2', '[10.0.0.2]:53', '10.0.0.2:', '10.0.0.2:0', '10.0.0.2:053', '10.0.0.2:65536', '10.0.0.2:53:53', '10.0.0.2,', ''])(
    '"%s" is refused',
    (text) => {
      expect(() => parseDnsServers(text)).toThrow(RangeError);
    },
  );
});

describe('the checks a function builds from its settings', () => {
  let dns: TestPublicDns;
  beforeAll(async () => {
    dns = await startTestPublicDns({ 'tickets.example.com': ['10.20.1.2'], 'metadata.example.com': ['169.254.169.254'] });
  });
  afterAll(() => dns.close());

  test('unset (or empty): the system resolver and nothing allowed', () => {
    expect(callbackChecksFromSettings({})).toEqual({ resolveHost: systemHostResolver });
    expect(callbackChecksFromSettings({ [CALLBACK_ALLOWED_NETWORKS]: '', [CALLBACK_DNS_SERVERS]: '' })).toEqual({ resolveHost: systemHostResolver });
  });

  test('configured: names are asked of the DNS servers given, and the networks given may be reached', async () => {
    const checks = callbackChecksFromSettings({ [CALLBACK_ALLOWED_NETWORKS]: '10.20.0.0/16', [CALLBACK_DNS_SERVERS]: dns.address });
    const before = dns.queries.length;
    expect(await callbackTargetProblem(new URL('https://tickets.example.com/h'), checks)).toBeUndefined();
    expect(dns.queries.slice(before)).toContain('tickets.example.com');
    expect(await callbackTargetProblem(new URL('https://metadata.example.com/h'), checks)).toMatch(/169\.254\.169\.254, a link-local/);
    // The same servers without the network: the private answer is refused.
    const unallowed = callbackChecksFromSettings({ [CALLBACK_DNS_SERVERS]: dns.address });
    expect(await callbackTargetProblem(new URL('https://tickets.example.com/h'), unallowed)).toMatch(/10\.20\.1\.2, a private address/);
  });

  test('a value that does not parse is a ConfigurationError naming its variable', () => {
    for (const [name, value] of [
      [CALLBACK_ALLOWED_NETWORKS, '10.20.0.1/16'],
      [CALLBACK_ALLOWED_NETWORKS, '169.254.0.0/16'],
      [CALLBACK_DNS_SERVERS, 'dns.example.com'],
    ]) {
      let thrown: unknown;
      try {
        callbackChecksFromSettings({ [name]: value });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ConfigurationError);
      expect((thrown as ConfigurationError).invalid?.name).toBe(name);
      expect((thrown as ConfigurationError).missing).toEqual([]);
      expect((thrown as Error).message).toContain(`${name} is not valid: `);
    }
  });

  test('built once for the settings of the execution environment, anew when they change', () => {
    const first = { [CALLBACK_ALLOWED_NETWORKS]: '10.20.0.0/16' };
    const checks = callbackChecksOfThisEnvironment(first);
    expect(callbackChecksOfThisEnvironment({ ...first })).toBe(checks);
    const changed = callbackChecksOfThisEnvironment({ [CALLBACK_ALLOWED_NETWORKS]: '10.30.0.0/16' });
    expect(changed).not.toBe(checks);
    expect(allowedTarget('10.30.0.1', 443, changed.allowance)).toBe(true);
    expect(callbackChecksOfThisEnvironment({})).toEqual({ resolveHost: systemHostResolver });
    expect(() => callbackChecksOfThisEnvironment({ [CALLBACK_DNS_SERVERS]: 'nameserver' })).toThrow(ConfigurationError);
  });
});
