/**
 * The public DNS as local mode sees it, for the ticket callback's host (the only name the product resolves
 * outside the emulated clouds). Nothing leaves 127.0.0.1, so the answers come from a rule instead of the
 * Internet: the names reserved for examples (RFC 2606: example.com, example.net, example.org and their
 * subdomains) resolve to a documentation address (RFC 5737), every other name does not resolve.
 *
 * The functions reach it as a deployment reaches its own resolvers: a real DNS server on 127.0.0.1 named by
 * CALLBACK_DNS_SERVERS (local/runner/environment.ts). `localPublicDns` is the same rule for tests that pass
 * their checks directly.
 */
import type { HostResolver } from '../../functions/commons/callback-url';
import { DnsServer } from '../network/dns-server';
import type { DnsResolution } from '../network/model';

export const EXAMPLE_DOMAINS = ['example.com', 'example.net', 'example.org'];
/** TEST-NET-1: public in kind (not private, not loopback), routed nowhere. */
export const EXAMPLE_ADDRESS = '192.0.2.80';

/** The rule: the addresses of a name, or undefined when it does not resolve. */
export function publicDnsAddresses(hostname: string): string[] | undefined {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return EXAMPLE_DOMAINS.some((domain) => name === domain || name.endsWith(`.${domain}`)) ? [EXAMPLE_ADDRESS] : undefined;
}

export const localPublicDns: HostResolver = async (hostname) => {
  const addresses = publicDnsAddresses(hostname);
  if (addresses) return addresses;
  throw Object.assign(new Error(`${hostname} does not resolve in local mode`), { code: 'ENOTFOUND' });
};

/** The rule served over UDP and TCP on a free 127.0.0.1 port (`address` is what CALLBACK_DNS_SERVERS takes). */
export function startLocalPublicDns(): Promise<DnsServer> {
  return DnsServer.start((question): DnsResolution => {
    const name = question.toLowerCase().replace(/\.$/, '');
    const addresses = publicDnsAddresses(name);
    return addresses
      ? { name, rcode: 'NOERROR', cnames: [], addresses, via: 'public', reasons: [] }
      : { name, rcode: 'NXDOMAIN', cnames: [], addresses: [], via: 'none', reasons: [] };
  });
}
