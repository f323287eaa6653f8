/**
 * The network the probe sees from inside the VPC. In Lambda it is the VPC's own resolver and sockets; in local
 * mode the emulated network provides a resolver and listeners on 127.0.0.1 that stand for the private addresses.
 */
import type { Socket } from 'node:net';

export interface DnsAnswer {
  /** CNAME chain as answered, first hop first (e.g. `aoai-prod.privatelink.openai.azure.com`). */
  cnames: string[];
  /** IPv4 addresses of the final name. */
  addresses: string[];
}

export interface ProbeNetwork {
  /** Resolves an A record through the VPC's resolver (Route 53 Resolver, with its forwarding rules). */
  resolve(name: string): Promise<DnsAnswer>;
  /** Opens a TCP connection to ip:port; rejects when it cannot be established within timeoutMs. */
  connect(ip: string, port: number, timeoutMs: number): Promise<Socket>;
  /** Extra CA certificates (PEM) to trust for TLS, besides the system store; local mode only. */
  extraCaPem?: string;
}
