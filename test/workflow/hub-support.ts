/**
 * Helpers for the hub tests: requests for a second VPC on the default request's hub, and the critical path of
 * a run on a hub that is already there, read from that run's own operations as cli/bench.ts reads it.
 */
import * as path from 'node:path';
import { joinedTunnels } from '../../cli/bench';
import { Latencies } from '../../local/latency';
import { tunnelKey } from '../../local/network/tunnels';
import type { Report } from '../../local/runner';
import { DEFAULT_REQUEST, ROOT } from './support';

/** Two VPCs (172.17/16, 172.18/16) beside the default world's one VNet, vnet-hub. */
export const ONE_HUB_TWO_VPCS = path.join(ROOT, 'test', 'fixtures', 'worlds', 'one-hub-two-vpcs.json');
export const FOREIGN_HUB = path.join(ROOT, 'test', 'fixtures', 'worlds', 'foreign-hub.json');
export const FOREIGN_SPOKE = (n: 1 | 2) => path.join(ROOT, 'test', 'fixtures', 'worlds', `foreign-hub-spoke-${n}.json`);

/** The default request, for the second VPC of ONE_HUB_TWO_VPCS, as environment aoai-prod-02. */
export function secondVpcRequest(): any {
  const request = JSON.parse(JSON.stringify(DEFAULT_REQUEST));
  request.environmentId = 'aoai-prod-02';
  request.ticket.id = 'OPS-1235';
  request.aws = {
    region: 'ap-northeast-1',
    vpcId: 'vpc-0a1b2c3d4e5f60002',
    routeTableIds: ['rtb-0a1b2c3d4e5f60002'],
    resolverSubnetIds: ['subnet-0a1b2c3d4e5f60011', 'subnet-0a1b2c3d4e5f60012'],
    probeSubnetIds: ['subnet-0a1b2c3d4e5f60011'],
  };
  return request;
}

type Operation = Report['operations'][number];

function longest(operations: Operation[], match: RegExp): number {
  return Math.max(0, ...operations.filter((o) => match.test(o.resource) && o.operation === 'create').map((o) => o.readyAt - o.startedAt));
}

/**
 * What a run on a hub whose gateway is there waits for, one after the other: the virtual private gateway, the
 * VPN connection (the tunnels' addresses are read once it is available), the local network gateways, the
 * Azure connections one at a time per gateway with the last tunnel's negotiation (cli/bench.ts's joinedTunnels,
 * on the same latency table), and the account update when this run made one. The customer gateway and the VGW
 * attachment run beside the VGW and the VPN connection, so they are not on it.
 */
export function hubCriticalPath(report: Report, output: any): { seconds: number; parts: Record<string, number> } {
  const ops = report.operations;
  const latencies = new Latencies();
  const tunnels: { outsideIp: string }[] = output?.tunnels ?? [];
  const vpnConnectionId: string = output?.created?.aws?.vpnConnection ?? '';
  const joins = tunnels.map((t, index) => ({
    create: longest(ops, new RegExp(`/connections/[^/]*tunnel-${index + 1}$`, 'i')),
    negotiation: latencies.of('tunnel.up', tunnelKey(vpnConnectionId, t.outsideIp)),
  }));
  const parts = {
    virtualPrivateGateway: longest(ops, /^vgw-/),
    vpnConnection: longest(ops, /^vpn-/),
    localNetworkGateways: longest(ops, /\/localNetworkGateways\//i),
    connectionsAndTunnels: joinedTunnels(joins),
    accountUpdate: Math.max(0, ...ops.filter((o) => /\/Microsoft\.CognitiveServices\/accounts\/[^/]+$/i.test(o.resource)).map((o) => o.readyAt - o.startedAt)),
  };
  return { seconds: Object.values(parts).reduce((a, b) => a + b, 0), parts };
}

/** Every Azure write of a run, by `METHOD type` (its POSTs are reads: listKeys, listDnsResolvers). */
export function azureWrites(report: Report): string[] {
  return Object.keys(report.apiCalls.azure)
    .filter((call) => /^(PUT|PATCH|DELETE) /.test(call))
    .sort();
}

export const PROVEN_PROBE = {
  dns: { ok: true, answers: ['aoai-prod.privatelink.openai.azure.com', '192.168.1.4'] },
  tcp: { ok: true },
  api: { ok: true, status: 200 },
};
