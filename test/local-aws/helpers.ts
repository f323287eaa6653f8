/** Test wiring: an emulator context on a simulated clock, a stub network model, and real SDK clients at the endpoint. */
import { EC2Client } from '@aws-sdk/client-ec2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { Route53ResolverClient } from '@aws-sdk/client-route53resolver';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SimulatedClock } from '../../local/clock';
import { Recorder, type EmulatorContext, type NetworkView, type TunnelTelemetry } from '../../local/cloud/context';
import type { CloudState } from '../../local/cloud/state';
import { readWorld, stateFromWorld } from '../../local/cloud/world';
import { FaultInjector, parseFaults } from '../../local/faults';
import { Latencies } from '../../local/latency';
import { startAwsEmulator, type AwsEmulatorOptions } from '../../local/aws/server';

export const VPC_ID = 'vpc-0a1b2c3d4e5f60001';
export const SUBNET_A = 'subnet-0a1b2c3d4e5f60001';
export const SUBNET_C = 'subnet-0a1b2c3d4e5f60002';
export const ROUTE_TABLE_ID = 'rtb-0a1b2c3d4e5f60001';

/** Reports every tunnel of a connection as DOWN, or UP for the ids in `up` (the real model lives in local/network). */
export class StubNetwork implements NetworkView {
  readonly up = new Set<string>();

  constructor(private readonly state: () => CloudState) {}

  awsTunnelTelemetry(vpnConnectionId: string): TunnelTelemetry[] {
    const vpn = this.state().aws.vpnConnections.find((v) => v.VpnConnectionId === vpnConnectionId);
    return (vpn?.Tunnels ?? []).map((t) => ({
      OutsideIpAddress: t.OutsideIpAddress,
      Status: this.up.has(vpnConnectionId) ? 'UP' : 'DOWN',
      StatusMessage: '',
      LastStatusChange: 0,
    }));
  }

  azureConnectionStatus() {
    return { connectionStatus: 'Unknown' as const, tunnelConnectionStatus: [] };
  }
}

/** The emulated AWS and the real SDK clients pointed at it, over a network view of the test's choosing. */
export interface AwsHarness<Network extends NetworkView = NetworkView> {
  ctx: EmulatorContext;
  clock: SimulatedClock;
  network: Network;
  endpoint: string;
  ec2: EC2Client;
  resolver: Route53ResolverClient;
  secrets: SecretsManagerClient;
  lambda: LambdaClient;
  close(): Promise<void>;
}

export type Harness = AwsHarness<StubNetwork>;

export interface HarnessOptions extends AwsEmulatorOptions {
  faults?: string;
  seed?: number;
  state?: CloudState;
  maxAttempts?: number;
}

/** The emulator on `state` and `clock`, with `network` as its view of the tunnels. */
export async function startAwsHarness<Network extends NetworkView>(
  state: CloudState,
  clock: SimulatedClock,
  network: Network,
  options: HarnessOptions & { latencies?: Latencies } = {},
): Promise<AwsHarness<Network>> {
  const ctx: EmulatorContext = {
    state,
    clock,
    latencies: options.latencies ?? new Latencies(),
    faults: new FaultInjector(parseFaults(options.faults), options.seed ?? 1),
    recorder: new Recorder(),
    network,
  };
  const emulator = await startAwsEmulator(ctx, options);
  const config = {
    endpoint: emulator.endpoint,
    region: 'ap-northeast-1',
    credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-secret' },
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
  };
  const clients = {
    ec2: new EC2Client(config),
    resolver: new Route53ResolverClient(config),
    secrets: new SecretsManagerClient(config),
    lambda: new LambdaClient(config),
  };
  return {
    ctx,
    clock,
    network,
    endpoint: emulator.endpoint,
    ...clients,
    async close() {
      for (const client of Object.values(clients)) client.destroy();
      clock.stop();
      await emulator.close();
    },
  };
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const state = options.state ?? stateFromWorld(readWorld());
  return startAwsHarness(state, new SimulatedClock(), new StubNetwork(() => state), options);
}

/** The error an SDK call rejects with (fails the test if it resolves). */
export async function errorOf(promise: Promise<unknown>): Promise<Error & { name: string; $metadata?: { httpStatusCode?: number; attempts?: number }; $fault?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as never;
  }
  throw new Error('expected the call to fail');
}
