/**
 * Where the ticket callback may point. The notifier POSTs from inside the AWS account, so a callback to a
 * loopback, link-local (the instance metadata service), private or otherwise internal address would let a
 * request author reach what only the account can reach. Three checks, each on what is known at that moment:
 *
 *  - the text of the URL (every spelling of an address: the WHATWG URL parser has already turned decimal,
 *    octal, hex and short IPv4 forms into dotted quads, and IPv6 into its compressed form);
 *  - the addresses its name resolves to, when the request is taken in and when it is validated;
 *  - the address the notifier actually connects to (a lookup hook on the request), because a name's answer
 *    can change between validation and delivery (DNS rebinding).
 *
 * Only an explicit allowance, passed as a parameter by tests and the local wiring, lets a callback reach a
 * 127.0.0.1 listener; production code never builds one.
 */
import * as dns from 'node:dns';
import { isIP } from 'node:net';

/** All addresses a name resolves to (IPv4 and IPv6). Throws with `code` ENOTFOUND/ENODATA when it has none. */
export type HostResolver = (hostname: string) => Promise<string[]>;

/**
 * Test-only: loopback listeners a callback may reach. `'any'` is for local mode, where every emulated
 * address is a loopback listener. Never built from configuration.
 */
export interface CallbackAllowance {
  loopbackPorts: readonly number[] | 'any';
}

export interface CallbackChecks {
  resolveHost: HostResolver;
  allowance?: CallbackAllowance;
}

/** The operating system's resolver, as the notifier's https request would use it. */
export const systemHostResolver: HostResolver = async (hostname) =>
  (await dns.promises.lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

/** Error code of a callback refused at connect time. */
export const CALLBACK_ADDRESS_REFUSED = 'ECALLBACKADDRESS';

// ---------------------------------------------------------------------------------------------------------
// Addresses
// ---------------------------------------------------------------------------------------------------------

type V4Range = [network: number, prefixLength: number, what: string];

/** IPv4 ranges that are not the public Internet (IANA special-purpose registry, "globally reachable: false"). */
const IPV4_NOT_PUBLIC: V4Range[] = [
  [ipv4('0.0.0.0'), 8, 'an unspecified ("this network") address'],
  [ipv4('10.0.0.0'), 8, 'a private address (10.0.0.0/8)'],
  [ipv4('100.64.0.0'), 10, 'a shared carrier-grade NAT address (100.64.0.0/10)'],
  [ipv4('127.0.0.0'), 8, 'a loopback address'],
  [ipv4('169.254.0.0'), 16, 'a link-local address (169.254.0.0/16, where instance metadata lives)'],
  [ipv4('172.16.0.0'), 12, 'a private address (172.16.0.0/12)'],
  [ipv4('192.0.0.0'), 24, 'an IETF protocol address (192.0.0.0/24)'],
  [ipv4('192.88.99.0'), 24, 'a 6to4 relay address (192.88.99.0/24)'],
  [ipv4('192.168.0.0'), 16, 'a private address (192.168.0.0/16)'],
  [ipv4('198.18.0.0'), 15, 'a benchmarking address (198.18.0.0/15)'],
  [ipv4('224.0.0.0'), 4, 'a multicast address'],
  [ipv4('240.0.0.0'), 4, 'a reserved or broadcast address'],
];

function ipv4(text: string): number {
  return text.split('.').reduce((sum, part) => sum * 256 + Number(part), 0);
}

function ipv4Problem(address: number): string | undefined {
  for (const [network, prefixLength, what] of IPV4_NOT_PUBLIC) {
    const size = 2 ** (32 - prefixLength);
    if (address >= network && address < network + size) return what;
  }
  return undefined;
}

/** Eight 16-bit groups, or undefined when not an IPv6 address. Accepts an embedded IPv4 tail and a zone. */
function ipv6Groups(text: string): number[] | undefined {
  let body = text.replace(/^\[|\]$/g, '');
  const zone = body.indexOf('%');
  if (zone >= 0) body = body.slice(0, zone);
  if (isIP(body) !== 6) return undefined;
  // An embedded IPv4 tail (::ffff:127.0.0.1) becomes its two 16-bit groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(body);
  if (v4) {
    const n = ipv4(v4[1]);
    body = `${body.slice(0, -v4[1].length)}${Math.floor(n / 65536).toString(16)}:${(n % 65536).toString(16)}`;
  }
  const [head, rest] = body.includes('::') ? body.split('::') : [body, undefined];
  const parse = (part: string) => (part ? part.split(':').filter((g) => g !== '').map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  const missing = 8 - left.length - right.length;
  if ((rest === undefined && missing !== 0) || missing < 0) return undefined;
  return [...left, ...Array(missing).fill(0), ...right];
}

function ipv6Problem(groups: number[]): string | undefined {
  const zeroUntil = (n: number) => groups.slice(0, n).every((g) => g === 0);
  const embeddedV4 = (high: number, low: number) => high * 65536 + low;
  if (groups.every((g) => g === 0)) return 'the unspecified IPv6 address';
  if (zeroUntil(7) && groups[7] === 1) return 'the IPv6 loopback address';
  if (zeroUntil(5) && groups[5] === 0xffff) {
    const inner = ipv4Problem(embeddedV4(groups[6], groups[7]));
    return inner ? `an IPv4-mapped IPv6 address of ${inner}` : undefined;
  }
  // IPv4-compatible (deprecated): whatever the embedded address is, nothing public is reached this way.
  if (zeroUntil(6)) return 'an IPv4-compatible IPv6 address (deprecated)';
  if (groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0)) {
    const inner = ipv4Problem(embeddedV4(groups[6], groups[7]));
    return inner ? `a NAT64 address of ${inner}` : undefined;
  }
  if (groups[0] === 0x64 && groups[1] === 0xff9b && groups[2] === 1) return 'a local-use NAT64 address (64:ff9b:1::/48)';
  if (groups[0] === 0x100 && groups.slice(1, 4).every((g) => g === 0)) return 'a discard-only address (100::/64)';
  if (groups[0] === 0x2001 && groups[1] < 0x200) return 'an IETF protocol or Teredo address (2001::/23)';
  if (groups[0] === 0x2002) {
    const inner = ipv4Problem(embeddedV4(groups[1], groups[2]));
    return inner ? `a 6to4 address of ${inner}` : undefined;
  }
  if ((groups[0] & 0xfe00) === 0xfc00) return 'a unique local IPv6 address (fc00::/7)';
  if ((groups[0] & 0xffc0) === 0xfe80) return 'a link-local IPv6 address (fe80::/10)';
  if ((groups[0] & 0xffc0) === 0xfec0) return 'a site-local IPv6 address (fec0::/10)';
  if ((groups[0] & 0xff00) === 0xff00) return 'a multicast IPv6 address';
  return undefined;
}

/** Why this address is not on the public Internet, or undefined when it is. Unparseable text is refused. */
export function nonPublicAddressReason(address: string): string | undefined {
  const bare = address.replace(/^\[|\]$/g, '');
  if (isIP(bare) === 4) return ipv4Problem(ipv4(bare));
  const groups = ipv6Groups(bare);
  if (groups) return ipv6Problem(groups);
  return 'not an IP address';
}

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped form: what a test's listener may use. */
export function isLoopbackAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  if (isIP(bare) === 4) return bare.startsWith('127.');
  const groups = ipv6Groups(bare);
  if (!groups) return false;
  if (groups.slice(0, 7).every((g) => g === 0) && groups[7] === 1) return true;
  return groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff && groups[6] >> 8 === 127;
}

function allowedByAllowance(address: string, port: number, allowance: CallbackAllowance | undefined): boolean {
  if (!allowance || !isLoopbackAddress(address)) return false;
  return allowance.loopbackPorts === 'any' || allowance.loopbackPorts.includes(port);
}

// ---------------------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------------------

/**
 * Suffixes that never name a public host: RFC 6761 (localhost, local via RFC 6762), RFC 8375 (home.arpa),
 * ICANN's reserved .internal, and the private names RFC 6762 appendix G lists as in common use.
 */
const INTERNAL_SUFFIXES = ['localhost', 'local', 'localdomain', 'internal', 'home.arpa', 'arpa', 'intranet', 'lan', 'corp', 'home', 'private'];

function urlPort(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === 'http:' ? 80 : 443;
}

/** The host as the URL parser normalised it, without brackets or a trailing dot, lower case. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
}

/**
 * What the URL's text alone shows: an address literal (in any spelling the parser accepts) that is not
 * public, or a name that cannot be public. Undefined when the text is fine.
 */
export function callbackHostProblem(url: URL, allowance?: CallbackAllowance): string | undefined {
  const host = hostOf(url);
  if (isIP(host) || ipv6Groups(host)) {
    if (allowedByAllowance(host, urlPort(url), allowance)) return undefined;
    const reason = nonPublicAddressReason(host);
    return reason ? `must point at a public host; ${url.hostname} is ${reason}` : undefined;
  }
  if (!host.includes('.')) return `must point at a public host name; "${host}" is a single-label (internal) name`;
  const suffix = INTERNAL_SUFFIXES.find((s) => host === s || host.endsWith(`.${s}`));
  if (suffix) return `must point at a public host; names under .${suffix} are internal`;
  return undefined;
}

function errorCode(error: unknown): string | undefined {
  return (error as { code?: string })?.code;
}

/**
 * Resolves the callback's host and refuses it when any answer is not public (one private answer is enough
 * for the connection to land there). Undefined when fine; a name with no answer is a problem; a resolver
 * that cannot answer now (timeout, SERVFAIL) throws so the caller can retry.
 */
export async function callbackTargetProblem(url: URL, checks: CallbackChecks): Promise<string | undefined> {
  const textProblem = callbackHostProblem(url, checks.allowance);
  if (textProblem) return textProblem;
  const host = hostOf(url);
  if (isIP(host) || ipv6Groups(host)) return undefined;
  let addresses: string[];
  try {
    addresses = await checks.resolveHost(host);
  } catch (error) {
    if (errorCode(error) === 'ENOTFOUND' || errorCode(error) === 'ENODATA') return `the host ${host} does not resolve`;
    throw error;
  }
  if (addresses.length === 0) return `the host ${host} does not resolve`;
  const port = urlPort(url);
  for (const address of addresses) {
    if (allowedByAllowance(address, port, checks.allowance)) continue;
    const reason = nonPublicAddressReason(address);
    if (reason) return `must point at a public host; ${host} resolves to ${address}, ${reason}`;
  }
  return undefined;
}

/** The `lookup` option of an http(s) request: resolves with `resolveHost` and refuses any non-public answer. */
export type RequestLookup = (
  hostname: string,
  options: { all?: boolean; family?: number } | number,
  callback: (error: NodeJS.ErrnoException | null, address: string | { address: string; family: number }[], family?: number) => void,
) => void;

/** Builds the connect-time check: the answers the socket will dial, checked just before it dials them. */
export function guardedLookup(checks: CallbackChecks, port: number): RequestLookup {
  return (hostname, options, callback) => {
    const all = typeof options === 'object' && options.all === true;
    checks
      .resolveHost(hostname)
      .then((addresses) => {
        const refused = addresses.find((address) => !allowedByAllowance(address, port, checks.allowance) && nonPublicAddressReason(address));
        if (addresses.length === 0 || refused) {
          const reason = refused ? `${hostname} now resolves to ${refused}, ${nonPublicAddressReason(refused)}` : `${hostname} does not resolve`;
          const error = Object.assign(new Error(`Refusing to connect to the callback: ${reason}.`), { code: CALLBACK_ADDRESS_REFUSED });
          callback(error, all ? [] : '', undefined);
          return;
        }
        const entries = addresses.map((address) => ({ address, family: isIP(address) === 6 ? 6 : 4 }));
        if (all) callback(null, entries);
        else callback(null, entries[0].address, entries[0].family);
      })
      .catch((error: NodeJS.ErrnoException) => callback(error, all ? [] : '', undefined));
  };
}

/**
 * A resolver that asks the given DNS servers ("127.0.0.1:5300") over the wire, for IPv4 and IPv6. NXDOMAIN
 * or no record of either family answers ENOTFOUND.
 */
export function dnsServerResolver(servers: string[]): HostResolver {
  const resolver = new dns.promises.Resolver({ timeout: 2_000, tries: 2 });
  resolver.setServers(servers);
  return async (hostname) => {
    const answers: string[] = [];
    let lastError: unknown;
    for (const family of ['resolve4', 'resolve6'] as const) {
      try {
        answers.push(...(await resolver[family](hostname)));
      } catch (error) {
        const code = errorCode(error);
        if (code !== dns.NOTFOUND && code !== dns.NODATA) throw error;
        lastError = error;
      }
    }
    if (answers.length === 0) throw Object.assign(new Error(`${hostname} does not resolve`), { code: 'ENOTFOUND', cause: lastError });
    return answers;
  };
}

let processChecks: CallbackChecks = { resolveHost: systemHostResolver };

/** What the deployed handlers use: the system resolver and no allowance. */
export function callbackChecksOfThisProcess(): CallbackChecks {
  return processChecks;
}

/**
 * Local mode only (called by local/runner, never by product code): the emulated world's resolver and the
 * loopback allowance, since every emulated address is a 127.0.0.1 listener there. Returns the undo.
 */
export function useLocalCallbackChecks(checks: CallbackChecks): () => void {
  const previous = processChecks;
  processChecks = checks;
  return () => {
    processChecks = previous;
  };
}
