/**
 * The public DNS as local mode sees it, for the ticket callback's host (the only name the product resolves
 * outside the emulated clouds). Nothing leaves 127.0.0.1, so the answers come from a rule instead of the
 * Internet: the names reserved for examples (RFC 2606: example.com, example.net, example.org and their
 * subdomains) resolve to a documentation address (RFC 5737), every other name does not resolve.
 */
import type { HostResolver } from '../../functions/commons/callback-url';

export const EXAMPLE_DOMAINS = ['example.com', 'example.net', 'example.org'];
/** TEST-NET-1: public in kind (not private, not loopback), routed nowhere. */
export const EXAMPLE_ADDRESS = '192.0.2.80';

export const localPublicDns: HostResolver = async (hostname) => {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  if (EXAMPLE_DOMAINS.some((domain) => name === domain || name.endsWith(`.${domain}`))) return [EXAMPLE_ADDRESS];
  throw Object.assign(new Error(`${hostname} does not resolve in local mode`), { code: 'ENOTFOUND' });
};
