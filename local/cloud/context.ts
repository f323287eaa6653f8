/**
 * What every emulated service shares: the cloud state, the simulated clock, latencies, faults, the network
 * model (tunnel status) and the recorder behind report.json.
 */
import type { AwsCallRecord } from '../aws/call-record';
import type { SimulatedClock } from '../clock';
import type { FaultInjector } from '../faults';
import type { Latencies } from '../latency';
import type { CloudState } from './state';

export interface OperationRecord {
  cloud: 'aws' | 'azure';
  /** Resource id (AWS id or ARM id). */
  resource: string;
  operation: string;
  startedAt: number;
  readyAt: number;
}

/** Counts API calls per cloud and operation, and logs the operations the clouds carried out. */
export class Recorder {
  readonly apiCalls: { aws: Record<string, number>; azure: Record<string, number> } = { aws: {}, azure: {} };
  readonly operations: OperationRecord[] = [];
  /** Every AWS call the emulator answered, with what IAM would authorize it on (local/aws/call-record.ts). */
  readonly awsCalls: AwsCallRecord[] = [];

  /** One API call: AWS action name (`CreateVpnGateway`) or ARM `METHOD resource type` (`PUT Microsoft.Network/connections`). */
  call(cloud: 'aws' | 'azure', name: string): void {
    const calls = this.apiCalls[cloud];
    calls[name] = (calls[name] ?? 0) + 1;
  }

  operation(record: OperationRecord): void {
    this.operations.push(record);
  }

  awsCall(record: AwsCallRecord): void {
    this.awsCalls.push(record);
  }

  /** ARM writes as received (keys redacted), for the official-model round-trip tests. */
  readonly armRequests: ArmRequestRecord[] = [];

  armRequest(record: ArmRequestRecord): void {
    this.armRequests.push(record);
  }
}

export interface ArmRequestRecord {
  method: string;
  /** Normalised ARM id of the target (with a trailing action such as `sharedkey`, when there is one). */
  id: string;
  /** Canonical resource type of the target. */
  type: string;
  apiVersion: string;
  body: unknown;
}

/** Tunnel status as the network model sees it; both clouds report from it. */
export interface TunnelTelemetry {
  OutsideIpAddress: string;
  Status: 'UP' | 'DOWN';
  StatusMessage: string;
  /** Simulated seconds of the last change. */
  LastStatusChange: number;
  /** Routes the VGW accepted over the tunnel's BGP session (absent: 0, as for static routing). */
  AcceptedRouteCount?: number;
}

/** One BGP peer as an Azure gateway instance reports it (VirtualNetworkGateways_GetBgpPeerStatus). */
export interface BgpPeerStatusView {
  localAddress: string;
  neighbor: string;
  asn: number;
  state: 'Unknown' | 'Stopped' | 'Idle' | 'Connecting' | 'Connected';
  connectedDuration: string;
  routesReceived: number;
  messagesSent: number;
  messagesReceived: number;
}

export interface AzureConnectionView {
  connectionStatus: 'Unknown' | 'Connecting' | 'Connected' | 'NotConnected';
  tunnelConnectionStatus: { tunnel: string; connectionStatus: string }[];
}

/** The part of the network model the emulated control planes read. */
export interface NetworkView {
  /** VgwTelemetry for the AWS VPN connection, one entry per tunnel. */
  awsTunnelTelemetry(vpnConnectionId: string): TunnelTelemetry[];
  /** connectionStatus for the Azure connection (`Microsoft.Network/connections`) with that id. */
  azureConnectionStatus(connectionId: string): AzureConnectionView;
  /** Prefixes the VGW learned over BGP through the VPN connection's tunnels (absent: none, as with static routing). */
  awsLearnedRoutes?(vpnConnectionId: string): string[];
  /** The BGP peers of the Azure gateway with that id, per instance (absent: none). */
  azureBgpPeerStatus?(gatewayId: string): BgpPeerStatusView[];
}

export interface EmulatorContext {
  state: CloudState;
  clock: SimulatedClock;
  latencies: Latencies;
  faults: FaultInjector;
  recorder: Recorder;
  network: NetworkView;
}
