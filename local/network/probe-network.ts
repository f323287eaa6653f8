/**
 * The probe's network in local mode: real DNS over UDP to the subnet's emulated resolver, and TCP through the
 * loopback listener standing for the address.
 */
import { promises as dnsPromises } from 'node:dns';
import * as net from 'node:net';
import type { DnsAnswer, ProbeNetwork } from '../../functions/probe/network';
import type { LocalNetwork } from './index';

const MAX_CNAME_HOPS = 8;

function hasCode(error: unknown, ...codes: string[]): boolean {
  return typeof error === 'object' && error !== null && codes.includes(String((error as { code?: unknown }).code));
}

function timeoutError(ip: string, port: number, why: string): Error {
  const error = new Error(`connect ETIMEDOUT ${ip}:${port} (emulated network: ${why})`) as Error & { code: string };
  error.code = 'ETIMEDOUT';
  return error;
}

/**
 * `sourceSecurityGroupIds`: the security groups of the probe's network interfaces (the function's VpcConfig);
 * its TCP connections get only what their egress rules allow. Its DNS goes to the VPC's resolver, which
 * security groups do not filter.
 */
export function localProbeNetwork(network: LocalNetwork, sourceSubnetId: string, extraCaPem?: string, sourceSecurityGroupIds?: readonly string[]): ProbeNetwork {
  return {
    extraCaPem,

    async resolve(name: string): Promise<DnsAnswer> {
      const server = await network.dnsServerFor(sourceSubnetId);
      const resolver = new dnsPromises.Resolver({ timeout: 2000, tries: 2 });
      resolver.setServers([server.address]);
      // Follow the chain hop by hop (CNAME queries), then ask A for the name as a client would.
      const cnames: string[] = [];
      let current = name;
      for (let hop = 0; hop < MAX_CNAME_HOPS; hop++) {
        let next: string[];
        try {
          next = await resolver.resolveCname(current);
        } catch (error) {
          if (hasCode(error, 'ENODATA')) break; // the name exists and is not an alias: end of the chain
          throw error;
        }
        if (next.length === 0) break;
        current = next[0];
        cnames.push(current);
      }
      const addresses = await resolver.resolve4(name);
      return { cnames, addresses };
    },

    async connect(ip: string, port: number, timeoutMs: number): Promise<net.Socket> {
      // A loopback listener accepts before it can judge, so a blocked connection would look established and
      // then be reset. Ask the network first: a blocked SYN in the cloud is a timeout (NSG drop, no route).
      const verdict = network.model.tcp(sourceSubnetId, ip, port, sourceSecurityGroupIds);
      if (!verdict.ok) throw timeoutError(ip, port, verdict.reasons.join('; '));
      const target = await network.targetFor(sourceSubnetId, ip, port);
      return new Promise<net.Socket>((resolve, reject) => {
        const socket = net.connect({ host: target.host, port: target.port });
        const timer = setTimeout(() => {
          socket.destroy();
          reject(timeoutError(ip, port, `no answer within ${timeoutMs} ms`));
        }, timeoutMs);
        socket.once('connect', () => {
          clearTimeout(timer);
          socket.off('error', onError);
          resolve(socket);
        });
        const onError = (error: Error) => {
          clearTimeout(timer);
          reject(error);
        };
        socket.once('error', onError);
      });
    },
  };
}
