/**
 * "The public DNS" for tests: a real DNS server on 127.0.0.1 (the one local mode uses for VPC resolvers)
 * answering from a table the test can change between queries, and the product's own wire resolver
 * (dnsServerResolver) pointed at it. Names not in the table are NXDOMAIN.
 */
import { dnsServerResolver, type HostResolver } from '../../functions/commons/callback-url';
import { DnsServer } from '../../local/network/dns-server';

export interface TestPublicDns {
  /** name → A records; change it to make a name resolve elsewhere (DNS rebinding). */
  records: Map<string, string[]>;
  resolveHost: HostResolver;
  /** `127.0.0.1:PORT`, as CALLBACK_DNS_SERVERS takes it. */
  address: string;
  /** Queries seen, in order. */
  queries: string[];
  close(): Promise<void>;
}

export async function startTestPublicDns(records: Record<string, string[]> = {}): Promise<TestPublicDns> {
  const table = new Map(Object.entries(records));
  const queries: string[] = [];
  const server = await DnsServer.start((name) => {
    const key = name.toLowerCase().replace(/\.$/, '');
    queries.push(key);
    const addresses = table.get(key);
    return addresses
      ? { name: key, rcode: 'NOERROR', cnames: [], addresses, via: 'public', reasons: [] }
      : { name: key, rcode: 'NXDOMAIN', cnames: [], addresses: [], via: 'none', reasons: [] };
  });
  return { records: table, resolveHost: dnsServerResolver([server.address]), address: server.address, queries, close: () => server.close() };
}
