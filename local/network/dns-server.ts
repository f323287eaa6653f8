/**
 * A real DNS server (UDP and TCP on one loopback port) that plays the VPC resolver as seen from one subnet:
 * every answer comes from `model.resolve(subnet, name)` at the moment of the query, so the probe talks DNS on
 * the wire exactly as it would to the VPC's .2 resolver.
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import type { DnsResolution } from './model';

// dns-packet ships no type declarations; describe the part used here rather than declaring a global module.
interface DnsQuestion {
  name: string;
  type: string;
  class?: string;
}
interface DnsRecord {
  name: string;
  type: string;
  class?: string;
  ttl?: number;
  data: unknown;
}
interface DnsPacket {
  id?: number;
  type?: 'query' | 'response';
  flags?: number;
  questions?: DnsQuestion[];
  answers?: DnsRecord[];
  authorities?: DnsRecord[];
  additionals?: DnsRecord[];
}
interface DnsPacketModule {
  encode(packet: DnsPacket): Buffer;
  decode(buffer: Buffer): DnsPacket;
  RECURSION_DESIRED: number;
  RECURSION_AVAILABLE: number;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dnsPacket: DnsPacketModule = require('dns-packet');

const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 } as const;
/** Short TTLs: the answer changes as the workflow builds the path, and a client should notice quickly. */
const TTL = 5;

export type Resolve = (name: string) => DnsResolution;

/** The answer section for one question, from a resolution: the CNAME hops, then A records of the last name. */
export function answerRecords(question: DnsQuestion, resolution: DnsResolution): DnsRecord[] {
  const chain = [question.name, ...resolution.cnames];
  const cnames: DnsRecord[] = resolution.cnames.map((target, i) => ({ name: chain[i], type: 'CNAME', class: 'IN', ttl: TTL, data: target }));
  const type = question.type.toUpperCase();
  if (type === 'CNAME') return cnames.slice(0, 1);
  const last = chain[chain.length - 1];
  const a: DnsRecord[] = resolution.addresses.map((ip) => ({ name: last, type: 'A', class: 'IN', ttl: TTL, data: ip }));
  return type === 'A' || type === 'ANY' ? [...cnames, ...a] : cnames; // other types: the chain, no data (NODATA)
}

/** Builds the response to a query packet. */
export function respond(query: DnsPacket, resolve: Resolve): Buffer {
  const questions = query.questions ?? [];
  const flags = (query.flags ?? 0) & dnsPacket.RECURSION_DESIRED;
  let rcode: number = RCODE.NOERROR;
  const answers: DnsRecord[] = [];
  try {
    for (const question of questions) {
      const resolution = resolve(question.name);
      if (resolution.rcode === 'NXDOMAIN') rcode = RCODE.NXDOMAIN;
      else answers.push(...answerRecords(question, resolution));
    }
  } catch {
    rcode = RCODE.SERVFAIL; // a bug in the model must show as a DNS failure, not a silent timeout
  }
  return dnsPacket.encode({
    id: query.id ?? 0,
    type: 'response',
    flags: flags | dnsPacket.RECURSION_AVAILABLE | rcode,
    questions,
    answers,
  });
}

export class DnsServer {
  private readonly connections = new Set<net.Socket>();

  private constructor(
    readonly port: number,
    private readonly udp: dgram.Socket,
    private readonly tcp: net.Server,
    private readonly resolve: Resolve,
  ) {
    udp.on('message', (message, remote) => {
      const reply = this.handle(message);
      if (reply) udp.send(reply, remote.port, remote.address);
    });
    tcp.on('connection', (socket) => this.serveTcp(socket));
  }

  /** Starts UDP and TCP on the same free loopback port (retrying if TCP finds the UDP port taken). */
  static async start(resolve: Resolve): Promise<DnsServer> {
    for (let attempt = 0; ; attempt++) {
      const udp = dgram.createSocket('udp4');
      await new Promise<void>((ok, fail) => {
        udp.once('error', fail);
        udp.bind(0, '127.0.0.1', () => {
          udp.off('error', fail);
          ok();
        });
      });
      const port = udp.address().port;
      const tcp = net.createServer();
      try {
        await new Promise<void>((ok, fail) => {
          tcp.once('error', fail);
          tcp.listen(port, '127.0.0.1', () => {
            tcp.off('error', fail);
            ok();
          });
        });
        return new DnsServer(port, udp, tcp, resolve);
      } catch (error) {
        udp.close();
        if (attempt >= 10) throw error;
      }
    }
  }

  /** `127.0.0.1:PORT`, as `Resolver.setServers` takes it. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  private handle(message: Buffer): Buffer | undefined {
    let query: DnsPacket;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return undefined; // not DNS: drop, as a resolver would
    }
    if (query.type !== 'query') return undefined;
    return respond(query, this.resolve);
  }

  /** DNS over TCP: each message is preceded by its 2-byte length. */
  private serveTcp(socket: net.Socket): void {
    this.connections.add(socket);
    socket.on('close', () => this.connections.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2) {
        const length = buffered.readUInt16BE(0);
        if (buffered.length < 2 + length) break;
        const reply = this.handle(buffered.subarray(2, 2 + length));
        buffered = buffered.subarray(2 + length);
        if (reply) {
          const prefix = Buffer.alloc(2);
          prefix.writeUInt16BE(reply.length);
          socket.write(Buffer.concat([prefix, reply]));
        }
      }
    });
  }

  async close(): Promise<void> {
    for (const socket of this.connections) socket.destroy();
    await Promise.all([
      new Promise<void>((done) => this.tcp.close(() => done())),
      new Promise<void>((done) => {
        try {
          this.udp.close(() => done());
        } catch {
          done();
        }
      }),
    ]);
  }
}
