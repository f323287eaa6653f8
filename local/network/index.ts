/**
 * The emulated network of local mode: the rule model (which the emulated control planes read for tunnel
 * status), one DNS server per VPC subnet that asks, and loopback listeners standing for remote addresses.
 * The model exists from the start; servers and listeners open lazily, on first use, all on 127.0.0.1.
 */
import type { CloudState } from '../cloud/state';
import type { FaultSpec } from '../faults';
import type { Latencies } from '../latency';
import { DnsServer } from './dns-server';
import { Listeners, type LoopbackTarget, type OpenAiPorts } from './listeners';
import { NetworkModel, type ClockLike } from './model';
import { localProbeNetwork } from './probe-network';
import type { ProbeNetwork } from '../../functions/probe/network';

export interface LocalNetworkOptions {
  /** Reads the emulated clouds' current state (it may be replaced wholesale). */
  state: () => CloudState;
  clock: ClockLike;
  latencies: Latencies;
  /** Loopback ports of the OpenAI data plane; may also be given later with setOpenAi. */
  openAi?: OpenAiPorts;
  /** The faults the network itself suffers (instance-down); absent: none. */
  faults?: Pick<FaultSpec, 'instanceDown'>;
}

export class LocalNetwork {
  readonly model: NetworkModel;
  private readonly listeners: Listeners;
  private readonly dnsServers = new Map<string, Promise<DnsServer>>();
  private closed = false;

  constructor(options: LocalNetworkOptions) {
    this.model = new NetworkModel(options.state, options.clock, options.latencies, options.faults);
    this.listeners = new Listeners(this.model, options.openAi);
  }

  /** Builds the network; nothing listens until a DNS server or a target is asked for. */
  static start(options: LocalNetworkOptions): LocalNetwork {
    return new LocalNetwork(options);
  }

  setOpenAi(ports: OpenAiPorts): void {
    this.listeners.setOpenAi(ports);
  }

  /** The DNS server a probe in that subnet asks (the VPC resolver as that subnet sees it). */
  dnsServerFor(sourceSubnetId: string): Promise<DnsServer> {
    if (this.closed) return Promise.reject(new Error('the emulated network is closed'));
    let server = this.dnsServers.get(sourceSubnetId);
    if (!server) {
      server = DnsServer.start((name) => this.model.resolve(sourceSubnetId, name));
      this.dnsServers.set(sourceSubnetId, server);
      server.catch(() => this.dnsServers.delete(sourceSubnetId));
    }
    return server;
  }

  /** The loopback address to dial for ip:port from that subnet. */
  targetFor(sourceSubnetId: string, ip: string, port: number): Promise<LoopbackTarget> {
    return this.listeners.targetFor(sourceSubnetId, ip, port);
  }

  /** The probe's view of the network from a subnet (through those security groups, when given). */
  probeNetwork(sourceSubnetId: string, extraCaPem?: string, sourceSecurityGroupIds?: readonly string[]): ProbeNetwork {
    return localProbeNetwork(this, sourceSubnetId, extraCaPem, sourceSecurityGroupIds);
  }

  async close(): Promise<void> {
    this.closed = true;
    const servers = await Promise.allSettled([...this.dnsServers.values()]);
    this.dnsServers.clear();
    await Promise.all([
      this.listeners.close(),
      ...servers.map((s) => (s.status === 'fulfilled' ? s.value.close() : Promise.resolve())),
    ]);
  }
}

export { NetworkModel, describeNetwork, publicAddressOf, OPENAI_ZONE } from './model';
export type { AddressKind, ClockLike, DnsResolution, NetworkDescription, TcpVerdict } from './model';
export { DnsServer } from './dns-server';
export type { LoopbackTarget, OpenAiPorts } from './listeners';
export { localProbeNetwork } from './probe-network';
export type { TunnelEvaluation } from './tunnels';
