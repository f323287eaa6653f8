/**
 * Loopback listeners that stand for remote addresses. Nothing in local mode may dial a private or public
 * address, so each (source subnet, ip, port) the probe wants to reach gets its own listener on 127.0.0.1; on
 * every connection the network model decides, at that moment, whether the packet would have got through:
 * refused connections are reset at once, allowed ones are piped to the OpenAI data plane (the private listener
 * for a private endpoint IP, the public one for the account's Internet address).
 */
import * as net from 'node:net';
import type { NetworkModel } from './model';

export interface OpenAiPorts {
  privatePort: number;
  publicPort: number;
}

export interface LoopbackTarget {
  host: '127.0.0.1';
  port: number;
}

export class Listeners {
  private readonly servers = new Map<string, Promise<{ server: net.Server; target: LoopbackTarget }>>();
  private readonly sockets = new Set<net.Socket>();
  private closed = false;

  constructor(
    private readonly model: NetworkModel,
    private openAi: OpenAiPorts | undefined,
  ) {}

  /** The data-plane servers may start after the network; connections read the ports when they arrive. */
  setOpenAi(ports: OpenAiPorts): void {
    this.openAi = ports;
  }

  /** The loopback address standing for ip:port as seen from the subnet (created on first use, then cached). */
  targetFor(sourceSubnetId: string, ip: string, port: number): Promise<LoopbackTarget> {
    if (this.closed) return Promise.reject(new Error('the emulated network is closed'));
    const key = `${sourceSubnetId}|${ip}|${port}`;
    let entry = this.servers.get(key);
    if (!entry) {
      entry = this.listen(sourceSubnetId, ip, port);
      this.servers.set(key, entry);
      entry.catch(() => this.servers.delete(key));
    }
    return entry.then((e) => e.target);
  }

  private listen(sourceSubnetId: string, ip: string, port: number): Promise<{ server: net.Server; target: LoopbackTarget }> {
    const server = net.createServer((socket) => this.accept(socket, sourceSubnetId, ip, port));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        const address = server.address() as net.AddressInfo;
        resolve({ server, target: { host: '127.0.0.1', port: address.port } });
      });
    });
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }

  private accept(socket: net.Socket, sourceSubnetId: string, ip: string, port: number): void {
    this.track(socket);
    socket.on('error', () => socket.destroy());
    const verdict = this.model.tcp(sourceSubnetId, ip, port);
    const upstreamPort =
      verdict.kind === 'private-endpoint' ? this.openAi?.privatePort : verdict.kind === 'account-public' ? this.openAi?.publicPort : undefined;
    if (!verdict.ok || upstreamPort === undefined) {
      socket.resetAndDestroy();
      return;
    }
    const upstream = net.connect({ host: '127.0.0.1', port: upstreamPort });
    this.track(upstream);
    upstream.on('error', () => socket.resetAndDestroy());
    socket.on('close', () => upstream.destroy());
    upstream.on('close', () => socket.destroy());
    socket.pipe(upstream);
    upstream.pipe(socket);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const socket of this.sockets) socket.destroy();
    const entries = await Promise.allSettled([...this.servers.values()]);
    this.servers.clear();
    await Promise.all(
      entries.map((e) => (e.status === 'fulfilled' ? new Promise<void>((done) => e.value.server.close(() => done())) : Promise.resolve())),
    );
  }
}
