/** The probe's network in Lambda: the VPC's own resolver (Route 53 Resolver, with its rules) and plain sockets. */
import { promises as dns } from 'node:dns';
import * as net from 'node:net';
import type { DnsAnswer, ProbeNetwork } from './network';

async function resolveWithCnames(name: string): Promise<DnsAnswer> {
  const resolver = new dns.Resolver();
  const cnames: string[] = [];
  let current = name;
  // Follow the CNAME chain as dig shows it (account name → privatelink name → address).
  for (let hop = 0; hop < 8; hop++) {
    const next = await resolver.resolveCname(current).catch(() => [] as string[]);
    if (next.length === 0) break;
    cnames.push(next[0]);
    current = next[0];
  }
  const addresses = await resolver.resolve4(name);
  return { cnames, addresses };
}

export const systemNetwork: ProbeNetwork = {
  resolve: resolveWithCnames,
  connect: (ip, port, timeoutMs) =>
    new Promise((resolve, reject) => {
      const socket = net.connect({ host: ip, port });
      socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no connection within ${timeoutMs} ms`)));
      socket.once('connect', () => {
        socket.setTimeout(0);
        resolve(socket);
      });
      socket.once('error', reject);
    }),
};
