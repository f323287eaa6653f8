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
 * What an operator may widen is configuration, read once per execution environment: the networks a callback
 * may reach although they are not public (CALLBACK_ALLOWED_NETWORKS: a ticket system on a private network
 * over Direct Connect) and the DNS servers its name is resolved with (CALLBACK_DNS_SERVERS). Link-local and
 * unspecified addresses can never be allowed.
 */
import * as dns from 'node:dns';
import { isIP } from 'node:net';
import { parsedSetting } from './config';

/** All addresses a name resolves to (IPv4 and IPv6). Throws with `code` ENOTFOUND/ENODATA when it has none. */
export type HostResolver = (hostname: string) => Promise<string[]>;

/** A network a callback may reach although it is not public. */
export interface AllowedNetwork {
  /** As written: "10.20.0.0/16", "fd12:3456::/48". */
  cidr: string;
  family: 4 | 6;
  network: bigint;
  prefixLength: number;
  /** Only these ports; every port when absent (the configured form names none). */
  ports?: readonly number[];
}

/** What may be reached although not public; none unless configured. */
export interface CallbackAllowance {
  networks: readonly AllowedNetwork[];
}

export interface CallbackChecks {
  resolveHost: HostResolver;
  allowance?: CallbackAllowance;
}

/** Comma-separated CIDRs a callback may reach although they are not public; default none. */
export const CALLBACK_ALLOWED_NETWORKS = 'CALLBACK_ALLOWED_NETWORKS';
/** Comma-separated `address[:port]` DNS servers the callback's name is resolved with; default the system resolver. */
export const CALLBACK_DNS_SERVERS = 'CALLBACK_DNS_SERVERS';

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

// ---------------------------------------------------------------------------------------------------------
// Allowed networks
// ---------------------------------------------------------------------------------------------------------

/**
 * An address as a number of its family. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 address it
 * dials, so one IPv4 network covers both spellings.
 */
function addressValue(text: string): { family: 4 | 6; value: bigint } | undefined {
  const bare = text.replace(/^\[|\]$/g, '');
  if (isIP(bare) === 4) return { family: 4, value: BigInt(ipv4(bare)) };
  const groups = ipv6Groups(bare);
  if (!groups) return undefined;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return { family: 4, value: BigInt(groups[6] * 65536 + groups[7]) };
  return { family: 6, value: groups.reduce((sum, group) => (sum << 16n) | BigInt(group), 0n) };
}

const WIDTH = { 4: 32, 6: 128 } as const;

function sameNetwork(family: 4 | 6, a: bigint, b: bigint, prefixLength: number): boolean {
  const hostBits = BigInt(WIDTH[family] - prefixLength);
  return a >> hostBits === b >> hostBits;
}

/**
 * Networks that no allowance may cover: where instance metadata and the container credential endpoints
 * live (link-local), "this host" (0.0.0.0/8 and :: reach the local machine on Linux), and the IPv4-mapped
 * block (write the IPv4 network instead).
 */
const NEVER_ALLOWED: [cidr: string, what: string][] = [
  ['0.0.0.0/8', 'the unspecified ("this host") block'],
  ['169.254.0.0/16', 'link-local addresses (instance metadata)'],
  ['::/128', 'the unspecified IPv6 address'],
  ['::ffff:0:0/96', 'the IPv4-mapped block (allow the IPv4 network instead)'],
  ['fe80::/10', 'link-local IPv6 addresses'],
  // AWS serves instance metadata (fd00:ec2::254) and its other link-local services from this block.
  ['fd00:ec2::/32', "AWS's IPv6 link-local services (instance metadata)"],
];

const PREFIX_LENGTH = /^(0|[1-9][0-9]{0,2})$/;

function parsedNetwork(text: string): Omit<AllowedNetwork, 'ports'> {
  const [address, length, extra] = text.split('/');
  if (length === undefined || extra !== undefined || !PREFIX_LENGTH.test(length)) throw new RangeError(`"${text}" is not address/prefix-length`);
  if (address.includes('%') || address.includes('[')) throw new RangeError(`"${text}": the address must be a plain IPv4 or IPv6 address`);
  const family = isIP(address);
  if (family !== 4 && family !== 6) throw new RangeError(`"${text}": ${address} is not an IP address`);
  const prefixLength = Number(length);
  if (prefixLength > WIDTH[family]) throw new RangeError(`"${text}": an IPv${family} prefix is at most /${WIDTH[family]}`);
  const value = family === 4 ? BigInt(ipv4(address)) : ipv6Groups(address)!.reduce((sum, group) => (sum << 16n) | BigInt(group), 0n);
  const hostMask = (1n << BigInt(WIDTH[family] - prefixLength)) - 1n;
  if ((value & hostMask) !== 0n) {
    throw new RangeError(`"${text}" has host bits set (did you mean a network address?)`);
  }
  return { cidr: text, family, network: value, prefixLength };
}

function overlaps(a: Omit<AllowedNetwork, 'ports'>, b: Omit<AllowedNetwork, 'ports'>): boolean {
  return a.family === b.family && sameNetwork(a.family, a.network, b.network, Math.min(a.prefixLength, b.prefixLength));
}

const NEVER_ALLOWED_NETWORKS = NEVER_ALLOWED.map(([cidr, what]) => ({ ...parsedNetwork(cidr), what }));

/** One allowed network, optionally only on some ports. Throws a RangeError saying what is wrong with it. */
export function allowedNetwork(cidr: string, ports?: readonly number[]): AllowedNetwork {
  const network = parsedNetwork(cidr);
  const forbidden = NEVER_ALLOWED_NETWORKS.find((never) => overlaps(network, never));
  if (forbidden) throw new RangeError(`"${cidr}" covers ${forbidden.what}, which a callback may never reach`);
  const badPort = ports?.find((port) => !Number.isInteger(port) || port < 1 || port > 65535);
  if (badPort !== undefined) throw new RangeError(`${badPort} is not a TCP port`);
  return { ...network, ...(ports ? { ports } : {}) };
}

/** CALLBACK_ALLOWED_NETWORKS's form: comma-separated CIDRs, spaces around them ignored, no empty entry. */
export function parseAllowedNetworks(text: string): CallbackAllowance {
  const entries = text.split(',').map((entry) => entry.trim());
  if (entries.some((entry) => entry === '')) throw new RangeError('an entry is empty (a stray comma?)');
  return { networks: entries.map((entry) => allowedNetwork(entry)) };
}

/** Whether the allowance lets a callback reach this address on this port. */
export function allowedTarget(address: string, port: number, allowance: CallbackAllowance | undefined): boolean {
  const target = addressValue(address);
  if (!allowance || !target) return false;
  return allowance.networks.some(
    (network) =>
      network.family === target.family && sameNetwork(target.family, target.value, network.network, network.prefixLength) && (!network.ports || network.ports.includes(port)),
  );
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
    if (allowedTarget(host, urlPort(url), allowance)) return undefined;
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
    if (allowedTarget(address, port, checks.allowance)) continue;
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
        const refused = addresses.find((address) => !allowedTarget(address, port, checks.allowance) && nonPublicAddressReason(address));
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

const PORT = /^[1-9][0-9]{0,4}$/;

/** CALLBACK_DNS_SERVERS's form: comma-separated `a.b.c.d[:port]` or `[v6][:port]`; a server is named by its address. */
export function parseDnsServers(text: string): string[] {
  const entries = text.split(',').map((entry) => entry.trim());
  if (entries.some((entry) => entry === '')) throw new RangeError('an entry is empty (a stray comma?)');
  for (const entry of entries) {
    const match = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::([^:]*))?$/.exec(entry);
    const address = match?.[1] ?? match?.[2];
    const family = address === undefined ? 0 : isIP(address);
    if (!match || family === 0 || (match[1] !== undefined && family !== 6) || (match[2] !== undefined && family !== 4)) {
      throw new RangeError(`"${entry}" is not an IPv4 address or a bracketed IPv6 address, with an optional :port`);
    }
    const port = match[3];
    if (port !== undefined && (!PORT.test(port) || Number(port) > 65535)) throw new RangeError(`"${entry}": ${port} is not a port`);
  }
  return entries;
}

/**
 * The checks as the operator configured them: the networks allowed although not public (none by default),
 * the DNS servers (the system resolver by default). A value that does not parse is a ConfigurationError
 * naming its variable.
 */
export function callbackChecksFromSettings(env: NodeJS.ProcessEnv = process.env): CallbackChecks {
  const allowance = parsedSetting(CALLBACK_ALLOWED_NETWORKS, parseAllowedNetworks, env);
  const servers = parsedSetting(CALLBACK_DNS_SERVERS, parseDnsServers, env);
  return { resolveHost: servers ? dnsServerResolver(servers) : systemHostResolver, ...(allowance ? { allowance } : {}) };
}

let configured: { settings: string; checks: CallbackChecks } | undefined;

/**
 * What the handlers use: the configured checks, built once for the execution environment (its settings do
 * not change during its life; new settings mean a new environment, and build anew).
 */
export function callbackChecksOfThisEnvironment(env: NodeJS.ProcessEnv = process.env): CallbackChecks {
  const settings = JSON.stringify([env[CALLBACK_ALLOWED_NETWORKS] ?? null, env[CALLBACK_DNS_SERVERS] ?? null]);
  if (configured?.settings !== settings) configured = { settings, checks: callbackChecksFromSettings(env) };
  return configured.checks;
}
